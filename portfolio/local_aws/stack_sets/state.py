"""What one management account's service-managed StackSets are in one Region, and what every
operation family shares: lookups, deployment targets, starting an operation, automatic
deployment.

Automatic deployment ("StackSets automatically deploys additional stack instances to AWS
Organizations accounts that are added to a target organization or organizational unit (OU)
... If an account is removed from a target organization or OU, StackSets deletes stack
instances from the account":
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_AutoDeployment.html)
runs before each request: the StackSet remembers which accounts each target OU held, deploys to
the ones added since and removes the instances of the ones gone, as an operation of its own
that needs no polling. An account left out on purpose (``AccountFilterType`` DIFFERENCE) was
not added later, so it stays out. Operation preferences do not apply to it, as in AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from moto.core.base_backend import BaseBackend

from portfolio.local_aws.stack_sets import progress
from portfolio.local_aws.stack_sets.exceptions import (
    OperationIdAlreadyExists,
    OperationInProgress,
    StackSetNotFound,
    ValidationError,
)
from portfolio.local_aws.stack_sets.models import (
    Operation,
    OperationResult,
    Preferences,
    StackInstance,
    StackSet,
)
from portfolio.local_aws.stack_sets.organization import Organization, organization_of


class StackSetState(BaseBackend):
    """The StackSets of one (management) account in one Region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.stack_sets: dict[str, StackSet] = {}
        self.operation_ids: set[str] = set()
        #: StackSet name -> target OU -> accounts it held when last looked at.
        self.members: dict[str, dict[str, set[str]]] = {}

    def _organization(self) -> Organization:
        organization = organization_of(self.account_id, self.partition)
        if organization is None or organization.management_account != self.account_id:
            raise ValidationError("This account does not manage an organization")
        return organization

    def _stack_set(self, name: str) -> StackSet:
        """By name or id; brought up to date (settled operations, automatic deployment)."""
        stack_set = self.stack_sets.get(name) or next(
            (found for found in self.stack_sets.values() if found.id == name), None
        )
        if stack_set is None:
            raise StackSetNotFound(name)
        progress.settle(stack_set)
        self._deploy_automatically(stack_set)
        return stack_set

    def _stack_id(self, stack_set: StackSet, account: str, region: str) -> str:
        stack = f"stack/StackSet-{stack_set.name}-{uuid.uuid4()}/{uuid.uuid4()}"
        return f"arn:{self.partition}:cloudformation:{region}:{account}:{stack}"

    def _check_can_start(self, stack_set: StackSet, operation_id: str | None) -> str:
        """The id of a new operation; OperationInProgress while another runs."""
        if stack_set.active_operation() is not None:
            raise OperationInProgress(
                "Another Operation on StackSet " + stack_set.id + " is in progress"
            )
        operation_id = operation_id or progress.new_operation_id()
        if operation_id in self.operation_ids:
            raise OperationIdAlreadyExists(f"The operation id {operation_id} already exists")
        return operation_id

    def _start(
        self,
        stack_set: StackSet,
        operation_id: str,
        action: str,
        results: list[OperationResult],
        *,
        regions: Iterable[str],
        preferences: dict[str, Any] | None,
        targets: dict[str, Any] | None = None,
        retain_stacks: bool | None = None,
    ) -> dict[str, str]:
        operation = Operation(
            id=operation_id,
            action=action,
            preferences=Preferences.of(preferences),
            regions=tuple(dict.fromkeys(regions)),
            results=results,
            deployment_targets=targets,
            retain_stacks=retain_stacks,
        )
        for result in results:
            instance = stack_set.instances.get((result.account, result.region))
            if instance is not None:
                instance.last_operation_id = operation_id
                if result.work == "deploy":
                    instance.status, instance.detailed_status = "OUTDATED", "PENDING"
        self.operation_ids.add(operation_id)
        stack_set.operations[operation_id] = operation
        return {"OperationId": operation_id}

    def _new_instances(
        self, stack_set: StackSet, placements: Iterable[tuple[str, str, str]]
    ) -> list[OperationResult]:
        """Results that deploy to (account, region, OU): new instances for new places; places
        whose instance is CURRENT need nothing."""
        results = []
        for account, region, unit in placements:
            instance = stack_set.instances.get((account, region))
            if instance is not None and instance.status == "CURRENT":
                continue
            if instance is None:
                stack_id = self._stack_id(stack_set, account, region)
                instance = StackInstance(account, region, unit, stack_id)
                stack_set.instances[(account, region)] = instance
            results.append(OperationResult(account, region, instance.organizational_unit, "deploy"))
        return results

    def _remember_members(self, stack_set: StackSet, units: Iterable[str]) -> None:
        organization = self._organization()
        members = self.members.setdefault(stack_set.name, {})
        for unit in units:
            members[unit] = set(organization.accounts_below(unit))

    def _deploy_automatically(self, stack_set: StackSet) -> None:
        if not stack_set.auto_deployment.get("Enabled") or stack_set.active_operation():
            return
        organization = self._organization()
        members = self.members.setdefault(stack_set.name, {})
        placements, removals = [], []
        for unit, regions in stack_set.targets.items():
            now = set(organization.accounts_below(unit))
            before = members.get(unit, now)
            placements += [(a, r, unit) for a in sorted(now - before) for r in regions]
            removals += [(a, r, unit) for a in sorted(before - now) for r in regions]
            members[unit] = now
        retain = bool(stack_set.auto_deployment.get("RetainStacksOnAccountRemoval"))
        removed = [
            OperationResult(account, region, unit, "remove")
            for account, region, unit in removals
            if (account, region) in stack_set.instances
        ]
        if removed:  # first: an account that moved between two target OUs is placed again
            self._run_automatically(stack_set, "DELETE", removed, retain)
        placed = self._new_instances(stack_set, placements)
        if placed:
            self._run_automatically(stack_set, "CREATE", placed, retain)

    def _run_automatically(
        self, stack_set: StackSet, action: str, results: list[OperationResult], retain: bool
    ) -> None:
        """An automatic deployment's operation, done at once (it is nobody's to poll)."""
        operation_id = progress.new_operation_id()
        every_account_at_once = {
            "RegionConcurrencyType": "PARALLEL",
            "MaxConcurrentPercentage": 100,
            "FailureTolerancePercentage": 100,
        }
        regions = [result.region for result in results]
        self._start(
            stack_set,
            operation_id,
            action,
            results,
            regions=regions,
            preferences=every_account_at_once,
            retain_stacks=retain if action == "DELETE" else None,
        )
        operation = stack_set.operations[operation_id]
        while operation.status == "RUNNING":
            progress.step(stack_set, operation)
