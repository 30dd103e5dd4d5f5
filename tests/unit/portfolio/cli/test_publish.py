"""`portfolio plan` and `portfolio publish` refuse bad flags in one line naming the flag,
installed or not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portfolio.cli import main
from tests.support.demo_manifest import demo_manifest_data, write_demo


@pytest.fixture(autouse=True)
def _no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must stop before any AWS call; should one slip through, it goes nowhere."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_bad_region_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_demo(tmp_path)
    assert main(["plan", "--manifest", str(path), "--region", "mars"]) == 2
    assert capsys.readouterr().err.startswith(
        "portfolio plan: error: --region mars: not an AWS region"
    )


def test_bad_endpoint_url_exits_2_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    for url in ("notaurl", "ftp://example.com", "http://", "http://host:99999"):
        assert main(["plan", "--manifest", str(path), "--endpoint-url", url]) == 2
        assert capsys.readouterr().err == (
            f"portfolio plan: error: --endpoint-url {url}: not an http(s) URL with a host "
            "(e.g. http://127.0.0.1:5000)\n"
        )


def _isolated_aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile real]\nregion = us-east-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def test_unknown_profile_from_the_environment_names_aws_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_demo(tmp_path)
    _isolated_aws_config(tmp_path, monkeypatch)
    monkeypatch.setenv("AWS_PROFILE", "nope")
    assert main(["plan", "--manifest", str(path)]) == 2
    assert capsys.readouterr().err == (
        "portfolio plan: error: AWS_PROFILE=nope (from the environment): no such profile; "
        "unset it or fix it\n"
    )
    assert main(["plan", "--manifest", str(path), "--profile", "other"]) == 2
    assert capsys.readouterr().err == "portfolio plan: error: --profile other: no such profile\n"


# --- the installed command, as a person runs it: one line on stderr, never a traceback ------


def _portfolio_command(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "portfolio"
    return subprocess.run(
        [str(executable), *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("extra_args", "extra_env", "expected"),
    [
        (["--endpoint-url", "notaurl"], {}, "--endpoint-url notaurl: not an http(s) URL"),
        ([], {"AWS_PROFILE": "nope"}, "AWS_PROFILE=nope (from the environment): no such"),
        (["--profile", "nope"], {}, "--profile nope: no such profile"),
        (["--region", "mars"], {}, "--region mars: not an AWS region"),
    ],
    ids=["endpoint-url", "AWS_PROFILE", "profile", "region"],
)
def test_installed_command_reports_bad_flags_in_one_line(
    tmp_path: Path, extra_args: list[str], extra_env: dict[str, str], expected: str
) -> None:
    path = write_demo(tmp_path)
    config = tmp_path / "aws-config"
    config.write_text("[profile real]\nregion = us-east-1\n", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        **extra_env,
    }
    done = _portfolio_command("plan", "--manifest", str(path), *extra_args, env=env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"portfolio plan: error: {expected}"), done.stderr


def test_installed_command_reports_a_bad_manifest_without_a_traceback(tmp_path: Path) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    data["products"][0]["owner"] = ""
    data["tag_options"][0]["key"] = "cost\tcenter"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    done = _portfolio_command("publish", "--manifest", str(path), env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "portfolio publish: error: products[0].owner: must not be empty",
        "tag_options[0].key: 'cost\\tcenter' is not letters, digits, spaces and _ . : / = + - @",
    ]
