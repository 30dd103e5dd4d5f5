"""moto's Organizations, extended where service-managed StackSets need it.

- StackSets' service principal (``member.org.stacksets.cloudformation.amazonaws.com``) may have
  a delegated administrator (moto's list of such services lacks it):
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-delegated-admin.html
- A delegated administrator reads the organization (its OUs, accounts, delegated
  administrators) like the management account: AWS lets "the organization's management account
  or a member account that is a delegated administrator" call the read operations
  (https://docs.aws.amazon.com/organizations/latest/APIReference/action-reference.html), while
  moto answers a member account from its own, empty, backend. Another member account gets
  AccessDeniedException, as in AWS.

``install()`` (called by ``portfolio.local_aws.responses.install``) applies both; idempotent.
"""

from __future__ import annotations

from typing import Any

from moto.organizations.exceptions import OrganizationsClientError
from moto.organizations.models import (
    FakeDelegatedAdministrator,
    OrganizationsBackend,
    organizations_backends,
)
from moto.organizations.responses import OrganizationsResponse

from portfolio.names import STACKSETS_SERVICE_PRINCIPAL

#: Read operations a delegated administrator may call (moto already answers DescribeOrganization
#: and ListRoots from the management account for every member).
DELEGATED_READS = frozenset(
    {
        "DescribeOrganizationalUnit",
        "DescribeAccount",
        "ListAccounts",
        "ListAccountsForParent",
        "ListOrganizationalUnitsForParent",
        "ListChildren",
        "ListParents",
        "ListDelegatedAdministrators",
        "ListDelegatedServicesForAccount",
        "ListAWSServiceAccessForOrganization",
    }
)
_INSTALLED_MARK = "_portfolio_delegated_reads"


class AccessDenied(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__(
            "AccessDeniedException", "You don't have permissions to access this resource."
        )


def _organizations_backend(response: OrganizationsResponse) -> OrganizationsBackend:
    """The backend a request reads: the management account's for a delegated administrator."""
    backends: Any = organizations_backends
    own: OrganizationsBackend = backends[response.current_account][response.partition]
    owner = backends.master_accounts.get(response.current_account)
    if own.org is not None or owner is None or response._get_action() not in DELEGATED_READS:
        return own
    management: OrganizationsBackend = backends[owner[0]][owner[1]]
    if any(admin.account.id == response.current_account for admin in management.admins):
        return management
    raise AccessDenied()


def install() -> None:
    """Let StackSets have a delegated administrator, who reads the organization (idempotent)."""
    if getattr(OrganizationsResponse, _INSTALLED_MARK, False):
        return
    if STACKSETS_SERVICE_PRINCIPAL not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(STACKSETS_SERVICE_PRINCIPAL)
    OrganizationsResponse.organizations_backend = property(_organizations_backend)  # type: ignore[assignment,method-assign]
    setattr(OrganizationsResponse, _INSTALLED_MARK, True)
