"""The spokes as data: what the StackSet should be, what it is, and the calls between the two.

``plan_spokes`` is a pure function of both, so an unchanged template, parameters and targets
plan nothing (zero mutating calls). The order of the calls matters, because a StackSet runs one
operation at a time and each operation uses the StackSet's template of that moment:

1. create the StackSet, or update it (template, parameters, automatic deployment) - an update
   reaches every existing instance
   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackSet.html);
2. delete the instances of OUs (and Regions) no longer wanted, before
3. creating instances for new OUs and Regions (an account that moved between two target OUs
   keeps one instance);
4. with ``retry_failed``, update the instances whose last operation failed, once.

Service-managed StackSets target OUs only; automatic deployment is on and removes an account's
instances when it leaves the OU (``RetainStacksOnAccountRemoval`` off):
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_AutoDeployment.html.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Automatic deployment on: accounts that join a target OU later get the launch role, accounts
#: that leave lose it.
AUTO_DEPLOYMENT = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
#: The spoke template creates a named role and a named policy.
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]


@dataclass(frozen=True)
class OperationPreferences:
    """How fast an operation goes and how many failures stop it, per Region
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).

    AWS's own defaults deploy to one account at a time and stop at the first failure, one
    Region after the other: hours for a few hundred accounts. These defaults deploy to a quarter
    of an OU's accounts at once in every Region, and stop a Region once more than a tenth of
    its accounts failed; SOFT_FAILURE_TOLERANCE keeps the concurrency from collapsing to
    failures + 1 (STRICT's rule). A failed create or update rolls back in that account.
    """

    max_concurrent_percentage: int = 25
    failure_tolerance_percentage: int = 10
    region_concurrency: str = "PARALLEL"
    concurrency_mode: str = "SOFT_FAILURE_TOLERANCE"

    def request(self) -> dict[str, Any]:
        return {
            "MaxConcurrentPercentage": self.max_concurrent_percentage,
            "FailureTolerancePercentage": self.failure_tolerance_percentage,
            "RegionConcurrencyType": self.region_concurrency,
            "ConcurrencyMode": self.concurrency_mode,
        }


@dataclass(frozen=True)
class InstanceState:
    """One stack instance: an account and Region, and whether the launch role is there."""

    account: str
    region: str
    organizational_unit: str
    status: str  # CURRENT | OUTDATED | INOPERABLE
    detailed_status: str  # PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED | INOPERABLE ...
    reason: str = ""

    @property
    def state(self) -> str:
        """current (the role is there, up to date), failed, pending or outdated."""
        if self.status == "CURRENT":
            return "current"
        if self.detailed_status in ("FAILED", "INOPERABLE", "FAILED_IMPORT"):
            return "failed"
        if self.detailed_status in ("PENDING", "RUNNING"):
            return "pending"
        return "outdated"

    @classmethod
    def of(cls, summary: Mapping[str, Any]) -> InstanceState:
        return cls(
            account=summary["Account"],
            region=summary["Region"],
            organizational_unit=summary.get("OrganizationalUnitId", ""),
            status=summary["Status"],
            detailed_status=summary.get("StackInstanceStatus", {}).get("DetailedStatus", ""),
            reason=summary.get("StatusReason", ""),
        )


@dataclass(frozen=True)
class DesiredSpokes:
    """What the StackSet should be: its template and parameters, and per target (an OU or the
    organization's root) the Regions to deploy to."""

    name: str
    template_body: str
    parameters: Mapping[str, str]
    targets: Mapping[str, tuple[str, ...]]
    call_as: str = "SELF"
    preferences: OperationPreferences = field(default_factory=OperationPreferences)
    #: Accounts never to deploy to (a delegated administrator's own account: its hub stack
    #: holds the launch role already).
    excluded_accounts: tuple[str, ...] = ()
    retry_failed: bool = False


@dataclass(frozen=True)
class CurrentStackSet:
    template_body: str
    parameters: Mapping[str, str]
    auto_deployment: Mapping[str, bool]
    capabilities: tuple[str, ...]
    targets: Mapping[str, frozenset[str]]
    instances: tuple[InstanceState, ...]


@dataclass(frozen=True)
class StackSetStep:
    """One mutating call: its boto3 method and request, and a line saying what it does."""

    method: str
    request: Mapping[str, Any]
    label: str

    @property
    def starts_operation(self) -> bool:
        return self.method != "create_stack_set"


def _parameters(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def _where(units: Iterable[str], regions: Iterable[str]) -> str:
    return f"{', '.join(sorted(units))} in {', '.join(sorted(regions))}"


def plan_spokes(desired: DesiredSpokes, current: CurrentStackSet | None) -> list[StackSetStep]:
    """The calls that bring the StackSet from ``current`` (None: none yet) to ``desired``."""
    base = {"StackSetName": desired.name, "CallAs": desired.call_as}
    operation = {**base, "OperationPreferences": desired.preferences.request()}
    steps = []
    if current is None:
        steps.append(_create_step(desired, base))
    elif _outdated(desired, current):
        steps.append(
            StackSetStep(
                "update_stack_set",
                {**operation, **_definition(desired)},
                "update the StackSet (template, parameters or automatic deployment) and every "
                "instance",
            )
        )
    now = current.targets if current else {}
    steps += _deletions(desired, now, operation)
    steps += _creations(desired, now, operation)
    if desired.retry_failed and current is not None:
        steps += _retries(desired, current, operation)
    return steps


def _definition(desired: DesiredSpokes) -> dict[str, Any]:
    return {
        "TemplateBody": desired.template_body,
        "Parameters": _parameters(desired.parameters),
        "Capabilities": CAPABILITIES,
        "AutoDeployment": AUTO_DEPLOYMENT,
    }


def _create_step(desired: DesiredSpokes, base: dict[str, Any]) -> StackSetStep:
    return StackSetStep(
        "create_stack_set",
        {
            **base,
            **_definition(desired),
            "PermissionModel": "SERVICE_MANAGED",
            "Description": "Signed URLs: the launch role and permissions boundary of every "
            "account that receives the portfolio",
        },
        f"create the StackSet {desired.name} (service-managed, automatic deployment)",
    )


def _outdated(desired: DesiredSpokes, current: CurrentStackSet) -> bool:
    return (
        current.template_body != desired.template_body
        or dict(current.parameters) != dict(desired.parameters)
        or dict(current.auto_deployment) != AUTO_DEPLOYMENT
        or not set(CAPABILITIES) <= set(current.capabilities)
    )


def _grouped(pairs: Mapping[str, frozenset[str]]) -> list[tuple[list[str], list[str]]]:
    """OUs that need the same Regions, together: one operation per distinct set of Regions."""
    groups: dict[frozenset[str], list[str]] = {}
    for unit, regions in sorted(pairs.items()):
        if regions:
            groups.setdefault(regions, []).append(unit)
    return [(units, sorted(regions)) for regions, units in groups.items()]


def _deletions(
    desired: DesiredSpokes, now: Mapping[str, frozenset[str]], operation: dict[str, Any]
) -> list[StackSetStep]:
    unwanted = {
        unit: regions - frozenset(desired.targets.get(unit, ())) for unit, regions in now.items()
    }
    return [
        StackSetStep(
            "delete_stack_instances",
            {
                **operation,
                "DeploymentTargets": {"OrganizationalUnitIds": units},
                "Regions": regions,
                "RetainStacks": False,
            },
            f"remove the launch role from {_where(units, regions)}",
        )
        for units, regions in _grouped(unwanted)
    ]


def _targets(desired: DesiredSpokes, units: list[str]) -> dict[str, Any]:
    if not desired.excluded_accounts:
        return {"OrganizationalUnitIds": units}
    return {
        "OrganizationalUnitIds": units,
        "Accounts": list(desired.excluded_accounts),
        "AccountFilterType": "DIFFERENCE",
    }


def _creations(
    desired: DesiredSpokes, now: Mapping[str, frozenset[str]], operation: dict[str, Any]
) -> list[StackSetStep]:
    missing = {
        unit: frozenset(regions) - now.get(unit, frozenset())
        for unit, regions in desired.targets.items()
    }
    return [
        StackSetStep(
            "create_stack_instances",
            {**operation, "DeploymentTargets": _targets(desired, units), "Regions": regions},
            f"deploy the launch role to {_where(units, regions)}",
        )
        for units, regions in _grouped(missing)
    ]


def _retries(
    desired: DesiredSpokes, current: CurrentStackSet, operation: dict[str, Any]
) -> list[StackSetStep]:
    """One update of the failed instances (of OUs still wanted), all at once."""
    failed = [
        instance
        for instance in current.instances
        if instance.state in ("failed", "outdated")
        and instance.region in desired.targets.get(instance.organizational_unit, ())
    ]
    if not failed:
        return []
    units = sorted({instance.organizational_unit for instance in failed})
    accounts = sorted({instance.account for instance in failed})
    regions = sorted({instance.region for instance in failed})
    targets = {
        "OrganizationalUnitIds": units,
        "Accounts": accounts,
        "AccountFilterType": "INTERSECTION",
    }
    return [
        StackSetStep(
            "update_stack_instances",
            {**operation, "DeploymentTargets": targets, "Regions": regions},
            f"retry {len(failed)} failed instance(s) in {_where(accounts, regions)}",
        )
    ]
