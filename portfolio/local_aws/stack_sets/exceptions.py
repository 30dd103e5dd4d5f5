"""The errors CloudFormation answers StackSet requests with (code = the error shape's name in
botocore's model; moto adds the HTTP status the model gives it).

Messages follow what AWS sends where it is known: "Account used is not a delegated
administrator", "You must be the management account or delegated admin account of an
organization before operating a SERVICE_MANAGED stack set" and "You must enable organizations
access to operate a service managed stack set" are the ValidationError messages AWS users
report (e.g. https://github.com/hashicorp/terraform-provider-aws/pull/37069).
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class StackSetError(ServiceException):
    """An error CloudFormation returns for a StackSet request."""


class ValidationError(StackSetError):
    code = "ValidationError"


class StackSetNotFound(StackSetError):
    code = "StackSetNotFoundException"

    def __init__(self, name: str) -> None:
        super().__init__(f"StackSet {name} not found")


class NameAlreadyExists(StackSetError):
    code = "NameAlreadyExistsException"


class OperationInProgress(StackSetError):
    code = "OperationInProgressException"


class OperationIdAlreadyExists(StackSetError):
    code = "OperationIdAlreadyExistsException"


class OperationNotFound(StackSetError):
    code = "OperationNotFoundException"


class StackInstanceNotFound(StackSetError):
    code = "StackInstanceNotFoundException"


class InvalidOperation(StackSetError):
    code = "InvalidOperationException"


class InsufficientCapabilities(StackSetError):
    code = "InsufficientCapabilitiesException"


class StackSetNotEmpty(StackSetError):
    code = "StackSetNotEmptyException"


NOT_A_DELEGATED_ADMIN = "Account used is not a delegated administrator"
NOT_AN_ORGANIZATION_ADMIN = (
    "You must be the management account or delegated admin account of an organization before "
    "operating a SERVICE_MANAGED stack set"
)
NO_ORGANIZATIONS_ACCESS = (
    "You must enable organizations access to operate a service managed stack set"
)
