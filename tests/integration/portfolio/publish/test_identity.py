"""Identity, not names: what the publisher creates is tagged and found by its tag; duplicates
stop the region before any change, with the IDs and the way out (``portfolio adopt``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from portfolio.cli import main
from portfolio.local_aws import local_aws
from portfolio.names import IDENTITY_TAG_KEY
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings, is_read
from portfolio.publish.report import RegionOutcome
from portfolio.publish.run import PublishOptions, prepare, publish
from tests.support.demo_manifest import demo_manifest_data, write_demo
from tests.support.local_publish import (
    BUCKET,
    EXPECTED_FIRST_PUBLISH,
    is_lease_call,
    snapshot,
    untag_everything,
)

TAG = {"Key": IDENTITY_TAG_KEY, "Value": "signed-urls-demo"}


@pytest.fixture(autouse=True)
def local(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with local_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


class Mutations:
    def __init__(self) -> None:
        self.names: list[str] = []

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._seen)

    def _seen(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if not is_lease_call(params) and not is_read(model.name):
            self.names.append(model.name)


def run(path: Path, mutations: Mutations | None = None) -> RegionOutcome:
    options = PublishOptions(
        regions=("us-east-1",),
        apply=True,
        artifact_bucket=BUCKET,
        polling=StatusPolling(interval=0.0),
        clients=ClientSettings(on_client=mutations.attach if mutations else None),
    )
    (outcome,) = publish(prepare(path), options)
    return outcome


def sc() -> Any:
    return boto3.client("servicecatalog", region_name="us-east-1")


def portfolio_ids() -> list[str]:
    return [p["Id"] for p in sc().list_portfolios()["PortfolioDetails"]]


def product_ids(name: str) -> list[str]:
    return [
        p["ProductViewSummary"]["ProductId"]
        for p in sc().search_products_as_admin()["ProductViewDetails"]
        if p["ProductViewSummary"]["Name"] == name
    ]


def adopt(path: Path, *ids: str) -> int:
    return main(["adopt", *ids, "--manifest", str(path), "--artifact-bucket", BUCKET])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return write_demo(tmp_path)


def test_what_the_publisher_creates_carries_its_identity(path: Path) -> None:
    assert run(path).ok
    (portfolio_id,) = portfolio_ids()
    assert sc().describe_portfolio(Id=portfolio_id)["Tags"] == [TAG]
    (product_id,) = product_ids("Demo product 2")
    tags = sc().describe_product_as_admin(Id=product_id)["Tags"]
    assert tags == [{**TAG, "Value": "signed-urls-demo/demo-product-2"}]


def test_a_deployment_made_before_tags_is_adopted_on_its_next_publish(path: Path) -> None:
    assert run(path).ok
    untag_everything()
    outcome = run(path)
    assert outcome.ok, outcome.failure
    assert [r.step.operation for r in outcome.results] == ["update_portfolio"] + [
        "update_product"
    ] * 3
    assert outcome.results[0].step.detail == f"adopt: tag {IDENTITY_TAG_KEY}=signed-urls-demo"
    assert run(path).api_calls["mutating"] == 0
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_a_duplicate_portfolio_stops_the_region_until_the_extra_is_gone(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(path).ok
    (ours,) = portfolio_ids()
    extra = sc().create_portfolio(
        DisplayName="Signed URLs demo", ProviderName="Platform team", Tags=[TAG]
    )["PortfolioDetail"]["Id"]
    mutations = Mutations()
    outcome = run(path, mutations)
    assert not outcome.ok
    first, second = sorted([ours, extra])
    assert outcome.failure == (
        f"portfolio.id: 2 portfolios carry the tag {IDENTITY_TAG_KEY}=signed-urls-demo: "
        f"{first} ('Signed URLs demo'), {second} ('Signed URLs demo'); keep one: delete the "
        "others (or remove their tag), or run `portfolio adopt ID` to keep ID and untag the "
        "others"
    )
    assert mutations.names == []
    assert adopt(path, ours) == 0
    assert f"untagged portfolio {extra}" in capsys.readouterr().out
    still = run(path)  # the extra keeps the name: it may hold shares the manifest revoked
    assert f"and {extra} ('Signed URLs demo') has its name" in still.failure
    sc().delete_portfolio(Id=extra)
    assert run(path).api_calls["mutating"] == 0
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_two_untagged_namesakes_wait_for_portfolio_adopt(path: Path) -> None:
    """Duplicates two publishes left before tags existed: the person says which is the one."""
    assert run(path).ok
    (ours,) = portfolio_ids()
    untag_everything()
    extra = sc().create_portfolio(DisplayName="Signed URLs demo", ProviderName="Platform team")[
        "PortfolioDetail"
    ]["Id"]
    outcome = run(path)
    assert "2 untagged portfolios are named 'Signed URLs demo'" in outcome.failure
    assert adopt(path, ours) == 0
    assert sc().describe_portfolio(Id=ours)["Tags"] == [TAG]
    sc().delete_portfolio(Id=extra)
    adopted = run(path)
    assert adopted.ok, adopted.failure
    assert [r.step.operation for r in adopted.results] == ["update_product"] * 3
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_a_duplicate_product_stops_the_region(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(path).ok
    (ours,) = product_ids("Demo product 1")
    extra = sc().create_product(
        Name="Demo product 1",
        Owner="Platform team",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "1.0.0",
            "Info": {"LoadTemplateFromURL": "https://example.com/t.yaml"},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        Tags=[{**TAG, "Value": "signed-urls-demo/demo-product-1"}],
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    outcome = run(path)
    assert outcome.failure.startswith(
        "products[0].id: 2 products carry the tag "
        f"{IDENTITY_TAG_KEY}=signed-urls-demo/demo-product-1: "
    )
    assert ours in outcome.failure and extra in outcome.failure
    assert adopt(path, ours) == 0
    assert f"untagged product {extra}" in capsys.readouterr().out
    sc().delete_product(Id=extra)
    assert run(path).api_calls["mutating"] == 0


def test_another_manifests_portfolio_of_the_same_name_is_left_alone(path: Path) -> None:
    theirs = sc().create_portfolio(
        DisplayName="Signed URLs demo",
        ProviderName="Another team",
        Tags=[{**TAG, "Value": "another-manifest"}],
    )["PortfolioDetail"]["Id"]
    assert run(path).ok
    ours = [p for p in portfolio_ids() if p != theirs]
    assert len(ours) == 1
    assert sc().describe_portfolio(Id=theirs)["PortfolioDetail"]["ProviderName"] == "Another team"


def test_a_product_renamed_by_hand_is_found_by_its_tag_and_named_back(path: Path) -> None:
    assert run(path).ok
    (product_id,) = product_ids("Demo product 3")
    sc().update_product(Id=product_id, Name="Renamed in the console")
    outcome = run(path)
    assert [r.step.label for r in outcome.results] == [
        "update product Demo product 3 (rename 'Renamed in the console' -> 'Demo product 3')"
    ]
    assert product_ids("Demo product 3") == [product_id]


def test_a_display_name_change_without_portfolio_id_stops_with_the_way_out(
    tmp_path: Path,
) -> None:
    data = demo_manifest_data()
    del data["portfolio"]["id"]  # derived from the display name: signed-urls-demo
    path = write_demo(tmp_path, data)
    assert run(path).ok
    data["portfolio"]["display_name"] = "Signed URLs"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    stopped = run(path)
    assert stopped.failure.startswith(
        "portfolio.id: no portfolio carries the identity 'signed-urls' (made from display_name "
        "'Signed URLs'), and products with the manifest's names belong to portfolio.id "
        "'signed-urls-demo': if display_name changed, set portfolio.id: signed-urls-demo"
    )
    data["portfolio"]["id"] = "signed-urls-demo"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    renamed = run(path)
    assert [r.step.label for r in renamed.results] == [
        "update portfolio Signed URLs (rename 'Signed URLs demo' -> 'Signed URLs')"
    ]
    assert len(portfolio_ids()) == 1


def test_adopt_refuses_another_manifests_portfolio_and_bad_ids(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = sc().create_portfolio(
        DisplayName="X", ProviderName="Y", Tags=[{**TAG, "Value": "another-manifest"}]
    )["PortfolioDetail"]["Id"]
    assert adopt(path, theirs) == 1
    assert capsys.readouterr().err == (
        f"portfolio adopt: error: portfolio {theirs}: carries {IDENTITY_TAG_KEY}=another-manifest, "
        "another manifest's; remove that tag first if it really is this manifest's\n"
    )
    assert adopt(path, "arn:aws:catalog:x") == 2
    assert capsys.readouterr().err.startswith("portfolio adopt: error: ID arn:aws:catalog:x: ")
