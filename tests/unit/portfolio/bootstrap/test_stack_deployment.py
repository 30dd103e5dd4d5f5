"""Deploying the bootstrap stack with a stubbed CloudFormation client (botocore Stubber: exact
calls, no network)."""

from __future__ import annotations

import datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from portfolio.bootstrap.stack_deployment import Polling, StackDeploymentFailed, deploy_bootstrap

STACK = "signed-urls-portfolio-bootstrap"


NO_WAIT = Polling(delay=0, attempts=2)


@pytest.fixture
def cloudformation() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _missing(stubber: Stubber) -> None:
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {STACK} does not exist",
        expected_params={"StackName": STACK},
    )


def _stack(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": STACK,
                "StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/1",
                "CreationTime": datetime.datetime(2025, 1, 1),
                "StackStatus": status,
                **extra,
            }
        ]
    }


def _event(logical_id: str, status: str, reason: str = "") -> dict[str, Any]:
    event = {
        "StackId": "id",
        "EventId": f"{logical_id}-{status}",
        "StackName": STACK,
        "LogicalResourceId": logical_id,
        "Timestamp": datetime.datetime(2025, 1, 1),
        "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def test_failed_creation_is_one_line_with_the_stack_and_resource_reasons(
    cloudformation: Any,
) -> None:
    stubber = Stubber(cloudformation)
    _missing(stubber)
    stubber.add_response("create_stack", {"StackId": "id"}, {"StackName": STACK} | _any_create())
    failed = _stack("ROLLBACK_COMPLETE", StackStatusReason="The following resource(s) failed")
    stubber.add_response("describe_stacks", failed, {"StackName": STACK})  # waiter: failure
    stubber.add_response("describe_stacks", failed, {"StackName": STACK})  # failure line
    events = [
        _event(STACK, "ROLLBACK_COMPLETE"),
        _event("LaunchRole", "CREATE_FAILED", "Resource creation cancelled"),
        _event("ArtifactBucket", "CREATE_FAILED", "Access Denied\nfor s3:CreateBucket"),
        _event(STACK, "CREATE_IN_PROGRESS", "User Initiated"),
        _event("Old", "UPDATE_FAILED", "from an earlier operation"),
    ]
    stubber.add_response("describe_stack_events", {"StackEvents": events}, {"StackName": STACK})
    with stubber, pytest.raises(StackDeploymentFailed) as failure:
        deploy_bootstrap(cloudformation, polling=NO_WAIT)
    message = str(failure.value)
    assert "\n" not in message
    assert message == (
        f"stack {STACK} ROLLBACK_COMPLETE: The following resource(s) failed; "
        "ArtifactBucket: Access Denied for s3:CreateBucket"
    )


def _any_create() -> dict[str, Any]:
    return {
        "TemplateBody": ANY,
        "Parameters": ANY,
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": ANY,
        "OnFailure": "ROLLBACK",
    }


def _any_update() -> dict[str, Any]:
    return {"TemplateBody": ANY, "Parameters": ANY, "Capabilities": ANY, "Tags": ANY}


def test_no_updates_to_perform_counts_as_unchanged(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    outputs = [{"OutputKey": "LaunchRoleName", "OutputValue": "role"}]
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE"), {"StackName": STACK})
    stubber.add_response(
        "get_template",
        {"TemplateBody": "an older rendering"},
        {"StackName": STACK, "TemplateStage": "Original"},
    )
    stubber.add_client_error(
        "update_stack",
        service_error_code="ValidationError",
        service_message="No updates are to be performed.",
        expected_params={"StackName": STACK} | _any_update(),
    )
    stubber.add_response(
        "describe_stacks", _stack("CREATE_COMPLETE", Outputs=outputs), {"StackName": STACK}
    )
    reported: list[str] = []
    with stubber:
        result = deploy_bootstrap(cloudformation, polling=NO_WAIT, report=reported.append)
    assert result == {"LaunchRoleName": "role"}
    assert reported == [f"{STACK}: unchanged"]
    stubber.assert_no_pending_responses()


def test_busy_stack_is_refused_without_changes(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    stubber.add_response("describe_stacks", _stack("UPDATE_IN_PROGRESS"), {"StackName": STACK})
    with stubber, pytest.raises(StackDeploymentFailed, match="busy \\(UPDATE_IN_PROGRESS\\)"):
        deploy_bootstrap(cloudformation, polling=NO_WAIT)
    stubber.assert_no_pending_responses()


def test_stack_left_by_a_failed_creation_is_replaced(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    stubber.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"), {"StackName": STACK})
    stubber.add_response("delete_stack", {}, {"StackName": STACK})
    stubber.add_response("describe_stacks", _stack("DELETE_COMPLETE"), {"StackName": STACK})
    stubber.add_response("create_stack", {"StackId": "id"}, {"StackName": STACK} | _any_create())
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE"), {"StackName": STACK})
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE"), {"StackName": STACK})
    reported: list[str] = []
    with stubber:
        deploy_bootstrap(cloudformation, polling=NO_WAIT, report=reported.append)
    assert reported[-1] == f"{STACK}: created"
    stubber.assert_no_pending_responses()


def test_polling_is_bounded(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    _missing(stubber)
    stubber.add_response("create_stack", {"StackId": "id"}, {"StackName": STACK} | _any_create())
    for _ in range(NO_WAIT.attempts + 1):
        stubber.add_response("describe_stacks", _stack("CREATE_IN_PROGRESS"), {"StackName": STACK})
    with stubber, pytest.raises(StackDeploymentFailed, match="still CREATE_IN_PROGRESS"):
        deploy_bootstrap(cloudformation, polling=NO_WAIT)


def test_aws_error_is_one_line_naming_the_stack(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="AccessDenied",
        service_message="User is not authorized\nto perform cloudformation:DescribeStacks",
    )
    with stubber, pytest.raises(StackDeploymentFailed) as failure:
        deploy_bootstrap(cloudformation, polling=NO_WAIT)
    assert str(failure.value) == (
        f"stack {STACK}: User is not authorized to perform cloudformation:DescribeStacks"
    )
