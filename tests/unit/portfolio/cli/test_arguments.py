"""The one ``--region`` parser: repeated and comma-separated values, one message for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio.cli import main
from portfolio.cli.arguments import regions_from
from portfolio.errors import BadInput
from tests.support.demo_manifest import write_demo


def test_repeated_and_comma_separated_regions_are_deduplicated_in_order() -> None:
    values = ["us-east-1, eu-west-1", "us-east-1", "ap-southeast-2"]
    assert regions_from(values) == ("us-east-1", "eu-west-1", "ap-southeast-2")


def test_no_region_flag_gives_no_regions() -> None:
    assert regions_from([]) == ()


@pytest.mark.parametrize(
    "region", ["us-east-1", "us-gov-west-1", "us-isob-east-1", "cn-northwest-1", "il-central-1"]
)
def test_every_partitions_region_names_are_accepted(region: str) -> None:
    assert regions_from([region]) == (region,)


@pytest.mark.parametrize(
    ("value", "bad"), [("mars", "mars"), ("us-east-1,Mars", "Mars"), ("us-east-1,", "")]
)
def test_a_bad_region_is_named_in_one_message(value: str, bad: str) -> None:
    with pytest.raises(BadInput) as raised:
        regions_from([value])
    assert str(raised.value) == f"--region {bad}: not a region name (e.g. us-east-1)"


@pytest.mark.parametrize("command", ["plan", "publish", "bootstrap"])
def test_every_command_reports_a_bad_region_alike(
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    argv = [command, "--region", "us-east-1,mars"]
    if command != "bootstrap":
        argv += ["--manifest", str(write_demo(tmp_path))]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"portfolio {command}: error: --region mars: not a region name (e.g. us-east-1)\n"
    )
