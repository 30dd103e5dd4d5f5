"""Create, describe, update, list and delete service-managed StackSets; trusted access with
AWS Organizations (Describe/ActivateOrganizationsAccess).

UpdateStackSet "updates the StackSet and associated stack instances": a new template or new
parameters mark every instance OUTDATED and update the ones targeted (all of them unless
DeploymentTargets/Regions narrow it), and the StackSet keeps the change even when the operation
fails (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackSet.html).
"""

from __future__ import annotations

from typing import Any

from portfolio.local_aws.stack_sets import templates
from portfolio.local_aws.stack_sets.exceptions import (
    InvalidOperation,
    NameAlreadyExists,
    OperationInProgress,
    StackSetNotEmpty,
    ValidationError,
)
from portfolio.local_aws.stack_sets.models import OperationResult, StackSet
from portfolio.local_aws.stack_sets.state import StackSetState

_LOCAL_LIMIT = (
    "the local endpoint emulates service-managed StackSets only (PermissionModel SERVICE_MANAGED)"
)


class StackSetOperations(StackSetState):
    def create_stack_set(
        self,
        stack_set_name: str,
        template_body: str | None = None,
        template_url: str | None = None,
        parameters: list[dict[str, Any]] | None = None,
        capabilities: list[str] | None = None,
        tags: list[dict[str, str]] | None = None,
        permission_model: str | None = None,
        auto_deployment: dict[str, bool] | None = None,
        description: str | None = None,
        managed_execution: dict[str, bool] | None = None,
    ) -> dict[str, Any]:
        if permission_model != "SERVICE_MANAGED":
            raise ValidationError(_LOCAL_LIMIT)
        existing = self.stack_sets.get(stack_set_name)
        if existing is not None:
            raise NameAlreadyExists(f"StackSet {stack_set_name} already exists")
        text = templates.template_text(template_body, template_url)
        template = templates.parsed(text)
        templates.check_capabilities(template, capabilities or [])
        stack_set = StackSet(
            name=stack_set_name,
            arn_prefix=f"arn:{self.partition}:cloudformation:{self.region_name}:{self.account_id}:stackset",
            template_body=text,
            parameters=templates.parameter_values(template, parameters or [], {}),
            capabilities=list(capabilities or []),
            tags=list(tags or []),
            auto_deployment=_auto_deployment(auto_deployment or {"Enabled": False}),
            description=description or "",
            managed_execution=managed_execution or {"Active": False},
        )
        self.stack_sets[stack_set_name] = stack_set
        return {"StackSetId": stack_set.id}

    def describe_stack_set(self, stack_set_name: str) -> dict[str, Any]:
        return {"StackSet": self._stack_set(stack_set_name).describe()}

    def list_stack_sets(self, status: str | None = None) -> dict[str, Any]:
        found = [self._stack_set(name) for name in list(self.stack_sets)]
        return {"Summaries": [s.summary() for s in found if status in (None, s.status)]}

    def update_stack_set(
        self,
        stack_set_name: str,
        description: str | None = None,
        template_body: str | None = None,
        template_url: str | None = None,
        use_previous_template: bool | None = None,
        parameters: list[dict[str, Any]] | None = None,
        capabilities: list[str] | None = None,
        tags: list[dict[str, str]] | None = None,
        operation_preferences: dict[str, Any] | None = None,
        deployment_targets: dict[str, Any] | None = None,
        regions: list[str] | None = None,
        auto_deployment: dict[str, bool] | None = None,
        operation_id: str | None = None,
        accounts: list[str] | None = None,
        permission_model: str | None = None,
    ) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        if accounts or permission_model not in (None, "SERVICE_MANAGED"):
            raise ValidationError(_LOCAL_LIMIT)
        operation_id = self._check_can_start(stack_set, operation_id)
        previous = stack_set.template_body if use_previous_template else None
        text = templates.template_text(template_body, template_url, previous)
        template = templates.parsed(text)
        templates.check_capabilities(template, capabilities or [])
        values = templates.parameter_values(template, parameters or [], stack_set.parameters)
        if text != stack_set.template_body or values != stack_set.parameters:
            for instance in stack_set.instances.values():
                if instance.status == "CURRENT":
                    instance.status = "OUTDATED"
        stack_set.template_body, stack_set.parameters = text, values
        stack_set.capabilities = list(capabilities or [])
        stack_set.tags = list(tags) if tags is not None else stack_set.tags
        stack_set.description = description if description is not None else stack_set.description
        if auto_deployment is not None:
            stack_set.auto_deployment = _auto_deployment(auto_deployment)
        units = (deployment_targets or {}).get("OrganizationalUnitIds")
        results = _updates(stack_set, units, regions)
        return self._start(
            stack_set,
            operation_id,
            "UPDATE",
            results,
            regions=regions or stack_set.regions(),
            preferences=operation_preferences,
            targets=deployment_targets,
        )

    def delete_stack_set(self, stack_set_name: str) -> dict[str, Any]:
        stack_set = self._stack_set(stack_set_name)
        if stack_set.active_operation() is not None:
            raise OperationInProgress(
                f"Another Operation on StackSet {stack_set.id} is in progress"
            )
        if stack_set.instances:
            raise StackSetNotEmpty("StackSet is not empty")
        del self.stack_sets[stack_set.name]
        self.members.pop(stack_set.name, None)
        return {}

    def describe_organizations_access(self) -> dict[str, Any]:
        return {"Status": "ENABLED" if self._organization().trusted_access() else "DISABLED"}

    def activate_organizations_access(self) -> dict[str, Any]:
        self._organization().activate_trusted_access()
        return {}


def _updates(
    stack_set: StackSet, units: list[str] | None, regions: list[str] | None
) -> list[OperationResult]:
    """The instances an update reaches: all of them, or those of ``units`` in ``regions``
    (INOPERABLE ones are left out of updates)."""
    return [
        OperationResult(i.account, i.region, i.organizational_unit, "deploy")
        for i in stack_set.instances.values()
        if (units is None or i.organizational_unit in units)
        and (regions is None or i.region in regions)
        and i.status != "INOPERABLE"
    ]


def _auto_deployment(request: dict[str, bool]) -> dict[str, bool]:
    if not request.get("Enabled") and "RetainStacksOnAccountRemoval" in request:
        raise InvalidOperation(
            "RetainStacksOnAccountRemoval may be specified only if Enabled is set to true"
        )
    if request.get("Enabled"):
        return {
            "Enabled": True,
            "RetainStacksOnAccountRemoval": bool(request.get("RetainStacksOnAccountRemoval")),
        }
    return {"Enabled": False}
