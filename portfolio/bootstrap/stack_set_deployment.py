"""Deploy the spokes: bring the service-managed StackSet to its plan, wait for each operation,
and report per account and Region what happened.

Each StackSet operation is asynchronous: its OperationId is polled (DescribeStackSetOperation,
bounded by ``OperationPolling``) until it leaves RUNNING, then its results are read per account and
Region (ListStackSetOperationResults) so that each failure is reported with CloudFormation's
reason. A failed account is reported, never retried by this run; ``retry_failed`` (the
``--retry-failed`` flag) updates the failed instances once, after the cause is fixed. An
operation that FAILED or was STOPPED stops the run. One started by someone else (or automatic
deployment) is waited for before this run's first change (OperationInProgressException).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from portfolio.bootstrap.spoke_organization import SpokeDeploymentFailed, listed
from portfolio.bootstrap.stack_set_plan import (
    CurrentStackSet,
    DesiredSpokes,
    InstanceState,
    StackSetStep,
    plan_spokes,
)
from portfolio.errors import one_line

_RUNNING = frozenset({"RUNNING", "QUEUED", "STOPPING"})


@dataclass(frozen=True)
class OperationPolling:
    """Waits start at ``interval`` seconds and double up to ``max_interval``; polling gives up
    after ``max_seconds`` of waiting: quick for a local endpoint, patient enough for an
    operation reaching hundreds of accounts in AWS (an hour)."""

    interval: float = 0.25
    max_interval: float = 15.0
    max_seconds: float = 3600.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def waits(self) -> Iterator[float]:
        """The waits between polls, in order, adding up to at most ``max_seconds``."""
        waited, wait = 0.0, self.interval
        while waited + wait <= self.max_seconds:
            yield wait
            waited += wait
            wait = min(self.max_interval, wait * 2) if wait else self.max_interval


DEFAULT_POLLING = OperationPolling()


@dataclass(frozen=True)
class FailedResult:
    account: str
    region: str
    reason: str


@dataclass
class StepOutcome:
    """What one mutating call did; for an operation, how it ended per account and Region."""

    label: str
    operation_id: str = ""
    status: str = "SUCCEEDED"
    reason: str = ""
    succeeded: int = 0
    failed: list[FailedResult] = field(default_factory=list)
    cancelled: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "SUCCEEDED" and not self.failed

    def lines(self) -> list[str]:
        """How the operation ended, and each account that failed (nothing for a call that
        starts no operation: its label said it all)."""
        if not self.operation_id:
            return []
        counts = f"{self.succeeded} succeeded, {len(self.failed)} failed"
        counts += f", {self.cancelled} cancelled" if self.cancelled else ""
        head = f"{self.label}: {self.status} ({counts})"
        head += f": {self.reason}" if self.reason else ""
        return [head] + [f"  {f.account} {f.region} FAILED: {f.reason}" for f in self.failed]


@dataclass
class SpokesOutcome:
    """A run of the spokes: its steps, the instances afterwards, and why it stopped (if)."""

    stack_set: str
    region: str
    steps: list[StepOutcome] = field(default_factory=list)
    instances: tuple[InstanceState, ...] = ()
    failure: str = ""

    @property
    def failed_instances(self) -> list[InstanceState]:
        """Instances whose last operation failed or did not reach them (one still pending,
        say an automatic deployment under way, is not a failure)."""
        return [i for i in self.instances if i.state in ("failed", "outdated")]

    @property
    def ok(self) -> bool:
        return not self.failure and all(s.ok for s in self.steps) and not self.failed_instances


def read_stack_set(cloudformation: Any, name: str, call_as: str) -> CurrentStackSet | None:
    """The StackSet as it is (None when there is none): definition, targets, instances."""
    try:
        stack_set = cloudformation.describe_stack_set(StackSetName=name, CallAs=call_as)["StackSet"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "StackSetNotFoundException":
            return None
        raise
    targets = {
        target["OrganizationalUnitId"]: frozenset(target.get("Regions", []))
        for target in listed(
            cloudformation.list_stack_set_auto_deployment_targets,
            "Summaries",
            StackSetName=name,
            CallAs=call_as,
        )
    }
    return CurrentStackSet(
        template_body=stack_set.get("TemplateBody", ""),
        parameters={
            p["ParameterKey"]: p["ParameterValue"] for p in stack_set.get("Parameters", [])
        },
        auto_deployment=stack_set.get("AutoDeployment", {}),
        capabilities=tuple(stack_set.get("Capabilities", [])),
        targets=targets,
        instances=list_instances(cloudformation, name, call_as),
    )


def list_instances(cloudformation: Any, name: str, call_as: str) -> tuple[InstanceState, ...]:
    summaries = listed(
        cloudformation.list_stack_instances, "Summaries", StackSetName=name, CallAs=call_as
    )
    return tuple(sorted(map(InstanceState.of, summaries), key=lambda i: (i.account, i.region)))


def deploy_spokes(
    cloudformation: Any,
    desired: DesiredSpokes,
    *,
    region: str,
    polling: OperationPolling = DEFAULT_POLLING,
    report: Callable[[str], None] = lambda line: None,
) -> SpokesOutcome:
    """Bring the StackSet to ``desired`` (the plan's calls, in order) and report each."""
    outcome = SpokesOutcome(desired.name, region)
    try:
        current = read_stack_set(cloudformation, desired.name, desired.call_as)
        steps = plan_spokes(desired, current)
        if not steps:
            report(f"{desired.name}: unchanged")
        for step in steps:
            report(f"{desired.name}: {step.label}")
            done = _run_step(cloudformation, desired, step, polling)
            outcome.steps.append(done)
            for line in done.lines():
                report(f"{desired.name}: {line}")
            if done.status != "SUCCEEDED":
                outcome.failure = f"StackSet {desired.name}: {done.lines()[0]}"
                break
        if steps or current is None:
            outcome.instances = list_instances(cloudformation, desired.name, desired.call_as)
        else:  # nothing changed: the instances read before planning are current
            outcome.instances = current.instances
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        outcome.failure = f"StackSet {desired.name}: {one_line(message)}"
    except BotoCoreError as error:
        outcome.failure = f"StackSet {desired.name}: {one_line(error)}"
    except SpokeDeploymentFailed as error:
        outcome.failure = str(error)
    return outcome


def _call(
    cloudformation: Any, desired: DesiredSpokes, step: StackSetStep, polling: OperationPolling
) -> Any:
    """The step's call; when another operation runs, wait for it and call once more."""
    try:
        return getattr(cloudformation, step.method)(**step.request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "OperationInProgressException":
            raise
    running = [
        summary["OperationId"]
        for summary in cloudformation.list_stack_set_operations(
            StackSetName=desired.name, CallAs=desired.call_as
        )["Summaries"]
        if summary["Status"] in _RUNNING
    ]
    for operation_id in running:
        operation = _wait(cloudformation, desired, operation_id, polling)
        if operation["Status"] in _RUNNING:
            raise SpokeDeploymentFailed(
                f"StackSet {desired.name}: operation {operation_id} still {operation['Status']}"
            )
    return getattr(cloudformation, step.method)(**step.request)


def _run_step(
    cloudformation: Any, desired: DesiredSpokes, step: StackSetStep, polling: OperationPolling
) -> StepOutcome:
    response = _call(cloudformation, desired, step, polling)
    if not step.starts_operation:
        return StepOutcome(step.label)
    operation_id = response["OperationId"]
    operation = _wait(cloudformation, desired, operation_id, polling)
    done = StepOutcome(
        step.label, operation_id, operation["Status"], operation.get("StatusReason", "")
    )
    if operation["Status"] in _RUNNING:
        done.reason = (
            "still running when polling gave up; it goes on in AWS: check `portfolio status`"
        )
        return done
    for result in listed(
        cloudformation.list_stack_set_operation_results,
        "Summaries",
        StackSetName=desired.name,
        OperationId=operation_id,
        CallAs=desired.call_as,
    ):
        if result["Status"] == "SUCCEEDED":
            done.succeeded += 1
        elif result["Status"] == "FAILED":
            reason = one_line(result.get("StatusReason", "no reason given"))
            done.failed.append(FailedResult(result["Account"], result["Region"], reason))
        else:
            done.cancelled += 1
    return done


def _wait(
    cloudformation: Any, desired: DesiredSpokes, operation_id: str, polling: OperationPolling
) -> dict[str, Any]:
    """The operation once it left RUNNING, or as it was when polling gave up."""
    waits = polling.waits()
    while True:
        operation: dict[str, Any] = cloudformation.describe_stack_set_operation(
            StackSetName=desired.name, OperationId=operation_id, CallAs=desired.call_as
        )["StackSetOperation"]
        wait = next(waits, None)
        if operation["Status"] not in _RUNNING or wait is None:
            return operation
        polling.sleep(wait)
