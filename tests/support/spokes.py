"""The spokes against the in-process local endpoint: an organization of OUs and accounts,
credentials of a member account, a manifest sharing with OUs, and running `portfolio bootstrap`
the way a platform engineer would (tests/integration/portfolio/bootstrap/test_spokes.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from portfolio.cli import main
from portfolio.local_aws import local_aws, settings
from portfolio.local_aws.sample_organization import SampleOrganization, create_organization
from portfolio.names import LAUNCH_ROLE_NAME_PREFIX
from tests.support.demo_manifest import demo_manifest_data, write_demo

SPOKE_REGIONS = ("us-east-1", "eu-west-1")
HOME = SPOKE_REGIONS[0]
_CALLS = re.compile(r"spokes: (\d+) read, (\d+) mutating calls")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def mutating_calls(self) -> int:
        found = _CALLS.search(self.out)
        assert found, self.out
        return int(found.group(2))


@dataclass
class Organization:
    """A local organization and the directory its manifests are written to."""

    sample: SampleOrganization
    directory: Path
    capsys: pytest.CaptureFixture[str]

    def units(self) -> list[str]:
        return list(self.sample.units)

    def manifest(self, units: list[str], regions: tuple[str, ...] = SPOKE_REGIONS) -> Path:
        data = demo_manifest_data(regions=regions)
        data["shares"] = {"organizational_units": units, "share_tag_options": True}
        return write_demo(self.directory / f"manifest-{len(list(self.directory.iterdir()))}", data)

    def bootstrap(self, manifest: Path, *flags: str) -> Run:
        """`portfolio bootstrap` of the manifest's Regions (the hubs too: publish needs them)."""
        self.capsys.readouterr()
        regions = ",".join(SPOKE_REGIONS)
        code = main(["bootstrap", "--manifest", str(manifest), "--region", regions, *flags])
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def status(self, manifest: Path, *flags: str) -> Run:
        self.capsys.readouterr()
        code = main(["status", "--manifest", str(manifest), *flags])
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)


def client(service: str, region: str = HOME, **credentials: str) -> Any:
    """A client with the environment's credentials of now (a new session: boto3's default one
    keeps the credentials it first found)."""
    return boto3.session.Session().client(service, region_name=region, **credentials)


def launch_role_regions(account: str) -> set[str]:
    """The Regions whose launch role exists in ``account`` (its IAM is global)."""
    from moto.iam.models import iam_backends

    prefix = f"{LAUNCH_ROLE_NAME_PREFIX}-"
    roles = iam_backends[account]["aws"].roles.values()
    return {role.name.removeprefix(prefix) for role in roles if role.name.startswith(prefix)}


def use_account(monkeypatch: pytest.MonkeyPatch, account: str) -> None:
    """Make every later boto3 call in this process come from ``account`` (assumed role)."""
    credentials = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="platform-engineer",
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])


@pytest.fixture
def organization(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Organization]:
    """Two OUs of three accounts each (and an empty third), in-process; no profile files."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", HOME)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings, "STACK_SET_BATCH_SECONDS", 0.0)
    directory = tmp_path / "manifests"
    directory.mkdir()
    with local_aws():
        sample = create_organization(
            client("organizations"), [("apps", 3), ("data", 3), ("later", 0)]
        )
        yield Organization(sample, directory, capsys)
