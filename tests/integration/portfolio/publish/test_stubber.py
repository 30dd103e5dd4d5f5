"""Every request the publisher can send is checked against botocore's service models (Stubber):
parameter names, types, required members and response shapes, for every kind of step."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from portfolio.publish.apply import StatusPolling, apply_plan, invalid_requests, resolve
from portfolio.publish.clients import CallCounter, CountingClient, RegionClients, RetryPolicy
from portfolio.publish.constraints import constraint_parameters
from portfolio.publish.identity import wanted_of
from portfolio.publish.observed import (
    ObservedCatalog,
    ObservedConstraint,
    ObservedShare,
    ObservedTagOption,
    ObservedVersion,
    read_catalog,
)
from portfolio.publish.planner import plan_region
from portfolio.publish.recognize import RECOGNISED, REPEATABLE
from portfolio.publish.steps import RegionPlan, TemplateFile
from tests.support.demo_manifest import demo_manifest_data
from tests.support.plan_builders import converged, manifest, target, with_portfolio, with_product

PRODUCT_VIEW = {"ProductViewSummary": {"ProductId": "prod-new", "Name": "x"}}
ARTIFACT = {"Id": "pa-new", "Name": "1.0.0"}
#: A minimal valid response per operation (the Stubber checks it against the output shape).
RESPONSES: dict[str, dict[str, Any]] = {
    "put_object": {"ETag": '"x"'},
    "create_portfolio": {"PortfolioDetail": {"Id": "port-new"}},
    "update_portfolio": {},
    "create_tag_option": {"TagOptionDetail": {"Id": "tag-new"}},
    "update_tag_option": {},
    "associate_tag_option_with_resource": {},
    "disassociate_tag_option_from_resource": {},
    "associate_principal_with_portfolio": {},
    "disassociate_principal_from_portfolio": {},
    "create_product": {"ProductViewDetail": PRODUCT_VIEW, "ProvisioningArtifactDetail": ARTIFACT},
    "update_product": {},
    "create_provisioning_artifact": {"ProvisioningArtifactDetail": ARTIFACT, "Status": "CREATING"},
    "update_provisioning_artifact": {"Status": "AVAILABLE"},
    "associate_product_with_portfolio": {},
    "create_constraint": {"Status": "AVAILABLE"},
    "update_constraint": {"Status": "AVAILABLE"},
    "delete_constraint": {},
    "create_portfolio_share": {"PortfolioShareToken": "share-token"},
    "update_portfolio_share": {"PortfolioShareToken": "share-token", "Status": "IN_PROGRESS"},
    "delete_portfolio_share": {"PortfolioShareToken": "share-token"},
}
#: AWS answers an account share's create and delete without a token (they are synchronous).
ACCOUNT_SHARE_RESPONSES: dict[str, dict[str, Any]] = {
    "create_portfolio_share": {},
    "update_portfolio_share": {"PortfolioShareToken": "share-token", "Status": "IN_PROGRESS"},
    "delete_portfolio_share": {},
}


@pytest.fixture
def stubbed() -> tuple[RegionClients, dict[str, Stubber]]:
    counter = CallCounter()
    raw = {
        service: boto3.client(
            service,
            region_name="us-east-1",
            aws_access_key_id="stub",
            aws_secret_access_key="stub",
        )
        for service in ("servicecatalog", "s3", "cloudformation")
    }
    clients = RegionClients(
        region="us-east-1",
        counter=counter,
        **{name: CountingClient(client, counter, RetryPolicy()) for name, client in raw.items()},
    )
    return clients, {name: Stubber(client) for name, client in raw.items()}


IDS_BY_KIND = {
    "portfolio": "port-new",
    "product": "prod-new",
    "tag-option": "tag-new",
    "version": "pa-new",
}


def _expect(plan: RegionPlan, stubbers: dict[str, Stubber]) -> None:
    """Queue each step's response with its exact expected parameters, then its wait's."""
    ids = {out.ref: IDS_BY_KIND[out.ref.kind] for step in plan.steps for out in step.outputs}
    for step in plan.steps:
        params = resolve(step.params, ids)
        if step.operation == "put_object":
            params["Body"] = ANY
        account_share = step.wait == "share" and "AccountId" in params
        response = (ACCOUNT_SHARE_RESPONSES if account_share else RESPONSES)[step.operation]
        stubbers[step.service].add_response(step.operation, response, params)
        if step.wait == "artifact":
            stubbers["servicecatalog"].add_response(
                "describe_provisioning_artifact", {"Status": "AVAILABLE"}
            )
        elif account_share and step.operation == "update_portfolio_share":
            _expect_account_share_read_back(params, stubbers["servicecatalog"])
        elif step.wait == "share" and "PortfolioShareToken" in response:
            stubbers["servicecatalog"].add_response(
                "describe_portfolio_share_status",
                {"Status": "COMPLETED"},
                {"PortfolioShareToken": "share-token"},
            )


def _expect_account_share_read_back(params: dict[str, Any], stubber: Stubber) -> None:
    """An account share's update is confirmed by reading its flags back, never by
    DescribePortfolioShareStatus (only for an organization's management account)."""
    shown = {
        "PrincipalId": params["AccountId"],
        "Type": "ACCOUNT",
        "ShareTagOptions": params["ShareTagOptions"],
    }
    stubber.add_response(
        "describe_portfolio_shares",
        {"PortfolioShareDetails": [shown]},
        {"PortfolioId": params["PortfolioId"], "Type": "ACCOUNT", "PageSize": 100},
    )


def _apply(plan: RegionPlan, clients: RegionClients, stubbers: dict[str, Stubber]) -> None:
    _expect(plan, stubbers)
    for stubber in stubbers.values():
        stubber.activate()
    results = apply_plan(plan, clients, StatusPolling(interval=0.0))
    failures = [f"{r.step.label}: {r.error}" for r in results if r.status != "done"]
    assert failures == []
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()


def _local_templates(tmp_path: Path, plan: RegionPlan) -> RegionPlan:
    """Point upload bodies at real files whose hashes match."""
    body_file = tmp_path / "template.yaml"
    body_file.write_text("template", encoding="utf-8")
    body = TemplateFile(str(body_file), hashlib.sha256(b"template").hexdigest())
    return dataclasses.replace(
        plan,
        steps=tuple(
            dataclasses.replace(step, params={**step.params, "Body": body})
            if step.operation == "put_object"
            else step
            for step in plan.steps
        ),
    )


def test_first_publish_requests_match_the_service_models(stubbed: Any, tmp_path: Path) -> None:
    clients, stubbers = stubbed
    m = manifest()
    plan = _local_templates(tmp_path, plan_region(m, target(m), ObservedCatalog(portfolio=None)))
    assert {s.operation for s in plan.steps} >= {
        "put_object",
        "create_portfolio",
        "create_tag_option",
        "associate_tag_option_with_resource",
        "associate_principal_with_portfolio",
        "create_product",
        "associate_product_with_portfolio",
        "create_constraint",
        "create_portfolio_share",
    }
    _apply(plan, clients, stubbers)
    assert clients.counter.mutating == len(plan.steps)


def _diverged() -> tuple[Any, ObservedCatalog]:
    """A catalog that differs from the manifest in every way an update or removal handles."""
    m = manifest(keep_active_versions=1)
    observed = converged(m)
    observed = with_product(observed, "Demo product 1", owner="someone")
    observed = with_product(
        observed,
        "Demo product 2",
        versions=(ObservedVersion("pa-old", "0.9.0", True, "DEFAULT"),),
    )
    options = dict(observed.tag_options)
    options[("cost-center", "platform")] = ObservedTagOption(
        "tag-0", "cost-center", "platform", False
    )
    options[("old", "tag")] = ObservedTagOption("tag-old", "old", "tag", True)
    del options[("data-classification", "internal")]
    assert observed.portfolio is not None
    observed = dataclasses.replace(observed, tag_options=options)
    observed = with_portfolio(
        observed,
        description="old",
        tag_option_ids=observed.portfolio.tag_option_ids | {"tag-old"},
        principals=observed.portfolio.principals | {("IAM", "arn:aws:iam::123456789012:role/x")},
        constraints=(
            *(
                dataclasses.replace(c, description="changed by hand")
                if c.type == "LAUNCH" and c.product_id == "prod-1"
                else c
                for c in observed.portfolio.constraints
            ),
            ObservedConstraint("cons-stackset", "STACKSET", "prod-3", "old"),
        ),
        shares=(
            ObservedShare("ACCOUNT", "111111111111", False, False),
            ObservedShare("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456", True, True),
            ObservedShare("ORGANIZATION", "o-abcdefghij", True, True),
        ),
    )
    return m, observed


def test_update_and_removal_requests_match_the_service_models(stubbed: Any, tmp_path: Path) -> None:
    clients, stubbers = stubbed
    m, observed = _diverged()
    plan = _local_templates(tmp_path, plan_region(m, target(m), observed))
    assert {s.operation for s in plan.steps} >= {
        "update_portfolio",
        "update_tag_option",
        "disassociate_tag_option_from_resource",
        "disassociate_principal_from_portfolio",
        "update_product",
        "create_provisioning_artifact",
        "update_provisioning_artifact",
        "update_constraint",
        "delete_constraint",
        "update_portfolio_share",
        "delete_portfolio_share",
    }
    _apply(plan, clients, stubbers)


def test_catalog_reader_requests_match_the_service_models(stubbed: Any) -> None:
    clients, stubbers = stubbed
    sc = stubbers["servicecatalog"]
    portfolio = {"Id": "port-1", "DisplayName": "Signed URLs demo", "ProviderName": "p"}
    tag = {"Key": "signed-urls-portfolio:id", "Value": "signed-urls-demo"}
    sc.add_response("list_portfolios", {"PortfolioDetails": [portfolio]}, {"PageSize": 100})
    sc.add_response("describe_portfolio", {"TagOptions": [], "Tags": [tag]}, {"Id": "port-1"})
    longer = {"ProductId": "prod-10", "Name": "Demo product 10", "Owner": "o"}
    summary = {"ProductId": "prod-1", "Name": "Demo product 1", "Owner": "o"}
    for name, found in (("Demo product 1", [longer, summary]), ("Demo product 2", [longer])):
        sc.add_response(
            "search_products_as_admin",
            {"ProductViewDetails": [{"ProductViewSummary": s} for s in found]},
            {"ProductSource": "ACCOUNT", "Filters": {"FullTextSearch": [name]}, "PageSize": 20},
        )
    sc.add_response(
        "list_principals_for_portfolio",
        {"Principals": []},
        {"PortfolioId": "port-1", "PageSize": 20},
    )
    sc.add_response(
        "list_constraints_for_portfolio",
        {"ConstraintDetails": [], "NextPageToken": "more"},
        {"PortfolioId": "port-1", "PageSize": 20},
    )
    sc.add_response(
        "list_constraints_for_portfolio",
        {"ConstraintDetails": []},
        {"PortfolioId": "port-1", "PageSize": 20, "PageToken": "more"},
    )
    for kind in ("ACCOUNT", "ORGANIZATION_MEMBER_ACCOUNT", "ORGANIZATIONAL_UNIT", "ORGANIZATION"):
        sc.add_response(
            "describe_portfolio_shares",
            {"PortfolioShareDetails": []},
            {"PortfolioId": "port-1", "Type": kind, "PageSize": 100},
        )
    sc.add_response(
        "search_products_as_admin",
        {"ProductViewDetails": []},
        {"PortfolioId": "port-1", "PageSize": 20},
    )
    sc.add_response(
        "describe_product_as_admin",
        {"Tags": [{**tag, "Value": "signed-urls-demo/demo-product-1"}]},
        {"Id": "prod-1"},
    )
    sc.add_response(
        "list_provisioning_artifacts",
        {
            "ProvisioningArtifactDetails": [
                {"Id": "pa-0", "Name": "0.9.0", "Active": True},
                {"Id": "pa-1", "Name": "1.0.0", "Active": True},
            ]
        },
        {"ProductId": "prod-1"},
    )
    url = "https://b.s3.amazonaws.com/templates/" + "a" * 64 + ".yaml"
    sc.add_response(
        "describe_provisioning_artifact",
        {"Info": {"TemplateUrl": url}, "Status": "AVAILABLE"},
        {"ProductId": "prod-1", "ProvisioningArtifactId": "pa-1"},
    )
    sc.add_response("list_tag_options", {"TagOptionDetails": []}, {"PageSize": 20})
    sc.add_response("get_aws_organizations_access_status", {"AccessStatus": "ENABLED"}, {})
    sc.activate()
    data = demo_manifest_data(products=2)
    data["shares"] = {"organization": "o-abcdefghij"}
    observed = read_catalog(clients.servicecatalog, wanted_of(manifest(data)))
    sc.assert_no_pending_responses()
    assert observed.portfolio is not None and observed.portfolio.id == "port-1"
    assert observed.identity_problems == ()
    assert set(observed.products) == {"Demo product 1"}  # exact names only
    product = observed.products["Demo product 1"]
    assert product.versions == (
        ObservedVersion("pa-0", "0.9.0", True, "DEFAULT"),
        ObservedVersion("pa-1", "1.0.0", True, "DEFAULT", url, "AVAILABLE"),
    )
    assert product.associated is False
    assert product.tagged is True
    assert observed.organizations_access == "ENABLED"
    assert clients.counter.as_dict() == {"read": 17, "mutating": 0}


# --- a manifest that sets every field -------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/"


def full_manifest_data() -> dict[str, Any]:
    """Every manifest field set: each constraint type, every share mode, both principal types."""
    data = demo_manifest_data(products=3)
    data["keep_active_versions"] = 3
    data["deactivate_deprecated"] = True
    data["principals"] = [
        {"type": "IAM", "arn": f"{ROLE}platform/launcher"},
        {"type": "IAM_PATTERN", "arn": "arn:aws:iam:::role/app-teams/*"},
    ]
    data["shares"] = {
        "accounts": ["111111111111", "222222222222"],
        "organizational_units": ["ou-ab12-cdef3456"],
        "organization": "o-abcdefghij",
        "share_principals": True,
        "share_tag_options": True,
    }
    first, second, third = data["products"]
    first["constraints"] = {
        "launch": {"role_arn": f"{ROLE}launch"},
        "template": {
            "rules": {
                "OnlyInProduction": {
                    "RuleCondition": {"Fn::Equals": [{"Ref": "TopicName"}, "prod"]},
                    "Assertions": [
                        {
                            "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "TopicName"}, ""]}]},
                            "AssertDescription": "TopicName must not be empty",
                        },
                        {"Assert": {"Fn::Equals": ["a", "a"]}},
                    ],
                }
            }
        },
        "notification": {
            "topic_arns": [
                "arn:aws:sns:{region}:123456789012:catalog-events",
                "arn:aws:sns:{region}:123456789012:audit.fifo",
            ]
        },
        "resource_update": {"tag_updates_allowed": False},
    }
    second["constraints"] = {"launch": {"local_role_name": "launch-{region}"}}
    third["constraints"] = {
        "stackset": {
            "accounts": ["111111111111", "222222222222"],
            "regions": ["us-east-1", "eu-west-1"],
            "admin_role_arn": f"{ROLE}AWSCloudFormationStackSetAdministrationRole",
            "execution_role_name": "AWSCloudFormationStackSetExecutionRole",
        },
        "resource_update": {"tag_updates_allowed": True},
    }
    for optional in ("distributor", "support_email", "support_url", "support_description"):
        del third[optional]
    third["version_description"] = ""
    return data


def _full_diverged(m: Any) -> ObservedCatalog:
    """The full manifest's catalog, different in every way a step can change."""
    observed = converged(m)
    observed = with_product(observed, "Demo product 1", owner="someone", support_url="")
    observed = with_product(
        observed,
        "Demo product 2",
        versions=tuple(ObservedVersion(f"pa-{n}", f"0.{n}.0", True, "DEFAULT") for n in range(5)),
    )
    options = dict(observed.tag_options)
    options[("cost-center", "platform")] = dataclasses.replace(
        options[("cost-center", "platform")], active=False
    )
    options[("old", "tag")] = ObservedTagOption("tag-old", "old", "tag", True)
    del options[("data-classification", "internal")]
    observed = dataclasses.replace(observed, tag_options=options)
    assert observed.portfolio is not None
    return with_portfolio(
        observed,
        provider_name="someone else",
        tag_option_ids=observed.portfolio.tag_option_ids | {"tag-old"},
        principals=frozenset(
            {("IAM_PATTERN", "arn:aws:iam:::role/app-teams/*"), ("IAM", f"{ROLE}gone")}
        ),
        constraints=(
            *(
                dataclasses.replace(c, description="changed by hand")
                for c in observed.portfolio.constraints
                if c.product_id != "prod-2"
            ),
            ObservedConstraint("cons-stackset-2", "STACKSET", "prod-2", "old"),
            ObservedConstraint("cons-launch-3", "LAUNCH", "prod-3", "old"),
        ),
        shares=(
            ObservedShare("ACCOUNT", "111111111111", False, False),
            ObservedShare("ACCOUNT", "333333333333", True, False),
            ObservedShare("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456", True, False),
            ObservedShare("ORGANIZATIONAL_UNIT", "ou-ab12-gone0000", True, True),
        ),
    )


def test_full_manifest_sets_every_field() -> None:
    m = manifest(full_manifest_data())
    constraints = {kind for p in m.products for kind in constraint_parameters(p.constraints, "x")}
    assert constraints == {"LAUNCH", "TEMPLATE", "NOTIFICATION", "RESOURCE_UPDATE", "STACKSET"}
    assert {p.type for p in m.principals} == {"IAM", "IAM_PATTERN"}
    shares = m.shares
    assert shares.accounts and shares.organizational_units and shares.organization
    assert m.products[1].constraints.launch.local_role_name  # type: ignore[union-attr]
    assert m.products[0].constraints.launch.role_arn  # type: ignore[union-attr]


@pytest.mark.parametrize("state", ["empty", "diverged"])
def test_every_planned_request_of_the_full_manifest_passes_botocore_validation(
    state: str, stubbed: Any, tmp_path: Path
) -> None:
    clients, stubbers = stubbed
    m = manifest(full_manifest_data())
    observed = ObservedCatalog(portfolio=None) if state == "empty" else _full_diverged(m)
    plan = _local_templates(tmp_path, plan_region(m, target(m), observed))
    operations = {step.operation for step in plan.steps}
    expected = (
        {"create_portfolio", "create_product", "create_constraint", "create_portfolio_share"}
        if state == "empty"
        else {
            "update_portfolio",
            "update_tag_option",
            "create_tag_option",
            "associate_tag_option_with_resource",
            "disassociate_tag_option_from_resource",
            "associate_principal_with_portfolio",
            "disassociate_principal_from_portfolio",
            "update_product",
            "create_provisioning_artifact",
            "update_provisioning_artifact",
            "update_constraint",
            "create_constraint",
            "delete_constraint",
            "create_portfolio_share",
            "update_portfolio_share",
            "delete_portfolio_share",
        }
    )
    assert expected <= operations
    assert operations <= RECOGNISED.keys() | REPEATABLE  # each retry is safe (test_faults)
    assert invalid_requests(plan) == []
    _apply(plan, clients, stubbers)  # the Stubber checks every request against the model too


def test_request_validation_names_the_step_and_the_parameter() -> None:
    """The safety net behind manifest validation: an empty required value that planning
    dropped as optional is caught before any call."""
    m = manifest(full_manifest_data())
    empty_owner = dataclasses.replace(
        m, products=(dataclasses.replace(m.products[0], owner=""), *m.products[1:])
    )
    empty_provider = dataclasses.replace(
        m, portfolio=dataclasses.replace(m.portfolio, provider_name="")
    )
    empty = ObservedCatalog(portfolio=None)
    assert invalid_requests(plan_region(empty_owner, target(empty_owner), empty)) == [
        "create product Demo product 1 (with version 1.0.0): Missing required parameter in "
        'input: "Owner"'
    ]
    assert invalid_requests(plan_region(empty_provider, target(empty_provider), empty)) == [
        'create portfolio Signed URLs demo: Missing required parameter in input: "ProviderName"'
    ]
    updated = plan_region(empty_provider, target(empty_provider), converged(m))
    assert invalid_requests(updated) == [
        "update portfolio Signed URLs demo (provider_name changed): Invalid length for "
        "parameter ProviderName, value: 0, valid min length: 1"
    ]


# --- waiting for shares ---------------------------------------------------------------------


def test_account_share_update_is_read_back_until_it_shows(stubbed: Any) -> None:
    """DescribePortfolioShareStatus is for an organization's management account only: an
    account share's update that is not COMPLETED is confirmed with DescribePortfolioShares."""
    clients, stubbers = stubbed
    sc = stubbers["servicecatalog"]
    params = {"PortfolioId": "port-1", "AccountId": "111111111111", "ShareTagOptions": False}
    sc.add_response("update_portfolio_share", RESPONSES["update_portfolio_share"], params)
    listing = {"PortfolioId": "port-1", "Type": "ACCOUNT", "PageSize": 100}
    share = {"PrincipalId": "111111111111", "Type": "ACCOUNT"}
    sc.add_response(
        "describe_portfolio_shares",
        {"PortfolioShareDetails": [{**share, "ShareTagOptions": True}]},
        listing,
    )
    sc.add_response(
        "describe_portfolio_shares",
        {"PortfolioShareDetails": [{**share, "ShareTagOptions": False}]},
        listing,
    )
    sc.activate()
    step = dataclasses.replace(_diverged_share_update(), params={**params, "PortfolioId": "port-1"})
    plan = RegionPlan("us-east-1", "p", steps=(step,), unchanged=())
    (result,) = apply_plan(plan, clients, StatusPolling(interval=0.0))
    assert (result.status, result.error) == ("done", "")
    sc.assert_no_pending_responses()


def _diverged_share_update() -> Any:
    m, observed = _diverged()
    plan = plan_region(m, target(m), observed)
    return next(
        s for s in plan.steps if s.operation == "update_portfolio_share" and "AccountId" in s.params
    )
