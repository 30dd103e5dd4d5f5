"""The organization a StackSet request is made in, read from moto's Organizations.

Service-managed StackSets live in the management account, whoever creates them ("StackSets
with service-managed permissions are created in the management account, including StackSets
that are created by delegated administrators":
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html), and
deploy to the accounts below the target OUs, never to the management account
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html).
Trusted access between StackSets and Organizations is the organization's enabled service
access for ``member.org.stacksets.cloudformation.amazonaws.com``: ActivateOrganizationsAccess
turns it on, exactly as ``aws organizations enable-aws-service-access`` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.organizations.models import OrganizationsBackend, organizations_backends

from portfolio.names import STACKSETS_SERVICE_PRINCIPAL


@dataclass(frozen=True)
class Organization:
    """A view of one organization in moto's Organizations (its management account's backend)."""

    backend: OrganizationsBackend

    @property
    def management_account(self) -> str:
        return str(self.backend.account_id)

    def is_delegated_admin(self, account_id: str) -> bool:
        return any(
            admin.account.id == account_id and STACKSETS_SERVICE_PRINCIPAL in admin.services
            for admin in self.backend.admins
        )

    def trusted_access(self) -> bool:
        return any(
            service["ServicePrincipal"] == STACKSETS_SERVICE_PRINCIPAL
            for service in self.backend.services
        )

    def activate_trusted_access(self) -> None:
        if not self.trusted_access():
            self.backend.enable_aws_service_access(ServicePrincipal=STACKSETS_SERVICE_PRINCIPAL)

    def has_node(self, node_id: str) -> bool:
        """An OU or the root of this organization."""
        return any(unit.id == node_id for unit in self.backend.ou)

    def accounts_below(self, node_id: str) -> list[str]:
        """Active accounts in ``node_id`` and every OU below it, the management account
        excepted, in the order they joined."""
        nodes = {node_id}
        for unit in self.backend.ou:  # a unit is listed after its parent
            if unit.parent_id in nodes:
                nodes.add(unit.id)
        return [
            account.id
            for account in self.backend.accounts
            if account.parent_id in nodes
            and account.id != self.management_account
            and account.status == "ACTIVE"
        ]


def organization_of(account_id: str, partition: str = "aws") -> Organization | None:
    """The organization ``account_id`` manages or belongs to; None outside any."""
    backends: Any = organizations_backends
    owner = backends.master_accounts.get(account_id)
    management = owner[0] if owner else account_id
    backend = backends[management][partition]
    return Organization(backend) if backend.org is not None else None
