"""`portfolio bootstrap` refuses bad input in one line naming the flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio.cli import main


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--region", "us-east"], "--region us-east: not an AWS region"),
        (["--region", "us-east-1,Mars"], "--region Mars: not an AWS region"),
        (["--region", "us-east-1", "--stack-name", "1-starts-with-digit"], "--stack-name"),
        (["--region", "us-east-1", "--stack-name", "has_underscore"], "--stack-name"),
        (["--region", "us-east-1", "--endpoint-url", "localhost:5000"], "--endpoint-url"),
        (["--region", "us-east-1", "--access-log-bucket", "Not_A_Bucket"], "--access-log-bucket"),
        (["--region", "us-east-1", "--profile", "no-such-profile-xyz"], "--profile"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag(
    argv: list[str],
    flag: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    assert main(["bootstrap", *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"portfolio bootstrap: error: {flag}")


def test_missing_region_is_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No flag, variable, profile region or manifest names a region."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["bootstrap", "--manifest", str(tmp_path / "none.yaml")]) == 2
    assert capsys.readouterr().err.startswith("portfolio bootstrap: error: --region: required")
