"""The real-account smoke test stays off, without touching the network, unless switched on."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.e2e.test_signed_url_smoke import E2E_SWITCH, real_account


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the e2e gate opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.mark.usefixtures("no_network")
def test_switched_off_skips_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(E2E_SWITCH, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"set {E2E_SWITCH}=1"):
        real_account()


@pytest.mark.usefixtures("no_network", "no_credentials")
def test_switched_on_without_credentials_skips_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(E2E_SWITCH, "1")
    with pytest.raises(pytest.skip.Exception) as skipped:
        real_account()
    assert "no usable AWS credentials" in str(skipped.value)
    assert "\n" not in str(skipped.value)
