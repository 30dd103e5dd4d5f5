"""Organization nodes a portfolio is shared with: their format, and the accounts below them.

Nodes are checked for format only; which accounts a node reaches comes from moto's
Organizations (empty when moto knows no such organization).
"""

from __future__ import annotations

import re

from portfolio.local_aws.exceptions import InvalidParameters

ORGANIZATION_SHARE_TYPES = {
    "ORGANIZATION": "ORGANIZATION",
    "ORGANIZATIONAL_UNIT": "ORGANIZATIONAL_UNIT",
    "ACCOUNT": "ORGANIZATION_MEMBER_ACCOUNT",
}
"""OrganizationNode.Type -> the share Type that DescribePortfolioShares reports."""


_NODE_VALUE = {
    "ORGANIZATION": re.compile(
        r"(?:arn:aws[a-z-]*:organizations::\d{12}:organization/)?(?P<id>o-[a-z0-9]{10,32})"
    ),
    "ORGANIZATIONAL_UNIT": re.compile(
        r"(?:arn:aws[a-z-]*:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/)?"
        r"(?P<id>ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})"
    ),
    "ACCOUNT": re.compile(r"(?P<id>\d{12})"),
}


def organization_node_id(node: dict[str, str]) -> tuple[str, str]:
    """(share type, node id) of an OrganizationNode; InvalidParameters when it is malformed."""
    node_type, value = node.get("Type"), node.get("Value")
    if node_type not in _NODE_VALUE or not value:
        raise InvalidParameters("OrganizationNode needs a Type and a Value")
    match = _NODE_VALUE[node_type].fullmatch(value)
    if match is None:
        raise InvalidParameters(f"OrganizationNode Value {value!r} is not a valid {node_type} id")
    return ORGANIZATION_SHARE_TYPES[node_type], match.group("id")


def accounts_under(organization_node_id: str) -> list[str]:
    """Accounts below an organization node in moto's Organizations (empty when unknown)."""
    from moto.organizations.models import organizations_backends

    for account_backends in list(organizations_backends.values()):
        for backend in list(account_backends.values()):
            if backend.org is None:
                continue
            if organization_node_id == backend.org.id:
                return [account.id for account in backend.accounts]
            parents = {organization_node_id}
            for unit in backend.ou:  # units are listed after their parents
                if unit.parent_id in parents:
                    parents.add(unit.id)
            return [account.id for account in backend.accounts if account.parent_id in parents]
    return []
