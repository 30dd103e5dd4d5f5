"""The spokes' plan: from what the StackSet is to what it should be, in as few calls as that
takes, each a request botocore's CloudFormation model accepts."""

from __future__ import annotations

import dataclasses

import botocore.session
import pytest
from botocore.validate import ParamValidator

from portfolio.bootstrap.stack_set_plan import (
    AUTO_DEPLOYMENT,
    CAPABILITIES,
    CurrentStackSet,
    DesiredSpokes,
    InstanceState,
    OperationPreferences,
    StackSetStep,
    plan_spokes,
)

OU_A, OU_B, OU_C = "ou-abcd-aaaaaaaa", "ou-abcd-bbbbbbbb", "ou-abcd-cccccccc"
TWO_REGIONS = ("us-east-1", "eu-west-1")
BODY = "Resources: {}\n"
DESIRED = DesiredSpokes(
    name="spokes",
    template_body=BODY,
    parameters={"TrustSourceAccountOnly": "false"},
    targets={OU_A: TWO_REGIONS, OU_B: TWO_REGIONS},
)


def _current(
    targets: dict[str, tuple[str, ...]] | None = None,
    instances: tuple[InstanceState, ...] = (),
    **changes: object,
) -> CurrentStackSet:
    current = CurrentStackSet(
        template_body=BODY,
        parameters={"TrustSourceAccountOnly": "false"},
        auto_deployment=AUTO_DEPLOYMENT,
        capabilities=tuple(CAPABILITIES),
        targets={
            unit: frozenset(regions)
            for unit, regions in (targets or {OU_A: TWO_REGIONS, OU_B: TWO_REGIONS}).items()
        },
        instances=instances,
    )
    return dataclasses.replace(current, **changes)  # type: ignore[arg-type]


def _calls(steps: list[StackSetStep]) -> list[tuple[str, list[str], list[str]]]:
    """(method, OUs, Regions) of each step."""
    return [
        (
            step.method,
            list(step.request.get("DeploymentTargets", {}).get("OrganizationalUnitIds", [])),
            list(step.request.get("Regions", [])),
        )
        for step in steps
    ]


def test_a_first_run_creates_the_stack_set_then_deploys_to_every_ou_in_one_operation() -> None:
    steps = plan_spokes(DESIRED, None)
    assert _calls(steps) == [
        ("create_stack_set", [], []),
        ("create_stack_instances", [OU_A, OU_B], ["eu-west-1", "us-east-1"]),
    ]
    created = steps[0].request
    assert created["PermissionModel"] == "SERVICE_MANAGED"
    assert created["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert created["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert created["Parameters"] == [
        {"ParameterKey": "TrustSourceAccountOnly", "ParameterValue": "false"}
    ]


def test_an_unchanged_stack_set_plans_no_call() -> None:
    assert plan_spokes(DESIRED, _current()) == []


def test_an_ou_added_is_deployed_to_and_nothing_is_removed() -> None:
    desired = dataclasses.replace(
        DESIRED, targets={OU_A: TWO_REGIONS, OU_B: TWO_REGIONS, OU_C: TWO_REGIONS}
    )
    assert _calls(plan_spokes(desired, _current())) == [
        ("create_stack_instances", [OU_C], ["eu-west-1", "us-east-1"])
    ]


def test_an_ou_removed_loses_its_instances_and_only_it() -> None:
    desired = dataclasses.replace(DESIRED, targets={OU_A: TWO_REGIONS})
    steps = plan_spokes(desired, _current())
    assert _calls(steps) == [("delete_stack_instances", [OU_B], ["eu-west-1", "us-east-1"])]
    assert steps[0].request["RetainStacks"] is False


def test_a_region_added_and_one_removed() -> None:
    desired = dataclasses.replace(
        DESIRED,
        targets={OU_A: ("us-east-1", "ap-southeast-2"), OU_B: ("us-east-1", "ap-southeast-2")},
    )
    assert _calls(plan_spokes(desired, _current())) == [
        ("delete_stack_instances", [OU_A, OU_B], ["eu-west-1"]),
        ("create_stack_instances", [OU_A, OU_B], ["ap-southeast-2"]),
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"template_body": "Resources: {Old: 1}\n"},
        {"parameters": {"TrustSourceAccountOnly": "true"}},
        {"auto_deployment": {"Enabled": False}},
        {"capabilities": ()},
    ],
)
def test_a_changed_definition_updates_the_stack_set_and_so_every_instance(
    change: dict[str, object],
) -> None:
    steps = plan_spokes(DESIRED, _current(**change))
    assert [step.method for step in steps] == ["update_stack_set"]
    assert steps[0].request["TemplateBody"] == BODY
    assert "DeploymentTargets" not in steps[0].request, "an update reaches every instance"


