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


# --- the spokes' flags: refused before any AWS call ------------------------------------------


@pytest.fixture
def no_aws_call(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials and a Region, but any API call fails the test."""
    import botocore.client

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--spoke-ous", "ou-abcd-abcdefgh,ou_bad"], "--spoke-ous 'ou_bad': not an OU ID"),
        (["--spoke-ous", "123456789012"], "--spoke-ous '123456789012': not an OU ID"),
        (["--spoke-ous", "r-abcd", "--stack-set-name", "9lives"], "--stack-set-name '9lives'"),
        (["--spoke-ous", "r-abcd", "--stack-set-region", "moon-1"], "--stack-set-region moon-1"),
    ],
)
def test_bad_spoke_input_exits_2_before_any_call(
    argv: list[str], message: str, no_aws_call: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bootstrap", "--region", "us-east-1", "--manifest", "none.yaml", *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"portfolio bootstrap: error: {message}")


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-concurrent-percentage", "0"],
        ["--failure-tolerance-percentage", "101"],
        ["--call-as", "ROOT"],
        ["--region-concurrency", "ALL"],
    ],
)
def test_bad_spoke_flag_values_are_refused_by_the_parser(
    argv: list[str], no_aws_call: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["bootstrap", "--region", "us-east-1", "--spoke-ous", "r-abcd", *argv])
    assert stopped.value.code == 2
    assert f"argument {argv[0]}" in capsys.readouterr().err


def test_a_manifest_ou_id_is_checked_with_the_manifest(
    no_aws_call: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.support.demo_manifest import demo_manifest_data, write_demo

    data = demo_manifest_data()
    data["shares"] = {"organizational_units": ["ou-notvalid"]}
    manifest = write_demo(tmp_path / "demo", data, lock=False)
    assert main(["bootstrap", "--region", "us-east-1", "--manifest", str(manifest)]) == 2
    assert "shares.organizational_units[0]" in capsys.readouterr().err
