"""A service-managed StackSet, its stack instances and operations, as data.

Statuses are AWS's (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/):
an operation is QUEUED, RUNNING, SUCCEEDED, FAILED, STOPPING or STOPPED
(API_StackSetOperation.html); its result per account and Region PENDING, RUNNING, SUCCEEDED,
FAILED or CANCELLED (API_StackSetOperationResultSummary.html); a stack instance CURRENT,
OUTDATED or INOPERABLE, with a detailed status (API_StackInstanceSummary.html,
API_StackInstanceComprehensiveStatus.html).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portfolio.local_aws import settings
from portfolio.local_aws.models import utc_now, without_none
from portfolio.local_aws.stack_sets.deployment import Deployed
from portfolio.local_aws.stack_sets.exceptions import ValidationError

#: Operation states in which no other operation may start (OperationInProgressException).
ACTIVE_OPERATION = frozenset({"QUEUED", "RUNNING", "STOPPING"})


@dataclass(frozen=True)
class Preferences:
    """StackSetOperationPreferences, with AWS's defaults: one account at a time, no failure
    tolerated, one Region after the other, strict failure tolerance
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html)."""

    region_concurrency: str = "SEQUENTIAL"
    region_order: tuple[str, ...] = ()
    failure_count: int | None = None
    failure_percentage: int | None = None
    max_count: int | None = None
    max_percentage: int | None = None
    mode: str = "STRICT_FAILURE_TOLERANCE"

    @classmethod
    def of(cls, request: dict[str, Any] | None) -> Preferences:
        request = request or {}
        for count, percentage in (
            ("FailureToleranceCount", "FailureTolerancePercentage"),
            ("MaxConcurrentCount", "MaxConcurrentPercentage"),
        ):
            if count in request and percentage in request:
                raise ValidationError(f"You must specify either {count} or {percentage}, not both")
        return cls(
            region_concurrency=request.get("RegionConcurrencyType", "SEQUENTIAL"),
            region_order=tuple(request.get("RegionOrder", ())),
            failure_count=request.get("FailureToleranceCount"),
            failure_percentage=request.get("FailureTolerancePercentage"),
            max_count=request.get("MaxConcurrentCount"),
            max_percentage=request.get("MaxConcurrentPercentage"),
            mode=request.get("ConcurrencyMode", "STRICT_FAILURE_TOLERANCE"),
        )

    def tolerance(self, accounts: int) -> int:
        """Failures a Region tolerates; a percentage rounds down."""
        if self.failure_percentage is not None:
            return math.floor(accounts * self.failure_percentage / 100)
        return self.failure_count or 0

    def concurrency(self, accounts: int, failed: int) -> int:
        """Accounts worked on at once. A percentage rounds down, but never to zero; in strict
        mode the concurrency starts at tolerance + 1 and drops with each failure."""
        if self.max_percentage is not None:
            wanted = max(1, math.floor(accounts * self.max_percentage / 100))
        else:
            wanted = self.max_count or 1
        if self.mode == "STRICT_FAILURE_TOLERANCE":
            wanted = min(wanted, self.tolerance(accounts) + 1) - failed
        return max(1, wanted)

    def request(self) -> dict[str, Any]:
        return without_none(
            {
                "RegionConcurrencyType": self.region_concurrency,
                "RegionOrder": list(self.region_order) or None,
                "FailureToleranceCount": self.failure_count,
                "FailureTolerancePercentage": self.failure_percentage,
                "MaxConcurrentCount": self.max_count,
                "MaxConcurrentPercentage": self.max_percentage,
                "ConcurrencyMode": self.mode,
            }
        )


@dataclass
class StackInstance:
    account: str
    region: str
    organizational_unit: str
    stack_id: str
    status: str = "OUTDATED"  # CURRENT | OUTDATED | INOPERABLE
    detailed_status: str = "PENDING"
    reason: str = ""
    last_operation_id: str = ""
    deployed: Deployed | None = None

    def summary(self, stack_set_id: str) -> dict[str, Any]:
        return without_none(
            {
                "StackSetId": stack_set_id,
                "Region": self.region,
                "Account": self.account,
                "StackId": self.stack_id,
                "Status": self.status,
                "StatusReason": self.reason or None,
                "StackInstanceStatus": {"DetailedStatus": self.detailed_status},
                "OrganizationalUnitId": self.organizational_unit,
                "DriftStatus": "NOT_CHECKED",
                "LastOperationId": self.last_operation_id or None,
            }
        )


@dataclass
class OperationResult:
    """One account and Region of an operation: what to do there, and how it went."""

    account: str
    region: str
    organizational_unit: str
    work: str  # "deploy" | "remove"
    status: str = "PENDING"
    reason: str = ""

    def summary(self) -> dict[str, Any]:
        return without_none(
            {
                "Account": self.account,
                "Region": self.region,
                "Status": self.status,
                "StatusReason": self.reason or None,
                "AccountGateResult": {
                    "Status": "SKIPPED",
                    "StatusReason": "No account gate function is configured",
                },
                "OrganizationalUnitId": self.organizational_unit,
            }
        )


@dataclass
class Operation:
    id: str
    action: str  # CREATE | UPDATE | DELETE
    preferences: Preferences
    regions: tuple[str, ...]
    results: list[OperationResult]
    deployment_targets: dict[str, Any] | None = None
    retain_stacks: bool | None = None
    status: str = "RUNNING"
    reason: str = ""
    created: datetime = field(default_factory=utc_now)
    ended: datetime | None = None
    started: float = field(default_factory=lambda: settings.clock())
    polls: int = 0
    batches: int = 0

    def describe(self, stack_set: StackSet) -> dict[str, Any]:
        failed = sum(result.status == "FAILED" for result in self.results)
        return without_none(
            {
                "OperationId": self.id,
                "StackSetId": stack_set.id,
                "Action": self.action,
                "Status": self.status,
                "OperationPreferences": self.preferences.request(),
                "RetainStacks": self.retain_stacks,
                "AdministrationRoleARN": None,
                "CreationTimestamp": self.created,
                "EndTimestamp": self.ended,
                "DeploymentTargets": self.deployment_targets,
                "StatusReason": self.reason or None,
                "StatusDetails": {"FailedStackInstancesCount": failed},
            }
        )

    def summary(self) -> dict[str, Any]:
        return without_none(
            {
                "OperationId": self.id,
                "Action": self.action,
                "Status": self.status,
                "CreationTimestamp": self.created,
                "EndTimestamp": self.ended,
                "StatusReason": self.reason or None,
                "OperationPreferences": self.preferences.request(),
            }
        )


@dataclass
class StackSet:
    name: str
    arn_prefix: str  # arn:aws:cloudformation:<region>:<account>:stackset
    template_body: str
    parameters: dict[str, str]
    capabilities: list[str]
    tags: list[dict[str, str]]
    auto_deployment: dict[str, bool]
    description: str = ""
    managed_execution: dict[str, bool] = field(default_factory=lambda: {"Active": False})
    id: str = ""
    status: str = "ACTIVE"
    #: Deployment targets: OU (or root) -> Regions (ListStackSetAutoDeploymentTargets).
    targets: dict[str, list[str]] = field(default_factory=dict)
    instances: dict[tuple[str, str], StackInstance] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.id = self.id or f"{self.name}:{uuid.uuid4()}"

    @property
    def arn(self) -> str:
        return f"{self.arn_prefix}/{self.id}"

    def regions(self) -> list[str]:
        return sorted({region for regions in self.targets.values() for region in regions})

    def active_operation(self) -> Operation | None:
        return next((op for op in self.operations.values() if op.status in ACTIVE_OPERATION), None)

    def describe(self) -> dict[str, Any]:
        return without_none(
            {
                "StackSetName": self.name,
                "StackSetId": self.id,
                "Description": self.description or None,
                "Status": self.status,
                "TemplateBody": self.template_body,
                "Parameters": [
                    {"ParameterKey": key, "ParameterValue": value}
                    for key, value in sorted(self.parameters.items())
                ],
                "Capabilities": self.capabilities,
                "Tags": self.tags,
                "StackSetARN": self.arn,
                "AutoDeployment": self.auto_deployment,
                "PermissionModel": "SERVICE_MANAGED",
                "OrganizationalUnitIds": sorted(self.targets),
                "ManagedExecution": self.managed_execution,
                "Regions": self.regions(),
            }
        )

    def summary(self) -> dict[str, Any]:
        return without_none(
            {
                "StackSetName": self.name,
                "StackSetId": self.id,
                "Description": self.description or None,
                "Status": self.status,
                "AutoDeployment": self.auto_deployment,
                "PermissionModel": "SERVICE_MANAGED",
                "ManagedExecution": self.managed_execution,
            }
        )
