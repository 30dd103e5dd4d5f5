"""The StackSet backend: one ``LocalStackSetBackend`` per (management) account and Region, and
which one a request is answered by.

``CallAs`` decides it (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html):
SELF works on the caller's own StackSets and must come from the organization's management
account; DELEGATED_ADMIN must come from an account registered as StackSets' delegated
administrator and works on the management account's StackSets. Every StackSet operation also
needs trusted access with Organizations to be active.
"""

from __future__ import annotations

from moto.core.base_backend import BackendDict

from portfolio.local_aws.stack_sets.exceptions import (
    NO_ORGANIZATIONS_ACCESS,
    NOT_A_DELEGATED_ADMIN,
    NOT_AN_ORGANIZATION_ADMIN,
    InvalidOperation,
    ValidationError,
)
from portfolio.local_aws.stack_sets.instance_ops import InstanceOperations
from portfolio.local_aws.stack_sets.organization import organization_of
from portfolio.local_aws.stack_sets.stack_set_ops import StackSetOperations

__all__ = ["OPERATIONS", "LocalStackSetBackend", "backend_for", "local_stack_set_backends"]


class LocalStackSetBackend(StackSetOperations, InstanceOperations):
    """The service-managed StackSets of one management account in one Region.

    Each public method is one API operation: keyword arguments are the request members in
    snake_case (nested values keep AWS's names), the return value is the response document.
    """


local_stack_set_backends: BackendDict[LocalStackSetBackend] = BackendDict(
    LocalStackSetBackend, "cloudformation"
)
"""The local StackSets: ``local_stack_set_backends[management account][region]``."""

OPERATIONS = (
    "CreateStackSet",
    "DescribeStackSet",
    "UpdateStackSet",
    "DeleteStackSet",
    "ListStackSets",
    "CreateStackInstances",
    "UpdateStackInstances",
    "DeleteStackInstances",
    "ListStackInstances",
    "DescribeStackInstance",
    "DescribeStackSetOperation",
    "ListStackSetOperations",
    "ListStackSetOperationResults",
    "ListStackSetAutoDeploymentTargets",
    "StopStackSetOperation",
    "DescribeOrganizationsAccess",
    "ActivateOrganizationsAccess",
)
"""The CloudFormation operations this backend implements (AWS names)."""

#: Reads any account may make of its own (self-managed) StackSets: it has none here.
_OWN_READS = frozenset(
    {"DescribeStackSet", "ListStackSets", "ListStackInstances", "DescribeStackSetOperation"}
)
#: Operations that need no trusted access (they report or activate it).
_ACCESS_OPERATIONS = frozenset({"DescribeOrganizationsAccess", "ActivateOrganizationsAccess"})


def backend_for(
    operation: str, caller: str, region: str, call_as: str | None, partition: str = "aws"
) -> LocalStackSetBackend:
    """The backend that answers ``operation`` from ``caller`` acting ``call_as``; AWS's
    ValidationError when the caller may not act so."""
    organization = organization_of(caller, partition)
    if call_as == "DELEGATED_ADMIN":
        if organization is None or not organization.is_delegated_admin(caller):
            raise ValidationError(NOT_A_DELEGATED_ADMIN)
    elif organization is None or organization.management_account != caller:
        if operation in _OWN_READS:  # the caller's own StackSets: none are emulated
            return local_stack_set_backends[caller][region]
        raise ValidationError(NOT_AN_ORGANIZATION_ADMIN)
    if operation == "ActivateOrganizationsAccess" and organization.management_account != caller:
        raise InvalidOperation("Only the management account can activate trusted access")
    if operation not in _ACCESS_OPERATIONS and not organization.trusted_access():
        raise ValidationError(NO_ORGANIZATIONS_ACCESS)
    return local_stack_set_backends[organization.management_account][region]
