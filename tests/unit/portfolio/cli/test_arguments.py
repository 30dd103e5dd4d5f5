"""Regions: one parser for every command, names checked against botocore's data before any
call, and one resolution order (--region, AWS_REGION, AWS_DEFAULT_REGION, the profile, the
manifest) that every command reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio.cli import main
from portfolio.errors import BadInput
from portfolio.regions import known_regions, region_problem, regions_from, resolve_regions
from tests.support.demo_manifest import write_demo


def test_repeated_and_comma_separated_regions_are_deduplicated_in_order() -> None:
    values = ["us-east-1, eu-west-1", "us-east-1", "ap-southeast-2"]
    assert regions_from(values) == ("us-east-1", "eu-west-1", "ap-southeast-2")


def test_no_region_flag_gives_no_regions() -> None:
    assert regions_from([]) == ()


@pytest.mark.parametrize(
    "region",
    [
        "us-east-1",
        "us-gov-west-1",
        "us-isob-east-1",
        "cn-northwest-1",
        "il-central-1",
        "eusc-de-east-1",
    ],
)
def test_every_partitions_regions_are_accepted(region: str) -> None:
    assert regions_from([region]) == (region,)


def test_known_regions_come_from_botocore_not_a_list_here() -> None:
    import botocore.session

    endpoints = botocore.session.get_session().get_component("data_loader").load_data("endpoints")
    assert known_regions() == {
        region for partition in endpoints["partitions"] for region in partition["regions"]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mars", "--region mars: not an AWS region known to botocore"),
        ("us-east-1,us-east-7", "--region us-east-7: not an AWS region known to botocore"),
        ("us-east-1,", "--region: empty region name (e.g. us-east-1)"),
    ],
)
def test_a_bad_region_is_named_in_one_message(value: str, message: str) -> None:
    with pytest.raises(BadInput) as raised:
        regions_from([value])
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_near_miss_suggests_the_region() -> None:
    assert "did you mean us-east-2?" in region_problem("us-east-7")


@pytest.fixture
def no_region_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def test_resolution_order(monkeypatch: pytest.MonkeyPatch, no_region_variables: None) -> None:
    def resolve(flags: list[str], profile: str | None = "eu-west-3") -> tuple[tuple[str, ...], str]:
        found = resolve_regions(flags, lambda: profile, lambda: ("ap-south-1",))
        return found.regions, found.source

    assert resolve([]) == (("eu-west-3",), "profile default")
    assert resolve([], profile=None) == (("ap-south-1",), "the manifest")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    assert resolve([]) == (("eu-west-2",), "AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-1,us-west-2")
    assert resolve([]) == (("eu-west-1", "us-west-2"), "AWS_REGION")
    assert resolve(["us-east-1"]) == (("us-east-1",), "--region")


def test_a_bad_region_in_a_variable_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, no_region_variables: None
) -> None:
    monkeypatch.setenv("AWS_REGION", "mars-1")
    with pytest.raises(BadInput) as raised:
        resolve_regions([], lambda: None, None)
    assert str(raised.value).startswith("AWS_REGION=mars-1 (from the environment): not an AWS")


def test_nothing_to_resolve_is_bad_input(no_region_variables: None) -> None:
    with pytest.raises(BadInput, match=r"^--region: required"):
        resolve_regions([], lambda: None, None)


@pytest.mark.parametrize("command", ["plan", "publish", "bootstrap", "lock", "adopt"])
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
    argv = [command, "--region", "us-east-1,mars", "--manifest", str(write_demo(tmp_path))]
    argv += {"lock": ["--prune"], "adopt": ["port-x"]}.get(command, [])
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith(
        f"portfolio {command}: error: --region mars: not an AWS region known to botocore"
    )
    assert error.count("\n") == 1
