"""Stack instances of service-managed StackSets (create, update, delete, list, describe) and the
operations that change them (describe, list, list results, stop), plus the deployment targets.

Service-managed instances are placed by organizational unit: "For update operations, you can
specify either Accounts or OrganizationalUnitIds. For create and delete operations, specify
OrganizationalUnitIds" (plus an AccountFilterType over Accounts:
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html).
An OU this organization does not have is refused (ValidationError) before the operation
starts: what AWS answers there is not documented; the publisher checks its OUs with
Organizations first.
"""

from __future__ import annotations

from typing import Any

from portfolio.local_aws.backend.paging import page_of
from portfolio.local_aws.stack_sets import progress
from portfolio.local_aws.stack_sets.exceptions import (
    InvalidOperation,
    OperationNotFound,
    StackInstanceNotFound,
    ValidationError,
)
from portfolio.local_aws.stack_sets.models import Operation, OperationResult, StackSet
from portfolio.local_aws.stack_sets.state import StackSetState

_OU_TARGETS_ONLY = (
    "StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target"
)


def _page(items: list[Any], max_results: int | None, next_token: str | None) -> dict[str, Any]:
    try:
        page, token = page_of(items, max_results or 100, next_token)
    except Exception as error:
        raise ValidationError(f"Invalid NextToken {next_token!r}") from error
    return {"Summaries": page, **({"NextToken": token} if token else {})}


