"""``portfolio serve-local``: port checks, and serving until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from portfolio.cli import main
from tests.support.local_aws import (
    REGION,
    http_client,
    new_portfolio,
)
from tests.support.paths import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http"])
def test_serve_local_rejects_bad_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve-local", "--port", port]) == 2
    error = capsys.readouterr().err
    assert error.startswith("portfolio serve-local: error: --port ")
    assert error.count("\n") == 1


def test_serve_local_rejects_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve-local", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"portfolio serve-local: error: --port {port}: already in use on 127.0.0.1\n"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_serve_local_serves_until_signalled(stop_signal: signal.Signals) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "portfolio.cli", "serve-local", "--port", str(port), "--quiet"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = process.stdout.readline() if process.stdout else ""
        assert ready == f"local AWS endpoint on http://127.0.0.1:{port} (Ctrl-C to stop)\n"
        sc = http_client(f"http://127.0.0.1:{port}")("servicecatalog", REGION)
        assert new_portfolio(sc).startswith("port-")
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=60)  # a hang guard, not a timing check
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert stdout == "local AWS endpoint stopped\n"
