"""Which accounts and Regions have the launch role from the spokes' StackSet, and which do not
(``portfolio status``, and the check after adding an account to a shared OU).

Read-only: DescribeStackSet (does it exist) and ListStackInstances. An instance that is
CURRENT has the StackSet's template deployed: the launch role and the permissions boundary,
up to date; any other one is listed with its status and CloudFormation's reason
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackInstanceSummary.html).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from portfolio.bootstrap.stack_set_deployment import list_instances
from portfolio.bootstrap.stack_set_plan import InstanceState


@dataclass(frozen=True)
class SpokeStatus:
    stack_set: str
    region: str
    exists: bool
    instances: tuple[InstanceState, ...] = ()

    def with_role(self) -> dict[tuple[str, str], list[str]]:
        """(OU, Region) -> the accounts whose launch role is current there."""
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for instance in self.instances:
            if instance.state == "current":
                found[(instance.organizational_unit, instance.region)].append(instance.account)
        return dict(sorted(found.items()))

    def without_role(self) -> list[InstanceState]:
        return [instance for instance in self.instances if instance.state != "current"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack_set": self.stack_set,
            "region": self.region,
            "exists": self.exists,
            "instances": [
                {
                    "account": i.account,
                    "region": i.region,
                    "organizational_unit": i.organizational_unit,
                    "state": i.state,
                    "status": i.status,
                    "detailed_status": i.detailed_status,
                    "reason": i.reason,
                }
                for i in self.instances
            ],
        }


def read_spoke_status(cloudformation: Any, name: str, region: str, call_as: str) -> SpokeStatus:
    try:
        cloudformation.describe_stack_set(StackSetName=name, CallAs=call_as)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "StackSetNotFoundException":
            return SpokeStatus(name, region, exists=False)
        raise
    return SpokeStatus(name, region, True, list_instances(cloudformation, name, call_as))
