"""The real-account smoke test stays off, without touching the network, unless switched on."""

from __future__ import annotations

import socket

import pytest

from tests.support.real_account import E2E_SWITCH, real_account


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the e2e gate opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


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
