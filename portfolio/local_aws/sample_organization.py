"""An AWS organization with OUs of member accounts, made through moto's Organizations API: what
``make demo``, ``benchmarks/org_scale.py`` and the tests of the spokes deploy to.

The caller's account (moto's 123456789012 by default) becomes the management account; each
OU sits under the root and holds new member accounts (moto gives each a random 12-digit ID and
an ``OrganizationAccountAccessRole``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SampleOrganization:
    id: str
    root: str
    management_account: str
    #: OU ID -> its member accounts, in the order they were created.
    units: dict[str, list[str]] = field(default_factory=dict)

    @property
    def accounts(self) -> list[str]:
        return [account for accounts in self.units.values() for account in accounts]


def create_organization(organizations: Any, units: Sequence[tuple[str, int]]) -> SampleOrganization:
    """A new organization with, per (name, count) of ``units``, an OU of ``count`` accounts."""
    described = organizations.create_organization(FeatureSet="ALL")["Organization"]
    root = organizations.list_roots()["Roots"][0]["Id"]
    sample = SampleOrganization(described["Id"], root, described["MasterAccountId"])
    for name, count in units:
        unit = organizations.create_organizational_unit(ParentId=root, Name=name)
        unit_id = unit["OrganizationalUnit"]["Id"]
        sample.units[unit_id] = []
        for index in range(count):
            add_account(organizations, sample, unit_id, f"{name}-{index + 1}")
    return sample


def add_account(organizations: Any, sample: SampleOrganization, unit: str, name: str) -> str:
    """A new member account, moved into ``unit``."""
    status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
    account = status["CreateAccountStatus"]["AccountId"]
    organizations.move_account(
        AccountId=account, SourceParentId=sample.root, DestinationParentId=unit
    )
    sample.units.setdefault(unit, []).append(account)
    return str(account)
