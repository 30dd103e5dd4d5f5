"""How a StackSet operation runs: account by account, Region by Region, within its preferences.

An operation starts RUNNING with every result PENDING, and works one batch every
``settings.STACK_SET_BATCH_SECONDS`` (the work due is done at the next request): in each Region
in turn (SEQUENTIAL, the default) or in all at once (PARALLEL), as many accounts as the
concurrency allows. The first DescribeStackSetOperation always sees it RUNNING. A Region whose
failures exceed the failure tolerance stops: its pending accounts, and every Region after it,
are CANCELLED and the operation FAILED ("If the number of failed stacks within a Region exceeds
the failure tolerance, the status of the operation in the Region is set to FAILED. This in turn
sets the status of the operation as a whole to FAILED, and CloudFormation cancels the operation
in any remaining Regions":
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperation.html).
Otherwise it SUCCEEDED. An operation nobody polls is finished at the first request
``settings.STACK_SET_SETTLE_SECONDS`` after it started.
"""

from __future__ import annotations

import math
import random

from portfolio.local_aws import settings
from portfolio.local_aws.models import utc_now
from portfolio.local_aws.stack_sets import deployment
from portfolio.local_aws.stack_sets.models import Operation, OperationResult, StackSet

_DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


def _region_order(operation: Operation) -> list[str]:
    preferred = [
        region for region in operation.preferences.region_order if region in operation.regions
    ]
    return preferred + [region for region in operation.regions if region not in preferred]


def _in_region(operation: Operation, region: str) -> list[OperationResult]:
    return [result for result in operation.results if result.region == region]


def _region_failed(operation: Operation, region: str) -> bool:
    results = _in_region(operation, region)
    failed = sum(result.status == "FAILED" for result in results)
    return failed > operation.preferences.tolerance(len({r.account for r in results}))


def _region_done(operation: Operation, region: str) -> bool:
    return all(result.status in _DONE for result in _in_region(operation, region))


def step(stack_set: StackSet, operation: Operation) -> None:
    """Work one batch of ``operation``; finish it when nothing is left to do."""
    if operation.status == "STOPPING":
        _finish(stack_set, operation, "STOPPED", "")
        return
    pending_regions = [r for r in _region_order(operation) if not _region_done(operation, r)]
    if operation.preferences.region_concurrency != "PARALLEL":
        pending_regions = pending_regions[:1]
    for region in pending_regions:
        _work_batch(stack_set, operation, region)
    failed_region = next(
        (region for region in _region_order(operation) if _region_failed(operation, region)), None
    )
    if failed_region is not None:
        reason = f"The operation failed in {failed_region}: more accounts failed than tolerated"
        _finish(stack_set, operation, "FAILED", reason)
    elif all(_region_done(operation, region) for region in operation.regions):
        _finish(stack_set, operation, "SUCCEEDED", "")


def _work_batch(stack_set: StackSet, operation: Operation, region: str) -> None:
    results = _in_region(operation, region)
    failed = sum(result.status == "FAILED" for result in results)
    size = operation.preferences.concurrency(len({r.account for r in results}), failed)
    for result in [result for result in results if result.status == "PENDING"][:size]:
        _work(stack_set, operation, result)
        if _region_failed(operation, region):
            return


def _work(stack_set: StackSet, operation: Operation, result: OperationResult) -> None:
    key = (result.account, result.region)
    instance = stack_set.instances.get(key)
    try:
        if result.work == "remove":
            if instance is not None and instance.deployed and not operation.retain_stacks:
                deployment.remove(result.account, instance.deployed)
            stack_set.instances.pop(key, None)
        elif instance is not None:
            instance.deployed = deployment.deploy(
                account=result.account,
                region=result.region,
                body=stack_set.template_body,
                parameters=stack_set.parameters,
                stack_id=instance.stack_id,
                previous=instance.deployed,
            )
            instance.status, instance.detailed_status, instance.reason = "CURRENT", "SUCCEEDED", ""
    except deployment.DeploymentFailed as error:
        result.status, result.reason = "FAILED", str(error)
        if instance is not None:
            instance.status, instance.detailed_status = "OUTDATED", "FAILED"
            instance.reason = str(error)
        return
    result.status = "SUCCEEDED"


def _finish(stack_set: StackSet, operation: Operation, status: str, reason: str) -> None:
    for result in operation.results:
        if result.status not in _DONE:
            result.status = "CANCELLED"
            result.reason = "Cancelled since failure tolerance has exceeded"
            instance = stack_set.instances.get((result.account, result.region))
            if instance is not None:
                instance.status, instance.detailed_status = "OUTDATED", "CANCELLED"
    operation.status, operation.reason, operation.ended = status, reason, utc_now()


def _run_due(stack_set: StackSet, operation: Operation, *, to_the_end: bool = False) -> None:
    """Work the batches due by now (all of them when ``to_the_end``)."""
    elapsed = settings.clock() - operation.started
    seconds = settings.STACK_SET_BATCH_SECONDS
    due = math.inf if to_the_end or seconds <= 0 else math.floor(elapsed / seconds)
    while operation.status in ("RUNNING", "STOPPING") and operation.batches < due:
        step(stack_set, operation)
        operation.batches += 1


def observe(stack_set: StackSet, operation: Operation) -> None:
    """A DescribeStackSetOperation: the first one sees the operation as it started."""
    if operation.polls > 0:
        _run_due(stack_set, operation)
    operation.polls += 1


def settle(stack_set: StackSet) -> None:
    """Before any request: the active operation's work due by now (once it was polled), all
    of it once it has run longer than AWS would take."""
    operation = stack_set.active_operation()
    if operation is None:
        return
    overdue = settings.clock() - operation.started >= settings.STACK_SET_SETTLE_SECONDS
    if overdue or operation.polls > 0:
        _run_due(stack_set, operation, to_the_end=overdue)


def new_operation_id() -> str:
    return f"{random.getrandbits(128):032x}"
