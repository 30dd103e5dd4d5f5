"""Publishing end to end against the local AWS endpoint, in-process and over HTTP.

A first publish creates everything; publishing the same manifest again makes no mutating call
(S3 included); a one-template change creates exactly one new version.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from portfolio.cli import main
from portfolio.errors import BadInput
from portfolio.local_aws import LocalAwsServer, local_aws
from portfolio.local_aws.backend import local_service_catalog_backends
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.version_lock import record_lock
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings, is_read
from portfolio.publish.report import RegionOutcome
from portfolio.publish.run import PublishOptions, prepare, publish
from portfolio.regions import region_problem
from tests.support.demo_manifest import demo_manifest_data, demo_template, write_demo
from tests.support.local_publish import (
    BUCKET,
    EXPECTED_FIRST_PUBLISH,
    is_lease_call,
    snapshot,
    untag_everything,
)

ACCOUNT = "123456789012"  # moto's default account
FAST = StatusPolling(interval=0.0, max_polls=20)


pytestmark = pytest.mark.usefixtures("fake_aws_credentials")


@pytest.fixture
def local() -> Iterator[None]:
    with local_aws():
        for region in ("us-east-1", "eu-west-1"):
            _create_bucket(boto3.client("s3", region_name=region), f"{BUCKET}-{region}")
        _create_bucket(boto3.client("s3", region_name="us-east-1"), BUCKET)
        yield


def _create_bucket(s3: Any, name: str) -> None:
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def run(path: Path, *, apply: bool = True, regions: tuple[str, ...] = ("us-east-1",), **kw: Any):
    options = PublishOptions(
        regions=regions, apply=apply, artifact_bucket=kw.pop("bucket", BUCKET), polling=FAST, **kw
    )
    return publish(prepare(path), options)


def _only(outcomes: list[RegionOutcome]) -> RegionOutcome:
    (outcome,) = outcomes
    assert outcome.ok, outcome.failure
    return outcome


# --- in-process -----------------------------------------------------------------------------


def test_first_publish_builds_the_whole_portfolio(local: None, tmp_path: Path) -> None:
    outcome = _only(run(write_demo(tmp_path)))
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert outcome.plan is not None
    assert outcome.api_calls["mutating"] == len(outcome.plan.steps)
    assert all(result.status == "done" for result in outcome.results)


def test_templates_are_stored_under_their_sha256(local: None, tmp_path: Path) -> None:
    path = write_demo(tmp_path)
    _only(run(path))
    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]}
    lock = yaml.safe_load((tmp_path / "versions.lock.yaml").read_text())
    assert keys == {f"templates/{lock[f'Demo product {i}']['1.0.0']}.yaml" for i in (1, 2, 3)}


def test_publishing_again_makes_no_mutating_call(local: None, tmp_path: Path) -> None:
    path = write_demo(tmp_path)
    _only(run(path))
    again = _only(run(path))
    assert again.api_calls["mutating"] == 0
    assert again.plan is not None and again.plan.steps == ()
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_one_template_change_creates_one_version(local: None, tmp_path: Path) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    (tmp_path / "templates" / "product-2.yaml").write_text(demo_template(2, revision=2))
    data["products"][1]["version"] = "1.1.0"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    record_lock(load_manifest(path))
    outcome = _only(run(path))
    assert [r.step.operation for r in outcome.results] == [
        "put_object",
        "create_provisioning_artifact",
    ]
    assert outcome.api_calls["mutating"] == 2
    assert snapshot()["versions"]["Demo product 2"] == [
        ("1.0.0", True, "DEFAULT"),
        ("1.1.0", True, "DEFAULT"),
    ]


def test_versions_beyond_the_limit_are_deprecated(local: None, tmp_path: Path) -> None:
    data = demo_manifest_data()
    data["keep_active_versions"] = 1
    data["deactivate_deprecated"] = True
    path = write_demo(tmp_path, data)
    _only(run(path))
    (tmp_path / "templates" / "product-1.yaml").write_text(demo_template(1, revision=2))
    data["products"][0]["version"] = "2.0.0"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    record_lock(load_manifest(path))
    _only(run(path))
    assert snapshot()["versions"]["Demo product 1"] == [
        ("1.0.0", False, "DEPRECATED"),
        ("2.0.0", True, "DEFAULT"),
    ]
    assert _only(run(path)).api_calls["mutating"] == 0


def test_dry_run_changes_nothing(local: None, tmp_path: Path) -> None:
    outcome = _only(run(write_demo(tmp_path), apply=False))
    assert outcome.api_calls["mutating"] == 0
    assert outcome.plan is not None and len(outcome.plan.steps) > 10
    assert {r.status for r in outcome.results} == {"planned"}
    assert snapshot()["portfolios"] == []


def test_removed_principals_shares_and_constraints_are_taken_away(
    local: None, tmp_path: Path
) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    data["principals"] = [{"type": "IAM", "arn": "arn:aws:iam::123456789012:role/team-a"}]
    data["shares"] = {"organization": "o-abcdefghij", "share_tag_options": False}
    data["tag_options"] = data["tag_options"][:1]
    del data["products"][0]["constraints"]["notification"]
    data["products"][0]["constraints"]["launch"] = {
        "role_arn": "arn:aws:iam::123456789012:role/other-launch"
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _only(run(path))
    state = snapshot()
    assert state["principals"] == [("IAM", "arn:aws:iam::123456789012:role/team-a")]
    # An organization share shares the principals unless the manifest says otherwise.
    assert state["shares"] == [("ORGANIZATION", "o-abcdefghij", False, True)]
    assert state["tag_options"] == [("cost-center", "platform")]
    assert ("NOTIFICATION", "Demo product 1") not in state["constraints"]
    assert _only(run(path)).api_calls["mutating"] == 0


def test_three_regions_publish_concurrently(local: None, tmp_path: Path) -> None:
    path = write_demo(tmp_path, demo_manifest_data(regions=("us-east-1", "eu-west-1", "us-west-2")))
    outcomes = run(path, regions=("us-east-1", "eu-west-1", "us-west-2"))
    assert [o.region for o in outcomes] == ["us-east-1", "eu-west-1", "us-west-2"]
    assert all(o.ok for o in outcomes)
    for region in ("us-east-1", "eu-west-1", "us-west-2"):
        assert snapshot(region) == EXPECTED_FIRST_PUBLISH
    assert all(o.api_calls["mutating"] == 0 for o in run(path, regions=("eu-west-1", "us-west-2")))


def test_artifact_bucket_comes_from_the_bootstrap_stack(local: None, tmp_path: Path) -> None:
    stack = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"ArtifactBucketName": {"Value": {"Ref": "Bucket"}}},
    }
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="my-bootstrap", TemplateBody=json.dumps(stack))
    outcome = _only(run(write_demo(tmp_path), bucket=None, bootstrap_stack="my-bootstrap"))
    bucket = cloudformation.describe_stacks(StackName="my-bootstrap")["Stacks"][0]["Outputs"][0]
    upload = outcome.results[0].step
    assert upload.params["Bucket"] == bucket["OutputValue"]


def test_missing_bootstrap_stack_fails_the_region_with_the_fix(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    assert main(["publish", "--manifest", str(path)]) == 1
    error = capsys.readouterr().err
    assert "no artifact bucket" in error
    assert "portfolio bootstrap --region us-east-1" in error
    assert snapshot()["portfolios"] == []


def test_plan_before_bootstrap_still_shows_the_changes(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--manifest", str(write_demo(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "+ create portfolio Signed URLs demo" in out
    assert "not deployed yet" in out


def test_cli_json_report_lists_changes_and_counts_calls(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    argv = ["publish", "--manifest", str(path), "--artifact-bucket", BUCKET, "--output", "json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["ok"] is True
    assert first["api_calls"]["mutating"] == len(first["regions"][0]["changes"]) > 0
    assert {c["status"] for c in first["regions"][0]["changes"]} == {"done"}
    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["api_calls"]["mutating"] == 0
    assert second["api_calls"]["read"] > 0
    assert second["regions"][0]["changes"] == []
    assert len(second["regions"][0]["unchanged"]) > 10


# --- over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalAwsServer]:
    with LocalAwsServer(port=0) as running:
        urllib.request.urlopen(
            urllib.request.Request(f"{running.url}/moto-api/reset", method="POST")
        )
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=running.url)
        s3.create_bucket(Bucket=BUCKET)
        yield running


def test_publish_over_http_then_again_with_zero_mutating_calls(
    server: LocalAwsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    argv = [
        "publish",
        "--manifest",
        str(path),
        "--endpoint-url",
        server.url,
        "--artifact-bucket",
        BUCKET,
        "--output",
        "json",
    ]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["api_calls"]["mutating"] > 0
    assert snapshot(endpoint_url=server.url) == EXPECTED_FIRST_PUBLISH
    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["api_calls"] == {"read": second["api_calls"]["read"], "mutating": 0}


def test_text_report_over_http(
    server: LocalAwsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    common = ["--manifest", str(path), "--endpoint-url", server.url, "--artifact-bucket", BUCKET]
    assert main(["publish", *common]) == 0
    first = capsys.readouterr().out
    assert "+ create product Demo product 1 (with version 1.0.0)  [done]" in first
    assert "+ share account 111111111111  [done]" in first
    assert main(["plan", *common]) == 0
    again = capsys.readouterr().out
    assert "no changes" in again
    assert "= version Demo product 3 1.0.0" in again
    assert again.rstrip().endswith("mutating")
    assert ", 0 mutating" in again


def test_a_failing_region_does_not_stop_the_others(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bootstrap stack exists in us-east-1 only: eu-west-1 fails, us-east-1 publishes."""
    stack = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"ArtifactBucketName": {"Value": {"Ref": "Bucket"}}},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="signed-urls-portfolio-bootstrap", TemplateBody=json.dumps(stack)
    )
    path = write_demo(tmp_path)
    argv = ["publish", "--manifest", str(path), "--region", "us-east-1", "--region", "eu-west-1"]
    assert main([*argv, "--output", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    by_region = {region["region"]: region for region in report["regions"]}
    assert by_region["us-east-1"]["ok"] is True
    assert by_region["eu-west-1"]["ok"] is False
    assert "no artifact bucket" in by_region["eu-west-1"]["error"]
    assert snapshot("us-east-1") == EXPECTED_FIRST_PUBLISH
    assert snapshot("eu-west-1")["portfolios"] == []


def test_progress_goes_to_a_terminal_one_line_per_step(
    local: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    path = write_demo(tmp_path)
    assert main(["publish", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 0
    progress = capsys.readouterr().err.splitlines()
    assert "[us-east-1] done   create portfolio Signed URLs demo" in progress
    assert len(progress) == 25


def test_no_progress_lines_when_stderr_is_not_a_terminal(
    local: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    path = write_demo(tmp_path)
    assert main(["publish", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 0
    assert capsys.readouterr().err == ""


# --- checks before the first mutating call --------------------------------------------------


class MutatingCalls:
    """Records every mutating API call the publisher's clients attempt (``on_client``)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.every_call: list[str] = []

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._seen)

    def _seen(self, model: Any, params: dict[str, Any], **_kwargs: Any) -> None:
        if is_lease_call(params):
            return
        self.every_call.append(model.name)
        if not is_read(model.name):
            self.names.append(model.name)

    def settings(self) -> ClientSettings:
        return ClientSettings(on_client=self.attach)


def _local_backend(region: str = "us-east-1") -> Any:
    return local_service_catalog_backends[ACCOUNT][region]


def test_changed_template_under_a_published_version_exits_2_before_any_change(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lock --force` cannot know the version was published; publish finds out from AWS."""
    path = write_demo(tmp_path)
    _only(run(path))
    (tmp_path / "templates" / "product-2.yaml").write_text(demo_template(2, revision=2))
    assert main(["lock", "--manifest", str(path), "--force"]) == 0
    before = snapshot()
    calls = MutatingCalls()
    with pytest.raises(BadInput) as raised:
        run(path, regions=("us-east-1", "eu-west-1"), clients=calls.settings())
    assert str(raised.value) == (
        "products[1].version: 1.0.0 is already published with a different template; "
        "bump the version"
    )
    assert calls.names == []  # not even eu-west-1, where nothing was published yet
    assert snapshot("eu-west-1")["portfolios"] == []
    capsys.readouterr()
    assert main(["publish", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 2
    assert capsys.readouterr().err == (
        "portfolio publish: error: products[1].version: 1.0.0 is already published with a "
        "different template; bump the version\n"
    )
    assert snapshot() == before


def test_unchanged_republish_reads_each_manifest_version_once(local: None, tmp_path: Path) -> None:
    path = write_demo(tmp_path)
    _only(run(path))
    calls = MutatingCalls()
    again = _only(run(path, clients=calls.settings()))
    assert calls.names == []
    assert again.api_calls["mutating"] == 0
    assert calls.every_call.count("DescribeProvisioningArtifact") == 3  # one per product
    assert calls.every_call.count("SearchProductsAsAdmin") == 1 + 3  # portfolio + by name
    assert calls.every_call.count("GetAWSOrganizationsAccessStatus") == 1  # an OU share


def test_failed_version_fails_the_region_before_any_change(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    _only(run(path))
    product = next(p for p in _local_backend().products.values() if p.name == "Demo product 3")
    (artifact,) = product.artifacts.values()
    artifact.failed = True
    calls = MutatingCalls()
    (outcome,) = run(path, clients=calls.settings())
    assert not outcome.ok
    assert outcome.failure == (
        f"products[2].version: 1.0.0 of Demo product 3 FAILED (product {product.id}, version "
        f"{artifact.id}); delete that version (DeleteProvisioningArtifact) and publish again, "
        "or bump the version"
    )
    assert calls.names == []
    capsys.readouterr()
    assert main(["publish", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 1
    assert "Demo product 3 FAILED" in capsys.readouterr().err


def test_organization_shares_without_organizations_access_fail_before_any_change(
    local: None, tmp_path: Path
) -> None:
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    sc.disable_aws_organizations_access()
    path = write_demo(tmp_path)  # shares with an OU
    calls = MutatingCalls()
    (outcome,) = run(path, clients=calls.settings())
    assert not outcome.ok
    assert outcome.failure.startswith(
        "shares: sharing with an organization or OU needs AWS Organizations access, which is "
        "DISABLED: from the management account run `aws servicecatalog "
        "enable-aws-organizations-access`"
    )
    assert calls.names == []
    assert outcome.api_calls["mutating"] == 0
    assert snapshot()["portfolios"] == []
    sc.enable_aws_organizations_access()
    _only(run(path))
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_account_shares_alone_do_not_ask_about_organizations_access(
    local: None, tmp_path: Path
) -> None:
    boto3.client("servicecatalog", region_name="us-east-1").disable_aws_organizations_access()
    data = demo_manifest_data()
    data["shares"] = {"accounts": ["111111111111"], "share_tag_options": True}
    calls = MutatingCalls()
    outcome = _only(run(write_demo(tmp_path, data), clients=calls.settings()))
    assert "CreatePortfolioShare" in calls.names
    assert outcome.api_calls["mutating"] == len(calls.names)


def test_request_the_service_model_refuses_stops_every_region_before_any_change(
    local: None, tmp_path: Path
) -> None:
    """The safety net behind manifest validation (bypassed here on purpose)."""
    prepared = prepare(write_demo(tmp_path))
    manifest = prepared.loaded.manifest
    no_owner = dataclasses.replace(
        manifest,
        products=(dataclasses.replace(manifest.products[0], owner=""), *manifest.products[1:]),
    )
    broken = dataclasses.replace(
        prepared, loaded=dataclasses.replace(prepared.loaded, manifest=no_owner)
    )
    calls = MutatingCalls()
    options = PublishOptions(
        regions=("us-east-1", "eu-west-1"),
        apply=True,
        artifact_bucket=BUCKET,
        polling=FAST,
        clients=calls.settings(),
    )
    with pytest.raises(BadInput) as raised:
        publish(broken, options)
    assert str(raised.value) == (
        "create product Demo product 1 (with version 1.0.0): Missing required parameter in "
        'input: "Owner"'
    )
    assert calls.names == []
    assert snapshot()["portfolios"] == [] and snapshot("eu-west-1")["portfolios"] == []


# --- products of other accounts, tokens across runs, per-region topics ----------------------

OTHER_ACCOUNT = "210987654321"


def test_same_named_product_imported_from_another_account_is_not_taken_for_ours(
    local: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    theirs = boto3.client("servicecatalog", region_name="us-east-1")
    shared = theirs.create_portfolio(DisplayName="Theirs", ProviderName="Them")["PortfolioDetail"]
    imported = theirs.create_product(
        Name="Demo product 1",
        Owner="Them",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "1.0.0",
            "Info": {"LoadTemplateFromURL": "https://example.com/theirs.yaml"},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    theirs.associate_product_with_portfolio(ProductId=imported, PortfolioId=shared["Id"])
    theirs.create_portfolio_share(PortfolioId=shared["Id"], AccountId=ACCOUNT)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    sc.accept_portfolio_share(PortfolioId=shared["Id"])
    listed = sc.search_products_as_admin()["ProductViewDetails"]
    assert imported in {p["ProductViewSummary"]["ProductId"] for p in listed}

    _only(run(write_demo(tmp_path)))
    ours = sc.search_products_as_admin(ProductSource="ACCOUNT")["ProductViewDetails"]
    names = {p["ProductViewSummary"]["Name"]: p["ProductViewSummary"]["ProductId"] for p in ours}
    assert sorted(names) == ["Demo product 1", "Demo product 2", "Demo product 3"]
    assert names["Demo product 1"] != imported
    assert _only(run(write_demo(tmp_path))).api_calls["mutating"] == 0


def test_constraint_swapped_back_is_created_again_not_answered_from_an_old_token(
    local: None, tmp_path: Path
) -> None:
    """LAUNCH -> STACKSET -> LAUNCH with the same parameters: the last create must not repeat
    the first run's IdempotencyToken (AWS would answer with the deleted constraint)."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    launch = data["products"][1]["constraints"].pop("launch")
    data["products"][1]["constraints"]["stackset"] = {
        "accounts": ["111111111111"],
        "regions": ["us-east-1"],
        "admin_role_arn": "arn:aws:iam::123456789012:role/StackSetAdmin",
        "execution_role_name": "StackSetExecution",
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _only(run(path))
    assert ("STACKSET", "Demo product 2") in snapshot()["constraints"]
    del data["products"][1]["constraints"]["stackset"]
    data["products"][1]["constraints"]["launch"] = launch
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _only(run(path))
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert _only(run(path)).api_calls["mutating"] == 0


def test_notification_names_each_regions_own_topic(local: None, tmp_path: Path) -> None:
    regions = ("us-east-1", "eu-west-1")
    outcomes = run(write_demo(tmp_path, demo_manifest_data(regions=regions)), regions=regions)
    assert all(outcome.ok for outcome in outcomes)
    for region in regions:
        sc = boto3.client("servicecatalog", region_name=region)
        portfolio_id = sc.list_portfolios()["PortfolioDetails"][0]["Id"]
        (notification,) = [
            c
            for c in sc.list_constraints_for_portfolio(PortfolioId=portfolio_id)[
                "ConstraintDetails"
            ]
            if c["Type"] == "NOTIFICATION"
        ]
        described = sc.describe_constraint(Id=notification["ConstraintId"])
        assert json.loads(described["ConstraintParameters"]) == {
            "NotificationArns": [f"arn:aws:sns:{region}:123456789012:catalog-events"]
        }


# --- limits, renames, shares changed elsewhere, products left behind ------------------------


def _save(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    record_lock(load_manifest(path))


def test_tag_option_replaced_at_the_limit_converges(local: None, tmp_path: Path) -> None:
    data = demo_manifest_data()
    data["tag_options"] = [{"key": "k", "value": f"v{i}"} for i in range(25)]
    path = write_demo(tmp_path, data)
    _only(run(path))
    data["tag_options"][0]["value"] = "changed"
    _save(path, data)
    outcome = _only(run(path))
    assert [r.step.operation for r in outcome.results] == [
        "disassociate_tag_option_from_resource",
        "create_tag_option",
        "associate_tag_option_with_resource",
    ]
    assert ("k", "changed") in snapshot()["tag_options"]
    assert _only(run(path)).api_calls["mutating"] == 0


def test_principal_replaced_at_the_limit_converges(local: None, tmp_path: Path) -> None:
    data = demo_manifest_data()
    data["principals"] = [
        {"type": "IAM", "arn": f"arn:aws:iam::123456789012:role/r{i}"} for i in range(100)
    ]
    path = write_demo(tmp_path, data)
    _only(run(path))
    data["principals"][0]["arn"] = "arn:aws:iam::123456789012:role/new"
    _save(path, data)
    assert _only(run(path)).api_calls["mutating"] == 2
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    pages = sc.get_paginator("list_principals_for_portfolio").paginate(
        PortfolioId=sc.list_portfolios()["PortfolioDetails"][0]["Id"]
    )
    principals = {p["PrincipalARN"] for page in pages for p in page["Principals"]}
    assert len(principals) == 100
    assert "arn:aws:iam::123456789012:role/new" in principals
    assert _only(run(path)).api_calls["mutating"] == 0


def test_renamed_display_name_renames_the_portfolio(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    data["portfolio"]["display_name"] = "Signed URLs"
    _save(path, data)
    assert main(["plan", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 0
    assert (
        "  ~ update portfolio Signed URLs (rename 'Signed URLs demo' -> 'Signed URLs')"
        in capsys.readouterr().out.splitlines()
    )
    renamed = _only(run(path))
    assert [r.step.operation for r in renamed.results] == ["update_portfolio"]
    assert snapshot() == {**EXPECTED_FIRST_PUBLISH, "portfolios": ["Signed URLs"]}
    calls = MutatingCalls()
    again = _only(run(path, clients=calls.settings()))
    assert again.api_calls["mutating"] == 0
    assert "ListPortfoliosForProduct" not in calls.every_call  # found by its name again


def test_rename_is_refused_when_the_products_are_in_several_portfolios(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deployment made before tags: which portfolio was renamed cannot be told."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    untag_everything()
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    other = sc.create_portfolio(DisplayName="Everything", ProviderName="Platform team")
    other_id = other["PortfolioDetail"]["Id"]
    product = sc.search_products_as_admin()["ProductViewDetails"][0]["ProductViewSummary"]
    sc.associate_product_with_portfolio(ProductId=product["ProductId"], PortfolioId=other_id)
    data["portfolio"]["display_name"] = "Signed URLs"
    _save(path, data)
    before = snapshot()
    calls = MutatingCalls()
    (outcome,) = run(path, clients=calls.settings())
    assert outcome.failure.startswith(
        "portfolio.display_name: no portfolio is named 'Signed URLs' or carries the tag of "
        "portfolio.id 'signed-urls-demo', and the manifest's products are in several "
        "portfolios: 'Everything' (port-"
    )
    assert "'Signed URLs demo' (port-" in outcome.failure
    assert "run `portfolio adopt ID` with the one to publish to" in outcome.failure
    assert calls.names == []
    assert calls.every_call.count("ListPortfoliosForProduct") == 3  # one per product
    assert snapshot() == before
    assert main(["publish", "--manifest", str(path), "--artifact-bucket", BUCKET]) == 1
    assert "portfolio.display_name: no portfolio is named" in capsys.readouterr().err


def test_rename_prefers_the_portfolio_of_the_same_provider(local: None, tmp_path: Path) -> None:
    """A deployment made before tags, renamed: adopted (tagged) and renamed in one run."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    untag_everything()
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    other_id = sc.create_portfolio(DisplayName="Everything", ProviderName="Cloud team")[
        "PortfolioDetail"
    ]["Id"]
    for detail in sc.search_products_as_admin()["ProductViewDetails"]:
        product_id = detail["ProductViewSummary"]["ProductId"]
        sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=other_id)
    data["portfolio"]["display_name"] = "Signed URLs"
    _save(path, data)
    outcome = _only(run(path))
    adopt = "adopt: tag signed-urls-portfolio:id=signed-urls-demo"
    assert [r.step.label for r in outcome.results] == [
        f"update portfolio Signed URLs ({adopt}; rename 'Signed URLs demo' -> 'Signed URLs')",
        *(
            f"update product Demo product {i} (adopt: tag "
            f"signed-urls-portfolio:id=signed-urls-demo/demo-product-{i})"
            for i in (1, 2, 3)
        ),
    ]
    names = sorted(p["DisplayName"] for p in sc.list_portfolios()["PortfolioDetails"])
    assert names == ["Everything", "Signed URLs"]
    assert _only(run(path)).api_calls["mutating"] == 0


def test_account_share_flags_change_without_share_status_calls(local: None, tmp_path: Path) -> None:
    """Only an organization's management account or delegated administrator may call
    DescribePortfolioShareStatus; an account share's update needs no such call."""
    data = demo_manifest_data()
    data["shares"] = {"accounts": ["111111111111"], "share_tag_options": True}
    path = write_demo(tmp_path, data)
    _only(run(path))
    data["shares"]["share_tag_options"] = False
    _save(path, data)
    calls = MutatingCalls()
    outcome = _only(run(path, clients=calls.settings()))
    assert [r.step.label for r in outcome.results] == [
        "update share account 111111111111 (ShareTagOptions changed)"
    ]
    assert "DescribePortfolioShareStatus" not in calls.every_call
    assert snapshot()["shares"] == [("ACCOUNT", "111111111111", False, False)]
    assert _only(run(path)).api_calls["mutating"] == 0


def test_shares_changed_by_hand_are_put_back(local: None, tmp_path: Path) -> None:
    """A share updated outside the publisher (nobody polls its status) does not block the
    next publish."""
    path = write_demo(tmp_path)
    _only(run(path))
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    portfolio_id = sc.list_portfolios()["PortfolioDetails"][0]["Id"]
    unit = {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-ab12-cdef3456"}
    sc.update_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=unit, SharePrincipals=False
    )
    sc.update_portfolio_share(
        PortfolioId=portfolio_id, AccountId="111111111111", ShareTagOptions=False
    )
    outcome = _only(run(path))
    assert sorted(r.step.label for r in outcome.results) == [
        "update share account 111111111111 (ShareTagOptions changed)",
        "update share organizational unit ou-ab12-cdef3456 (SharePrincipals changed)",
    ]
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert _only(run(path)).api_calls["mutating"] == 0


def _member_account_share(sc: Any, portfolio_id: str, account: str) -> None:
    """A share with one account through AWS Organizations, as someone made it by hand."""
    node = {"Type": "ACCOUNT", "Value": account}
    token = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    sc.describe_portfolio_share_status(PortfolioShareToken=token["PortfolioShareToken"])


def test_member_account_shares_not_in_the_manifest_are_removed(local: None, tmp_path: Path) -> None:
    path = write_demo(tmp_path)
    _only(run(path))
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    _member_account_share(sc, sc.list_portfolios()["PortfolioDetails"][0]["Id"], "333333333333")
    outcome = _only(run(path))
    assert [r.step.label for r in outcome.results] == [
        "unshare organization member account 333333333333"
    ]
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert _only(run(path)).api_calls["mutating"] == 0


def test_member_account_share_of_a_listed_account_is_kept(local: None, tmp_path: Path) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    _member_account_share(sc, sc.list_portfolios()["PortfolioDetails"][0]["Id"], "333333333333")
    data["shares"]["accounts"].append("333333333333")
    _save(path, data)
    outcome = _only(run(path))
    assert [r.step.label for r in outcome.results] == [
        "update share organization member account 333333333333 (ShareTagOptions changed)"
    ]
    assert ("ORGANIZATION_MEMBER_ACCOUNT", "333333333333", True, False) in snapshot()["shares"]
    assert _only(run(path)).api_calls["mutating"] == 0


def test_product_dropped_from_the_manifest_is_reported_and_left_in_the_portfolio(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _only(run(path))
    del data["products"][2]
    _save(path, data)
    common = ["--manifest", str(path), "--artifact-bucket", BUCKET]
    assert main(["plan", *common]) == 0
    assert "  = product Demo product 3 (not in the manifest, left in the portfolio)" in (
        capsys.readouterr().out.splitlines()
    )
    assert main(["publish", *common, "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["api_calls"]["mutating"] == 0
    assert {
        "subject": "product",
        "name": "Demo product 3",
        "detail": "not in the manifest, left in the portfolio",
    } in report["regions"][0]["unchanged"]
    assert "Demo product 3" in snapshot()["associated"]


# --- JSON whatever the exit code ------------------------------------------------------------


def test_json_output_on_bad_input_is_still_a_json_report(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    argv = ["publish", "--manifest", str(path), "--region", "mars-1", "--output", "json"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    message = f"--region mars-1: {region_problem('mars-1')}"
    assert json.loads(captured.out) == {
        "ok": False,
        "mode": "publish",
        "errors": [message],
        "regions_from": None,
        "regions": [],
        "api_calls": {"read": 0, "mutating": 0},
        "retries": 0,
    }
    assert captured.err == f"portfolio publish: error: {message}\n"


def test_json_output_when_planning_finds_bad_input_reports_the_reads(
    local: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    _only(run(path))
    (tmp_path / "templates" / "product-2.yaml").write_text(demo_template(2, revision=2))
    assert main(["lock", "--manifest", str(path), "--force"]) == 0
    capsys.readouterr()
    argv = ["plan", "--manifest", str(path), "--artifact-bucket", BUCKET, "--output", "json"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["ok"] is False
    assert report["errors"] == [
        "products[1].version: 1.0.0 is already published with a different template; "
        "bump the version"
    ]
    assert report["api_calls"]["read"] > 0
    assert report["api_calls"]["mutating"] == 0
    (region,) = report["regions"]
    assert region["region"] == "us-east-1"
    assert region["api_calls"] == report["api_calls"]
    assert captured.err.startswith("portfolio plan: error: products[1].version: 1.0.0 is")