def _instance(
    account: str, region: str, status: str, detailed: str, unit: str = OU_A
) -> InstanceState:
    return InstanceState(
        account, region, unit, status, detailed, "boom" if detailed == "FAILED" else ""
    )


FAILED_ONE = (
    _instance("111111111111", "us-east-1", "CURRENT", "SUCCEEDED"),
    _instance("222222222222", "us-east-1", "OUTDATED", "FAILED"),
    _instance("333333333333", "eu-west-1", "OUTDATED", "FAILED", unit=OU_C),  # OU no longer wanted
)


def test_failed_instances_are_not_retried_unless_asked() -> None:
    assert plan_spokes(DESIRED, _current(instances=FAILED_ONE)) == []


def test_retry_failed_updates_the_failed_instances_of_wanted_ous_once() -> None:
    desired = dataclasses.replace(DESIRED, retry_failed=True)
    steps = plan_spokes(desired, _current(instances=FAILED_ONE))
    assert [step.method for step in steps] == ["update_stack_instances"]
    assert steps[0].request["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU_A],
        "Accounts": ["222222222222"],
        "AccountFilterType": "INTERSECTION",
    }
    assert steps[0].request["Regions"] == ["us-east-1"]


def test_a_delegated_administrator_leaves_its_own_account_out() -> None:
    desired = dataclasses.replace(
        DESIRED, call_as="DELEGATED_ADMIN", excluded_accounts=("999999999999",)
    )
    steps = plan_spokes(desired, None)
    assert {step.request["CallAs"] for step in steps} == {"DELEGATED_ADMIN"}
    assert steps[1].request["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU_A, OU_B],
        "Accounts": ["999999999999"],
        "AccountFilterType": "DIFFERENCE",
    }


def test_every_operation_carries_the_preferences() -> None:
    preferences = OperationPreferences(
        max_concurrent_percentage=50, region_concurrency="SEQUENTIAL"
    )
    desired = dataclasses.replace(DESIRED, preferences=preferences, targets={OU_C: TWO_REGIONS})
    for step in plan_spokes(desired, _current()):
        assert step.request["OperationPreferences"] == {
            "MaxConcurrentPercentage": 50,
            "FailureTolerancePercentage": 10,
            "RegionConcurrencyType": "SEQUENTIAL",
            "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        }


def test_every_planned_request_is_valid_for_botocore() -> None:
    model = botocore.session.get_session().get_service_model("cloudformation")
    desired = dataclasses.replace(
        DESIRED,
        targets={OU_A: ("us-east-1",), OU_C: TWO_REGIONS},
        excluded_accounts=("999999999999",),
        retry_failed=True,
    )
    steps = plan_spokes(desired, None) + plan_spokes(
        desired, _current(template_body="x", instances=FAILED_ONE)
    )
    assert {step.method for step in steps} == {
        "create_stack_set",
        "create_stack_instances",
        "update_stack_set",
        "delete_stack_instances",
        "update_stack_instances",
    }
    for step in steps:
        name = next(n for n in model.operation_names if _snake(n) == step.method)
        operation = model.operation_model(name)
        report = ParamValidator().validate(dict(step.request), operation.input_shape)
        assert not report.has_errors(), (step.method, report.generate_report())


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
