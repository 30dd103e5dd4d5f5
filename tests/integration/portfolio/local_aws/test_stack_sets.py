"""Service-managed StackSets on the local endpoint: CallAs and trusted access, AWS's
asynchronous operation states within their preferences, per-account results and documented
errors, automatic deployment; in-process and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from portfolio.local_aws import settings
from portfolio.local_aws.sample_organization import (
    SampleOrganization,
    add_account,
    create_organization,
)
from tests.support.local_aws import Aws, aws_error

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse")

TEMPLATE = """\
Parameters:
  Suffix: {Type: String, Default: one}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "spoke-${AWS::Region}-${Suffix}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: servicecatalog.amazonaws.com}
            Action: sts:AssumeRole
"""
NAME = "spokes"
REGIONS = ["us-east-1", "eu-west-1"]
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"


class Clock:
    """settings.clock, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def every_batch_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless a test moves the clock: the second poll of an operation finds it done."""
    monkeypatch.setattr(settings, "STACK_SET_BATCH_SECONDS", 0.0)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(settings, "clock", fake)
    monkeypatch.setattr(settings, "STACK_SET_BATCH_SECONDS", 1.0)
    return fake


@pytest.fixture
def org(aws: Aws) -> Iterator[SampleOrganization]:
    sample = create_organization(aws.client("organizations"), [("apps", 3), ("data", 2)])
    aws.client("cloudformation").activate_organizations_access()
    yield sample


def _create(cf: Any, **extra: Any) -> None:
    cf.create_stack_set(
        StackSetName=NAME,
        TemplateBody=TEMPLATE,
        PermissionModel="SERVICE_MANAGED",
        Capabilities=["CAPABILITY_NAMED_IAM"],
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
        **extra,
    )


def _deploy(cf: Any, units: list[str], regions: list[str] = REGIONS, **extra: Any) -> str:
    return str(
        cf.create_stack_instances(
            StackSetName=NAME,
            DeploymentTargets={"OrganizationalUnitIds": units},
            Regions=regions,
            **extra,
        )["OperationId"]
    )


def _describe(cf: Any, operation_id: str) -> dict[str, Any]:
    return dict(
        cf.describe_stack_set_operation(StackSetName=NAME, OperationId=operation_id)[
            "StackSetOperation"
        ]
    )


def _results(cf: Any, operation_id: str) -> list[dict[str, Any]]:
    return list(
        cf.list_stack_set_operation_results(StackSetName=NAME, OperationId=operation_id)[
            "Summaries"
        ]
    )


def _until_done(cf: Any, operation_id: str) -> dict[str, Any]:
    for _ in range(50):
        operation = _describe(cf, operation_id)
        if operation["Status"] not in ("RUNNING", "STOPPING"):
            return operation
    raise AssertionError("the operation never ended")


def _roles(account: str) -> set[str]:
    from moto.iam.models import iam_backends

    return {role.name for role in iam_backends[account]["aws"].roles.values()} - {
        "OrganizationAccountAccessRole"
    }


# --- trusted access, CallAs, definitions ------------------------------------------------------


def test_trusted_access_starts_off_and_activating_it_enables_the_service(aws: Aws) -> None:
    organizations = aws.client("organizations")
    create_organization(organizations, [("apps", 1)])
    cf = aws.client("cloudformation")
    assert cf.describe_organizations_access()["Status"] == "DISABLED"
    assert aws_error(lambda: _create(cf)) == "ValidationError"

    cf.activate_organizations_access()

    assert cf.describe_organizations_access()["Status"] == "ENABLED"
    enabled = organizations.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert STACKSETS in {service["ServicePrincipal"] for service in enabled}
    _create(cf)


def test_definitions_cloudformation_refuses(aws: Aws, org: SampleOrganization) -> None:
    cf = aws.client("cloudformation")
    base = {"StackSetName": NAME, "TemplateBody": TEMPLATE, "PermissionModel": "SERVICE_MANAGED"}
    assert aws_error(lambda: cf.create_stack_set(**base)) == "InsufficientCapabilitiesException"
    unknown = [{"ParameterKey": "Nope", "ParameterValue": "x"}]
    named = {**base, "Capabilities": ["CAPABILITY_NAMED_IAM"]}
    assert aws_error(lambda: cf.create_stack_set(**named, Parameters=unknown)) == "ValidationError"
    self_managed = {**named, "PermissionModel": "SELF_MANAGED"}
    assert aws_error(lambda: cf.create_stack_set(**self_managed)) == "ValidationError"
    _create(cf)
    assert aws_error(lambda: _create(cf)) == "NameAlreadyExistsException"
    assert aws_error(lambda: cf.describe_stack_set(StackSetName="none")) == (
        "StackSetNotFoundException"
    )
    described = cf.describe_stack_set(StackSetName=NAME)["StackSet"]
    assert described["PermissionModel"] == "SERVICE_MANAGED"
    assert described["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert described["Parameters"] == [{"ParameterKey": "Suffix", "ParameterValue": "one"}] or (
        described["Parameters"] == []
    )


def test_a_request_outside_the_model_is_refused(aws: Aws, org: SampleOrganization) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    error = aws_error(
        lambda: cf.create_stack_instances(
            StackSetName=NAME,
            DeploymentTargets={"OrganizationalUnitIds": ["ou-not-valid"]},
            Regions=REGIONS,
        )
    )
    assert error == "ValidationError"


# --- operations -------------------------------------------------------------------------------


def test_an_operation_runs_while_polled_and_reports_each_account_and_region(
    aws: Aws, org: SampleOrganization, clock: Clock
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps = next(iter(org.units))
    operation_id = _deploy(cf, [apps], OperationPreferences={"MaxConcurrentCount": 1})

    first = _describe(cf, operation_id)
    assert first["Status"] == "RUNNING"
    assert {r["Status"] for r in _results(cf, operation_id)} == {"PENDING"}
    instances = cf.list_stack_instances(StackSetName=NAME)["Summaries"]
    assert {(i["Status"], i["StackInstanceStatus"]["DetailedStatus"]) for i in instances} == {
        ("OUTDATED", "PENDING")
    }

    clock.now += 1  # one batch: one account in the first Region (SEQUENTIAL, the default)
    assert _describe(cf, operation_id)["Status"] == "RUNNING"
    done = [r for r in _results(cf, operation_id) if r["Status"] == "SUCCEEDED"]
    assert [(r["Region"], r["OrganizationalUnitId"]) for r in done] == [("us-east-1", apps)]

    clock.now += 100
    finished = _describe(cf, operation_id)
    assert finished["Status"] == "SUCCEEDED" and finished["EndTimestamp"]
    assert len(_results(cf, operation_id)) == 6
    assert {r["Status"] for r in _results(cf, operation_id)} == {"SUCCEEDED"}
    for account in org.units[apps]:
        assert _roles(account) == {"spoke-us-east-1-one", "spoke-eu-west-1-one"}


@pytest.mark.parametrize(
    ("mode", "per_batch"), [("STRICT_FAILURE_TOLERANCE", 1), ("SOFT_FAILURE_TOLERANCE", 3)]
)
def test_strict_failure_tolerance_caps_the_concurrency_soft_does_not(
    aws: Aws, org: SampleOrganization, clock: Clock, mode: str, per_batch: int
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    preferences = {"MaxConcurrentCount": 3, "FailureToleranceCount": 0, "ConcurrencyMode": mode}
    operation_id = _deploy(
        cf, [next(iter(org.units))], ["us-east-1"], OperationPreferences=preferences
    )
    _describe(cf, operation_id)
    clock.now += 1
    _describe(cf, operation_id)
    done = [r for r in _results(cf, operation_id) if r["Status"] == "SUCCEEDED"]
    assert len(done) == per_batch


def _squat(account: str, region: str) -> None:
    from moto.iam.models import iam_backends

    iam_backends[account]["aws"].create_role(
        role_name=f"spoke-{region}-one",
        assume_role_policy_document="{}",
        path="/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration="3600",
    )


def test_failures_beyond_the_tolerance_fail_the_operation_and_cancel_the_rest(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps = next(iter(org.units))
    broken = org.units[apps][0]
    _squat(broken, "us-east-1")

    operation = _until_done(cf, _deploy(cf, [apps]))

    assert operation["Status"] == "FAILED"
    assert "us-east-1" in operation["StatusReason"]
    results = {(r["Account"], r["Region"]): r for r in _results(cf, operation["OperationId"])}
    assert results[(broken, "us-east-1")]["Status"] == "FAILED"
    assert (
        "Role with name spoke-us-east-1-one already exists."
        in (results[(broken, "us-east-1")]["StatusReason"])
    )
    assert {r["Status"] for (_, region), r in results.items() if region == "eu-west-1"} == {
        "CANCELLED"
    }, "SEQUENTIAL: the next Region is cancelled"
    instance = cf.describe_stack_instance(
        StackSetName=NAME, StackInstanceAccount=broken, StackInstanceRegion="us-east-1"
    )["StackInstance"]
    assert (instance["Status"], instance["StackInstanceStatus"]["DetailedStatus"]) == (
        "OUTDATED",
        "FAILED",
    )
    assert "already exists" in instance["StatusReason"]


def test_one_operation_at_a_time_and_operation_ids_are_unique(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps, data = list(org.units)
    operation_id = _deploy(cf, [apps], OperationId="first-operation")
    assert aws_error(lambda: _deploy(cf, [data])) == "OperationInProgressException"
    assert (
        aws_error(
            lambda: cf.update_stack_set(
                StackSetName=NAME, UsePreviousTemplate=True, Capabilities=["CAPABILITY_NAMED_IAM"]
            )
        )
        == "OperationInProgressException"
    )
    _until_done(cf, operation_id)
    assert aws_error(lambda: _deploy(cf, [data], OperationId="first-operation")) == (
        "OperationIdAlreadyExistsException"
    )
    assert aws_error(lambda: _describe(cf, "no-such-operation")) == "OperationNotFoundException"


def test_an_operation_nobody_polls_settles(aws: Aws, org: SampleOrganization, clock: Clock) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    _deploy(cf, list(org.units))
    clock.now += settings.STACK_SET_SETTLE_SECONDS
    instances = cf.list_stack_instances(StackSetName=NAME)["Summaries"]
    assert {i["Status"] for i in instances} == {"CURRENT"}
    assert len(instances) == 10


def test_stopping_an_operation_cancels_what_is_pending(
    aws: Aws, org: SampleOrganization, clock: Clock
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    operation_id = _deploy(cf, list(org.units))
    _describe(cf, operation_id)
    cf.stop_stack_set_operation(StackSetName=NAME, OperationId=operation_id)
    assert _describe(cf, operation_id)["Status"] == "STOPPING"
    clock.now += 1
    assert _describe(cf, operation_id)["Status"] == "STOPPED"
    assert {r["Status"] for r in _results(cf, operation_id)} == {"CANCELLED"}
    assert (
        aws_error(lambda: cf.stop_stack_set_operation(StackSetName=NAME, OperationId=operation_id))
        == "InvalidOperationException"
    )


def test_an_update_reaches_every_instance_and_instances_must_exist(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps, data = list(org.units)
    _until_done(cf, _deploy(cf, [apps]))
    update = cf.update_stack_set(
        StackSetName=NAME,
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "Suffix", "ParameterValue": "two"}],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    assert {i["Status"] for i in cf.list_stack_instances(StackSetName=NAME)["Summaries"]} == {
        "OUTDATED"
    }
    assert _until_done(cf, update["OperationId"])["Status"] == "SUCCEEDED"
    for account in org.units[apps]:
        assert _roles(account) == {"spoke-us-east-1-two", "spoke-eu-west-1-two"}
    missing = cf.update_stack_instances
    assert (
        aws_error(
            lambda: missing(
                StackSetName=NAME,
                DeploymentTargets={"OrganizationalUnitIds": [data]},
                Regions=REGIONS,
            )
        )
        == "StackInstanceNotFoundException"
    )


def test_deleting_an_ous_instances_removes_its_resources_and_target(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps, data = list(org.units)
    _until_done(cf, _deploy(cf, [apps, data]))
    assert aws_error(lambda: cf.delete_stack_set(StackSetName=NAME)) == "StackSetNotEmptyException"
    deletion = cf.delete_stack_instances(
        StackSetName=NAME,
        DeploymentTargets={"OrganizationalUnitIds": [data]},
        Regions=REGIONS,
        RetainStacks=False,
    )
    assert _until_done(cf, deletion["OperationId"])["Status"] == "SUCCEEDED"
    targets = cf.list_stack_set_auto_deployment_targets(StackSetName=NAME)["Summaries"]
    assert [t["OrganizationalUnitId"] for t in targets] == [apps]
    assert all(_roles(account) == set() for account in org.units[data])
    assert all(_roles(account) for account in org.units[apps])


# --- automatic deployment --------------------------------------------------------------------


def test_accounts_added_to_a_target_ou_get_instances_and_leaving_ones_lose_them(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    organizations = aws.client("organizations")
    _create(cf)
    apps, data = list(org.units)
    _until_done(cf, _deploy(cf, [apps]))

    newcomer = add_account(organizations, org, apps, "newcomer")
    leaver = org.units[apps][0]
    organizations.move_account(AccountId=leaver, SourceParentId=apps, DestinationParentId=data)

    accounts = {i["Account"] for i in cf.list_stack_instances(StackSetName=NAME)["Summaries"]}
    assert newcomer in accounts and leaver not in accounts
    assert _roles(newcomer) == {"spoke-us-east-1-one", "spoke-eu-west-1-one"}
    assert _roles(leaver) == set()
    actions = [o["Action"] for o in cf.list_stack_set_operations(StackSetName=NAME)["Summaries"]]
    assert actions.count("CREATE") == 2 and "DELETE" in actions


def test_an_account_left_out_on_purpose_is_not_deployed_to_later(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps = next(iter(org.units))
    excluded = org.units[apps][0]
    targets = {
        "OrganizationalUnitIds": [apps],
        "Accounts": [excluded],
        "AccountFilterType": "DIFFERENCE",
    }
    created = cf.create_stack_instances(
        StackSetName=NAME, DeploymentTargets=targets, Regions=REGIONS
    )
    _until_done(cf, created["OperationId"])
    add_account(aws.client("organizations"), org, apps, "newcomer")
    accounts = {i["Account"] for i in cf.list_stack_instances(StackSetName=NAME)["Summaries"]}
    assert excluded not in accounts
    assert len(accounts) == 3


# --- delegated administrator -----------------------------------------------------------------


def _as(aws: Aws, account: str) -> Any:
    """A CloudFormation client of ``account`` (an assumed role), in-process."""
    import boto3

    credentials = aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="tests",
    )["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    return session


def test_a_delegated_administrator_works_on_the_management_accounts_stack_sets(
    in_process: Aws,
) -> None:
    org = create_organization(in_process.client("organizations"), [("apps", 2)])
    in_process.client("cloudformation").activate_organizations_access()
    admin, other = org.units[next(iter(org.units))]
    member = _as(in_process, other).client("cloudformation")
    assert aws_error(lambda: member.describe_organizations_access(CallAs="DELEGATED_ADMIN")) == (
        "ValidationError"
    )
    assert aws_error(lambda: _create(member, CallAs="SELF")) == "ValidationError"
    member_organizations = _as(in_process, other).client("organizations")
    assert (
        aws_error(
            lambda: member_organizations.describe_organizational_unit(
                OrganizationalUnitId=next(iter(org.units))
            )
        )
        == "AccessDeniedException"
    )

    in_process.client("organizations").register_delegated_administrator(
        AccountId=admin, ServicePrincipal=STACKSETS
    )
    delegated = _as(in_process, admin)
    _create(delegated.client("cloudformation"), CallAs="DELEGATED_ADMIN")
    unit = delegated.client("organizations").describe_organizational_unit(
        OrganizationalUnitId=next(iter(org.units))
    )
    assert unit["OrganizationalUnit"]["Name"] == "apps"

    assert in_process.client("cloudformation").describe_stack_set(StackSetName=NAME)
    assert (
        aws_error(
            lambda: delegated.client("cloudformation").describe_organizations_access(CallAs="SELF")
        )
        == "ValidationError"
    )


def test_an_account_moving_between_two_target_ous_keeps_its_instance(
    aws: Aws, org: SampleOrganization
) -> None:
    cf = aws.client("cloudformation")
    _create(cf)
    apps, data = list(org.units)
    _until_done(cf, _deploy(cf, [apps, data]))
    mover = org.units[apps][0]
    aws.client("organizations").move_account(
        AccountId=mover, SourceParentId=apps, DestinationParentId=data
    )
    found = cf.list_stack_instances(StackSetName=NAME, StackInstanceAccount=mover)["Summaries"]
    assert {(i["OrganizationalUnitId"], i["Status"]) for i in found} == {(data, "CURRENT")}
    assert _roles(mover) == {"spoke-us-east-1-one", "spoke-eu-west-1-one"}
