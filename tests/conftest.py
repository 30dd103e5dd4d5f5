"""Shared fixtures (helpers live in tests/support)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from products.catalog import PRODUCTS, ProductSpec
from tests.support.shared_botocore_data import share_botocore_loader


@pytest.fixture(scope="session", autouse=True)
def _botocore_models_parsed_once() -> Iterator[None]:
    """Sessions share one botocore loader: about half the integration time was JSON parsing."""
    undo = share_botocore_loader()
    yield
    undo()


#: Allocations between young collections, and young (then middle) collections between older
#: ones: CPython's defaults are 700, 10, 10.
_GC_THRESHOLDS = (50_000, 20, 20)


@pytest.fixture(scope="session", autouse=True)
def _fewer_garbage_collections() -> Iterator[None]:
    """moto and botocore allocate millions of long-lived objects, and at CPython's default
    thresholds the cyclic collector rescans them all the time: up to a fifth of the CPU of
    the publish tests. Imported modules are frozen out of collection and young collections
    run less often; cyclic garbage is still collected."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


@pytest.fixture(params=PRODUCTS, ids=lambda spec: spec.slug)
def product_spec(request: pytest.FixtureRequest) -> ProductSpec:
    return request.param


#: Every environment variable boto3 reads credentials from (besides the files set below).
_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture(autouse=True)
def _no_ambient_region(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Offline tests choose their regions: none comes from the shell (AWS_REGION,
    AWS_DEFAULT_REGION) or a profile in ~/.aws/config, which every command would otherwise
    prefer to the manifest's. Tests against a real account keep their environment."""
    if request.node.get_closest_marker("e2e"):
        return
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.getbasetemp() / "no-aws-config"))


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No AWS credentials anywhere: no variables, empty config files, no instance metadata."""
    for name in _CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    yield
