"""Create or update a CloudFormation stack and wait for it, with bounded polling.

``deploy_stack`` leaves an unchanged stack alone ("unchanged"), replaces one left in
ROLLBACK_COMPLETE, refuses a busy one, and reports failures as one line with CloudFormation's
reason and the first failed resource. ``deploy_bootstrap`` deploys the bootstrap stack with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from portfolio.bootstrap.template import render_bootstrap_template
from portfolio.errors import one_line
from portfolio.names import BOOTSTRAP_STACK_NAME

#: CloudFormation refuses a TemplateBody larger than this (bytes); larger ones go through S3.
TEMPLATE_BODY_MAX_BYTES = 51_200

#: Puts a template where CloudFormation can read it and returns its https URL.
TemplateUpload = Callable[[str], str]
STACK_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_NO_UPDATES = "No updates are to be performed"
_USER_INITIATED = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"}


class StackDeploymentFailed(Exception):
    """A stack could not be created, updated or deleted; the message is one line with why."""


@dataclass(frozen=True)
class Polling:
    """Bounded polling of stack status: ``delay`` seconds apart, at most ``attempts`` times."""

    delay: int = 10
    attempts: int = 180


DEFAULT_POLLING = Polling()


def deploy_stack(
    client: Any,
    stack_name: str,
    template_body: str,
    *,
    parameters: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    polling: Polling = DEFAULT_POLLING,
    report: Callable[[str], None] = lambda line: None,
    upload: TemplateUpload | None = None,
) -> dict[str, str]:
    """Create ``stack_name`` or bring it to ``template_body``; return its outputs.

    A template over TEMPLATE_BODY_MAX_BYTES is passed by URL: ``upload`` puts it in S3 (see
    ``s3_template_upload``), only when the stack is created or changed.
    """
    if len(template_body.encode("utf-8")) > TEMPLATE_BODY_MAX_BYTES and upload is None:
        raise StackDeploymentFailed(
            f"stack {stack_name}: template exceeds {TEMPLATE_BODY_MAX_BYTES} bytes; deploy it "
            "through S3 (upload=s3_template_upload(...))"
        )
    request = {
        "StackName": stack_name,
        "Parameters": [
            {"ParameterKey": key, "ParameterValue": value}
            for key, value in sorted((parameters or {}).items())
        ],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": key, "Value": value} for key, value in sorted((tags or {}).items())],
    }
    try:
        outcome = _create_or_update(client, request, template_body, upload, polling, report)
        report(f"{stack_name}: {outcome}")
        stack = _describe(client, stack_name)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise StackDeploymentFailed(f"stack {stack_name}: {one_line(message)}") from error
    except BotoCoreError as error:  # no credentials, endpoint unreachable, no Region...
        raise StackDeploymentFailed(f"stack {stack_name}: {one_line(error)}") from error
    if stack is None:
        raise StackDeploymentFailed(f"stack {stack_name} disappeared while deploying")
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def deploy_bootstrap(
    session_or_client: Any,
    stack_name: str = BOOTSTRAP_STACK_NAME,
    region: str | None = None,
    *,
    endpoint_url: str | None = None,
    parameters: dict[str, str] | None = None,
    polling: Polling = DEFAULT_POLLING,
    report: Callable[[str], None] = lambda line: None,
) -> dict[str, str]:
    """Create or update the bootstrap stack and return its outputs.

    ``session_or_client`` is a boto3 Session (a CloudFormation client is made for ``region``
    and ``endpoint_url``) or a CloudFormation client. An unchanged template and parameters
    cause no update. Raises StackDeploymentFailed with the stack's status reason, on one line.
    """
    try:
        client = cloudformation_client(session_or_client, region, endpoint_url)
    except BotoCoreError as error:
        raise StackDeploymentFailed(f"stack {stack_name}: {one_line(error)}") from error
    return deploy_stack(
        client,
        stack_name,
        render_bootstrap_template(),
        parameters=parameters,
        tags={"signed-urls:component": "bootstrap"},
        polling=polling,
        report=report,
    )


def s3_template_upload(s3: Any, bucket: str, prefix: str = "templates/") -> TemplateUpload:
    """Upload to ``bucket`` under ``prefix`` + sha256 (content-addressed) and return the URL."""

    def upload(template_body: str) -> str:
        body = template_body.encode("utf-8")
        key = f"{prefix}{hashlib.sha256(body).hexdigest()}.yaml"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-yaml")
        return f"https://{bucket}.s3.{s3.meta.region_name}.amazonaws.com/{key}"

    return upload


def delete_stack(client: Any, stack_name: str, *, polling: Polling = DEFAULT_POLLING) -> None:
    """Delete a stack and wait (bounded) until it is gone."""
    try:
        client.delete_stack(StackName=stack_name)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise StackDeploymentFailed(f"stack {stack_name}: {one_line(message)}") from error
    _wait(client, "stack_delete_complete", stack_name, polling)


def _create_or_update(
    client: Any,
    request: dict[str, Any],
    template_body: str,
    upload: TemplateUpload | None,
    polling: Polling,
    report: Callable[[str], None],
) -> str:
    """Bring the stack to ``request``; returns "created", "updated" or "unchanged"."""
    stack_name = request["StackName"]
    existing = _describe(client, stack_name)
    if existing is not None and existing["StackStatus"] == "ROLLBACK_COMPLETE":
        report(f"{stack_name}: deleting what a failed creation left (ROLLBACK_COMPLETE)")
        client.delete_stack(StackName=stack_name)
        _wait(client, "stack_delete_complete", stack_name, polling)
        existing = None
    if existing is None:
        client.create_stack(**request, **_template(template_body, upload), OnFailure="ROLLBACK")
        _wait(client, "stack_create_complete", stack_name, polling)
        return "created"
    if existing["StackStatus"].endswith("_IN_PROGRESS"):
        raise StackDeploymentFailed(
            f"stack {stack_name} is busy ({existing['StackStatus']}); try again when it settles"
        )
    if _unchanged(client, existing, request, template_body):
        return "unchanged"
    try:
        client.update_stack(**request, **_template(template_body, upload))
    except ClientError as error:
        if _NO_UPDATES in error.response.get("Error", {}).get("Message", ""):
            return "unchanged"
        raise
    _wait(client, "stack_update_complete", stack_name, polling)
    return "updated"


def cloudformation_client(
    session_or_client: Any, region: str | None, endpoint_url: str | None
) -> Any:
    if hasattr(session_or_client, "create_stack"):
        return session_or_client
    return session_or_client.client("cloudformation", region_name=region, endpoint_url=endpoint_url)


def _describe(client: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return None
        raise
    return stacks[0] if stacks else None


def _template(template_body: str, upload: TemplateUpload | None) -> dict[str, str]:
    """TemplateBody when it fits, else the URL ``upload`` puts it at."""
    if len(template_body.encode("utf-8")) <= TEMPLATE_BODY_MAX_BYTES or upload is None:
        return {"TemplateBody": template_body}
    return {"TemplateURL": upload(template_body)}


def _unchanged(
    client: Any, stack: dict[str, Any], request: dict[str, Any], template_body: str
) -> bool:
    """Same template text and the same values for the parameters we pass."""
    current = client.get_template(StackName=stack["StackName"], TemplateStage="Original")
    current_values = {
        item["ParameterKey"]: item.get("ParameterValue") for item in stack.get("Parameters", [])
    }
    return current["TemplateBody"] == template_body and all(
        current_values.get(item["ParameterKey"]) == item["ParameterValue"]
        for item in request["Parameters"]
    )


def _wait(client: Any, waiter_name: str, stack_name: str, polling: Polling) -> None:
    try:
        client.get_waiter(waiter_name).wait(
            StackName=stack_name,
            WaiterConfig={"Delay": polling.delay, "MaxAttempts": polling.attempts},
        )
    except WaiterError as error:
        raise StackDeploymentFailed(_failure_line(client, stack_name, error)) from error


def _failure_line(client: Any, stack_name: str, error: WaiterError) -> str:
    """One line: the stack status, its reason, and the first failed resource's reason."""
    stack = _describe(client, stack_name)
    if stack is None:
        return f"stack {stack_name}: {one_line(error)}"
    status = stack["StackStatus"]
    if status.endswith("_IN_PROGRESS") and "ROLLBACK" not in status:
        return f"stack {stack_name} still {status} when polling gave up"
    details = [stack.get("StackStatusReason") or "", _first_failed_resource(client, stack_name)]
    reason = "; ".join(detail for detail in details if detail)
    return one_line(f"stack {stack_name} {status}" + (f": {reason}" if reason else ""))


def _first_failed_resource(client: Any, stack_name: str) -> str:
    """The earliest resource failure of the latest operation (its root cause)."""
    events = client.describe_stack_events(StackName=stack_name)["StackEvents"]  # newest first
    latest_operation = []
    for event in events:
        latest_operation.append(event)
        if (
            event.get("LogicalResourceId") == stack_name
            and event.get("ResourceStatus") in _USER_INITIATED
        ):
            break
    failures = [
        event
        for event in reversed(latest_operation)
        if event.get("ResourceStatus", "").endswith("_FAILED") and event.get("ResourceStatusReason")
    ]
    if not failures:
        return ""
    return f"{failures[0]['LogicalResourceId']}: {failures[0]['ResourceStatusReason']}"