class InstanceOperations(StackSetState):
    def _placements(
        self, targets: dict[str, Any] | None, regions: list[str], accounts: list[str] | None
    ) -> list[tuple[str, str, str]]:
        """(account, region, OU) for every account the targets name, in every Region."""
        units = (targets or {}).get("OrganizationalUnitIds") or []
        if accounts or not units:
            raise ValidationError(_OU_TARGETS_ONLY)
        organization = self._organization()
        for unit in units:
            if not organization.has_node(unit):
                raise ValidationError(f"OrganizationalUnitId {unit} is not in the organization")
        listed = set((targets or {}).get("Accounts") or [])
        kind = (targets or {}).get("AccountFilterType", "NONE")
        placements: dict[str, str] = {}
        for unit in units:
            for account in organization.accounts_below(unit):
                chosen = {
                    "INTERSECTION": account in listed,
                    "DIFFERENCE": account not in listed,
                }.get(kind, True)
                if chosen:
                    placements.setdefault(account, unit)
        return [(a, region, unit) for region in regions for a, unit in placements.items()]

    def create_stack_instances(
        self,
        stack_set_name: str,
        regions: list[str],
        deployment_targets: dict[str, Any] | None = None,
        accounts: list[str] | None = None,
        parameter_overrides: list[dict[str, Any]] | None = None,
        operation_preferences: dict[str, Any] | None = None,
        operation_id: str | None = None,
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        operation_id = self._check_can_start(stack_set, operation_id)
        if parameter_overrides:
            raise ValidationError("the local endpoint does not emulate ParameterOverrides")
        placements = self._placements(deployment_targets, regions, accounts)
        units = deployment_targets["OrganizationalUnitIds"]  # type: ignore[index]
        self._remember_members(stack_set, units)
        for unit in units:
            known = stack_set.targets.setdefault(unit, [])
            known += [region for region in regions if region not in known]
        results = self._new_instances(stack_set, placements)
        return self._start(
            stack_set,
            operation_id,
            "CREATE",
            results,
            regions=regions,
            preferences=operation_preferences,
            targets=deployment_targets,
        )

    def update_stack_instances(
        self,
        stack_set_name: str,
        regions: list[str],
        deployment_targets: dict[str, Any] | None = None,
        accounts: list[str] | None = None,
        parameter_overrides: list[dict[str, Any]] | None = None,
        operation_preferences: dict[str, Any] | None = None,
        operation_id: str | None = None,
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        operation_id = self._check_can_start(stack_set, operation_id)
        if parameter_overrides:
            raise ValidationError("the local endpoint does not emulate ParameterOverrides")
        results = []
        for account, region, _ in self._placements(deployment_targets, regions, accounts):
            instance = stack_set.instances.get((account, region))
            if instance is None:
                raise StackInstanceNotFound(
                    f"Stack instance in account {account} and region {region} not found "
                    f"for StackSet {stack_set.name}"
                )
            results.append(OperationResult(account, region, instance.organizational_unit, "deploy"))
        return self._start(
            stack_set,
            operation_id,
            "UPDATE",
            results,
            regions=regions,
            preferences=operation_preferences,
            targets=deployment_targets,
        )

    def delete_stack_instances(
        self,
        stack_set_name: str,
        regions: list[str],
        retain_stacks: bool,
        deployment_targets: dict[str, Any] | None = None,
        accounts: list[str] | None = None,
        operation_preferences: dict[str, Any] | None = None,
        operation_id: str | None = None,
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        operation_id = self._check_can_start(stack_set, operation_id)
        units = (deployment_targets or {}).get("OrganizationalUnitIds") or []
        if accounts or not units:
            raise ValidationError(_OU_TARGETS_ONLY)
        results = [
            OperationResult(i.account, i.region, i.organizational_unit, "remove")
            for i in stack_set.instances.values()
            if i.organizational_unit in units and i.region in regions
        ]
        for unit in units:
            left = [r for r in stack_set.targets.get(unit, []) if r not in regions]
            if left:
                stack_set.targets[unit] = left
            else:
                stack_set.targets.pop(unit, None)
                self.members.get(stack_set.name, {}).pop(unit, None)
        return self._start(
            stack_set,
            operation_id,
            "DELETE",
            results,
            regions=regions,
            preferences=operation_preferences,
            targets=deployment_targets,
            retain_stacks=retain_stacks,
        )

    def list_stack_instances(
        self,
        stack_set_name: str,
        filters: list[dict[str, str]] | None = None,
        stack_instance_account: str | None = None,
        stack_instance_region: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        wanted = {f["Name"]: f["Values"] for f in filters or []}
        found = [
            instance.summary(stack_set.id)
            for (account, region), instance in sorted(stack_set.instances.items())
            if stack_instance_account in (None, account)
            and stack_instance_region in (None, region)
            and wanted.get("DETAILED_STATUS", instance.detailed_status) == instance.detailed_status
            and wanted.get("LAST_OPERATION_ID", instance.last_operation_id)
            == instance.last_operation_id
        ]
        return _page(found, max_results, next_token)

    def describe_stack_instance(
        self, stack_set_name: str, stack_instance_account: str, stack_instance_region: str
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        instance = stack_set.instances.get((stack_instance_account, stack_instance_region))
        if instance is None:
            raise StackInstanceNotFound(
                f"Stack instance in account {stack_instance_account} and region "
                f"{stack_instance_region} not found for StackSet {stack_set.name}"
            )
        return {"StackInstance": {**instance.summary(stack_set.id), "ParameterOverrides": []}}

    def _operation(self, stack_set: StackSet, operation_id: str) -> Operation:
        operation = stack_set.operations.get(operation_id)
        if operation is None:
            raise OperationNotFound(f"Operation {operation_id} not found")
        return operation

    def describe_stack_set_operation(
        self, stack_set_name: str, operation_id: str
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        operation = self._operation(stack_set, operation_id)
        progress.observe(stack_set, operation)
        return {"StackSetOperation": operation.describe(stack_set)}

    def list_stack_set_operations(
        self, stack_set_name: str, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        newest_first = [
            operation.summary() for operation in reversed(stack_set.operations.values())
        ]
        return _page(newest_first, max_results, next_token)

    def list_stack_set_operation_results(
        self,
        stack_set_name: str,
        operation_id: str,
        filters: list[dict[str, str]] | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        operation = self._operation(stack_set, operation_id)
        wanted = {f["Name"]: f["Values"] for f in filters or []}.get("OPERATION_RESULT_STATUS")
        found = [r.summary() for r in operation.results if wanted in (None, r.status)]
        return _page(found, max_results, next_token)

    def list_stack_set_auto_deployment_targets(
        self, stack_set_name: str, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        found = [
            {"OrganizationalUnitId": unit, "Regions": list(regions)}
            for unit, regions in sorted(stack_set.targets.items())
        ]
        return _page(found, max_results, next_token)

    def stop_stack_set_operation(self, stack_set_name: str, operation_id: str) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        operation = self._operation(stack_set, operation_id)
        if operation.status != "RUNNING":
            raise InvalidOperation(f"Operation {operation_id} is {operation.status}, not RUNNING")
        operation.status = "STOPPING"
        return {}
