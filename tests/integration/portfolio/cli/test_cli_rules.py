"""The `portfolio` command behaves like the AWS CLI: --version, one region resolution order it
reports, one credential handling, progress on stderr, the IDs recipients need, paths relative
to where it runs, one line and the right exit code whatever goes wrong."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

from portfolio.cli import main, version
from portfolio.local_aws import LocalAwsServer, local_aws
from portfolio.publish.clients import MISSING_CREDENTIALS
from tests.support.demo_manifest import demo_manifest_data, write_demo
from tests.support.local_publish import BUCKET
from tests.support.paths import REPO_ROOT

#: moto's CloudFormation warns about the bootstrap stack's bucket policy, which it does not model.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no region anywhere, an empty AWS config, not in CI."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))


@pytest.fixture
def local(clean_env: None) -> Iterator[None]:
    with local_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


def publish_argv(path: Path, *extra: str) -> list[str]:
    return ["publish", "--manifest", str(path), "--artifact-bucket", BUCKET, *extra]


# --- --version --------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    printed = capsys.readouterr().out.strip()
    assert printed == version()
    assert re.fullmatch(r"portfolio \S+ boto3/\S+ botocore/\S+ Python/\S+", printed)


# --- regions: one order, and the output says which source --------------------------------------


def test_the_report_says_where_the_regions_came_from(
    local: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data(regions=("eu-west-1",))  # the manifest: the last resort
    path = write_demo(tmp_path, data)
    plan = ["plan", "--manifest", str(path), "--artifact-bucket", BUCKET, "--output", "json"]

    def source() -> tuple[str, list[str]]:
        assert main(plan) == 0
        report = json.loads(capsys.readouterr().out)
        return report["regions_from"], [r["region"] for r in report["regions"]]

    assert source() == ("the manifest", ["eu-west-1"])
    (tmp_path / "aws-config").write_text("[default]\nregion = ap-south-1\n", encoding="utf-8")
    assert source() == ("profile default", ["ap-south-1"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    assert source() == ("AWS_DEFAULT_REGION", ["eu-west-2"])
    monkeypatch.setenv("AWS_REGION", "eu-west-3,us-west-2")
    assert source() == ("AWS_REGION", ["eu-west-3", "us-west-2"])
    assert main([*plan[:-2], "--region", "us-east-1"]) == 0
    assert capsys.readouterr().out.startswith("regions from --region\n")


def test_bootstrap_and_adopt_say_where_their_regions_came_from(
    local: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert main(["bootstrap", "--manifest", str(path)]) == 0
    assert capsys.readouterr().out.startswith("regions: us-east-1 (from AWS_REGION)\n")
    assert main(["adopt", "port-none", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 1
    assert capsys.readouterr().out == "regions: us-east-1 (from AWS_REGION)\n"


# --- credentials: the same in every command -----------------------------------------------------


COMMANDS = {
    "plan": ["plan"],
    "publish": ["publish"],
    "bootstrap": ["bootstrap"],
    "lock --prune": ["lock", "--prune"],
    "adopt": ["adopt", "port-none"],
}


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize("command", COMMANDS)
def test_no_credentials_says_how_to_configure_them(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*COMMANDS[command], "--manifest", str(write_demo(tmp_path)), "--region", "us-east-1"]
    assert main(argv) == 1
    assert capsys.readouterr().err == f"portfolio {argv[0]}: error: {MISSING_CREDENTIALS}\n"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAwsServer]:
    with LocalAwsServer() as running:
        yield running


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize("command", COMMANDS)
def test_an_endpoint_url_needs_no_credentials(
    command: str, tmp_path: Path, server: LocalAwsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.reset()
    path = write_demo(tmp_path)
    common = ["--manifest", str(path), "--region", "us-east-1", "--endpoint-url", server.url]
    assert main(["bootstrap", *common]) == 0
    capsys.readouterr()
    code = main([*COMMANDS[command], *common])
    error = capsys.readouterr().err
    assert "credentials" not in error
    assert code == (1 if command == "adopt" else 0), error  # port-none does not exist


# --- progress on stderr: one line per step ------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "ci", "shown"),
    [
        ("always", None, True),
        ("never", "true", False),
        ("auto", "true", True),
        ("auto", None, False),
    ],
)
def test_progress_lines(
    local: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flag: str,
    ci: str | None,
    shown: bool,
) -> None:
    """stderr is no terminal here: auto shows progress only in CI (the CI variable)."""
    if ci:
        monkeypatch.setenv("CI", ci)
    path = write_demo(tmp_path)
    assert main(publish_argv(path, "--progress", flag, "--output", "json")) == 0
    captured = capsys.readouterr()
    steps = [change["name"] for change in json.loads(captured.out)["regions"][0]["changes"]]
    lines = captured.err.splitlines()
    if not shown:
        assert lines == []
        return
    assert len(lines) == len(steps) == 25  # one per step, none twice
    assert all(line.startswith("[us-east-1] done   ") for line in lines)
    assert len(set(lines)) == len(lines)


# --- IDs and paths in the reports -----------------------------------------------------------------


def test_reports_carry_the_ids_recipients_need(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    assert main(publish_argv(path, "--output", "json")) == 0
    (region,) = json.loads(capsys.readouterr().out)["regions"]
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    (portfolio,) = sc.list_portfolios()["PortfolioDetails"]
    assert region["portfolio_id"] == portfolio["Id"]
    for product in region["products"]:
        (artifact,) = sc.list_provisioning_artifacts(ProductId=product["id"])[
            "ProvisioningArtifactDetails"
        ]
        assert product["version_id"] == artifact["Id"]
        assert product["version"] == artifact["Name"] == "1.0.0"
    assert main(publish_argv(path)) == 0  # unchanged: the IDs are shown all the same
    text = capsys.readouterr().out
    assert f"us-east-1: portfolio 'Signed URLs demo' ({portfolio['Id']})" in text
    first = region["products"][0]
    assert (
        f"  id: product 'Demo product 1' {first['id']}, version 1.0.0 {first['version_id']}"
        in text.splitlines()
    )


def test_a_plan_has_no_ids_for_what_does_not_exist_yet(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    assert (
        main(["plan", "--manifest", str(path), "--artifact-bucket", BUCKET, "--output", "json"])
        == 0
    )
    (region,) = json.loads(capsys.readouterr().out)["regions"]
    assert region["portfolio_id"] is None
    assert {p["id"] for p in region["products"]} == {None}


def test_paths_are_shown_relative_to_the_current_directory(
    local: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data()
    for product in data["products"]:
        product["template"] = f"../shared/{Path(product['template']).name}"
    manifest_dir = tmp_path / "portfolio"
    path = write_demo(manifest_dir, data)
    monkeypatch.chdir(tmp_path)
    assert main(["lock", "--manifest", "portfolio/manifest.yaml", "--force"]) == 0
    assert main(["plan", "--manifest", "portfolio/manifest.yaml", "--artifact-bucket", BUCKET]) == 0
    out = capsys.readouterr().out
    assert "  + upload template shared/product-1.yaml (s3://" in out
    assert "../shared" not in out
    assert path.exists()


# --- one line, the right exit code, never a traceback --------------------------------------------


def test_an_unexpected_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr("portfolio.cli.publish.prepare", explode)
    assert main(["plan", "--manifest", str(tmp_path / "m.yaml")]) == 1
    assert capsys.readouterr().err == (
        "portfolio plan: internal error: RuntimeError: something unexpected (please report it)\n"
    )


def test_a_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    """`portfolio ... | head`: the reader goes away before the output is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "portfolio.cli", "build", "--out", str(tmp_path / "out")],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read()
    process.wait(timeout=300)
    assert error == ""
    assert process.returncode == 1


# --- lock --prune ---------------------------------------------------------------------------------


def test_lock_prune_drops_what_exists_in_no_region(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    assert main(publish_argv(path)) == 0
    lock_path = tmp_path / "versions.lock.yaml"
    lock = yaml.safe_load(lock_path.read_text())
    lock["Demo product 1"]["0.9.0"] = "0" * 64  # deleted in AWS long ago
    lock["Retired product"] = {"1.0.0": "1" * 64}  # not in the manifest: left alone
    lock_path.write_text(yaml.safe_dump(lock), encoding="utf-8")
    assert main(["lock", "--manifest", str(path)]) == 0  # without --prune: nothing read, kept
    assert "0.9.0" in lock_path.read_text()
    capsys.readouterr()
    assert main(["lock", "--manifest", str(path), "--prune"]) == 0
    out = capsys.readouterr().out
    assert "pruned    Demo product 1 0.9.0 (exists in none of us-east-1)" in out
    assert "kept      Retired product: found in none of us-east-1" in out
    pruned = yaml.safe_load(lock_path.read_text())
    assert pruned["Demo product 1"] == {"1.0.0": lock["Demo product 1"]["1.0.0"]}
    assert pruned["Retired product"] == {"1.0.0": "1" * 64}


# --- build and docs write only under --out -------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "docs"])
def test_an_empty_out_is_refused(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--out", ""]) == 2
    assert capsys.readouterr().err == f"portfolio {command}: error: --out: must not be empty\n"


def test_docs_writes_only_under_out_unless_asked_for_the_guide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = tmp_path / "docs" / "publishing.md"
    guide.parent.mkdir()
    guide.write_text("before\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["docs", "--out", "elsewhere"]) == 0
    assert guide.read_text(encoding="utf-8") == "before\n"
    written = capsys.readouterr().out.splitlines()
    assert written and all(line.startswith("wrote elsewhere/") for line in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "elsewhere"]
    assert main(["docs", "--out", "elsewhere", "--publishing-guide", str(guide)]) == 2
    assert "no manifest field table marks" in capsys.readouterr().err
