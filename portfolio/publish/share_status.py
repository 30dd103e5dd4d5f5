"""Where a published portfolio is shared, and what each share reaches (``portfolio status``).

Read-only. A share with an account must be accepted there (``Accepted`` false until it is);
one with the organization or an OU is imported automatically ("If the recipient is in an
organization node, the share is automatically imported, and the field is always set to true":
https://docs.aws.amazon.com/servicecatalog/latest/dg/API_PortfolioShareDetail.html) and
reaches every account below the node (ListPortfolioAccess with OrganizationParentId).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portfolio.manifest.model import Manifest
from portfolio.publish.identity import Candidate, choose, tag_value
from portfolio.publish.observed import SHARE_TYPES, list_portfolios, pages
from portfolio.publish.shares import MEMBER_ACCOUNT, desired_shares

_ORGANIZATION_NODES = ("ORGANIZATION", "ORGANIZATIONAL_UNIT")


class PortfolioUnclear(Exception):
    """Which portfolio is the manifest's cannot be told (the publisher would stop too)."""


@dataclass(frozen=True)
class ShareStatus:
    type: str  # ACCOUNT | ORGANIZATION_MEMBER_ACCOUNT | ORGANIZATIONAL_UNIT | ORGANIZATION
    recipient: str
    accepted: bool
    share_principals: bool
    share_tag_options: bool
    #: Accounts an organization or OU share reaches (None for an account share).
    accounts_reached: int | None = None
    #: The manifest lists it, but the portfolio is not shared so (not published yet).
    missing: bool = False

    @property
    def state(self) -> str:
        if self.missing:
            return "missing (run `portfolio publish`)"
        if self.type in _ORGANIZATION_NODES:
            return f"shared, reaches {self.accounts_reached} account(s)"
        return "accepted" if self.accepted else "waiting for acceptance in the account"

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "recipient": self.recipient,
            "state": self.state,
            "accepted": self.accepted,
            "share_principals": self.share_principals,
            "share_tag_options": self.share_tag_options,
            "accounts_reached": self.accounts_reached,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class PortfolioShares:
    region: str
    portfolio_id: str | None  # None: not published in this region
    shares: tuple[ShareStatus, ...]


def _accounts_reached(sc: Any, portfolio_id: str, node: str) -> int:
    return len(
        list(
            pages(
                sc.list_portfolio_access,
                "AccountIds",
                next_token="NextPageToken",
                PortfolioId=portfolio_id,
                OrganizationParentId=node,
                PageSize=20,
            )
        )
    )


def _share(sc: Any, portfolio_id: str, detail: Mapping[str, Any]) -> ShareStatus:
    share_type, recipient = detail["Type"], detail["PrincipalId"]
    reached = (
        _accounts_reached(sc, portfolio_id, recipient)
        if share_type in _ORGANIZATION_NODES
        else None
    )
    return ShareStatus(
        type=share_type,
        recipient=recipient,
        accepted=bool(detail.get("Accepted")),
        share_principals=bool(detail.get("SharePrincipals")),
        share_tag_options=bool(detail.get("ShareTagOptions")),
        accounts_reached=reached,
    )


def _portfolio(sc: Any, manifest: Manifest) -> tuple[str | None, str]:
    """(the manifest's portfolio ID, "") as the publisher finds it (its identity tag, else its
    untagged name: ``identity.choose``), or (None, why it cannot tell)."""
    candidates = [
        Candidate(detail["Id"], detail["DisplayName"], tag_value(described.get("Tags", [])))
        for detail, described in list_portfolios(sc).values()
    ]
    info = manifest.portfolio
    choice = choose("portfolio", info.display_name, info.identity, candidates, "portfolio.id")
    return (choice.chosen.id if choice.chosen else None), choice.problem


def read_share_status(sc: Any, manifest: Manifest, region: str) -> PortfolioShares:
    """The portfolio's shares in ``region``, and those the manifest lists that it lacks;
    PortfolioUnclear when the publisher could not tell which portfolio is the manifest's."""
    portfolio_id, problem = _portfolio(sc, manifest)
    if problem:
        raise PortfolioUnclear(f"{region}: {problem}")
    wanted = desired_shares(manifest)
    if portfolio_id is None:
        missing = [
            ShareStatus(kind, recipient, False, principals, tags, missing=True)
            for (kind, recipient), (tags, principals) in wanted.items()
        ]
        return PortfolioShares(region, None, tuple(missing))
    shares = [
        _share(sc, portfolio_id, detail)
        for share_type in SHARE_TYPES
        for detail in pages(
            sc.describe_portfolio_shares,
            "PortfolioShareDetails",
            PortfolioId=portfolio_id,
            Type=share_type,
            PageSize=100,
        )
    ]
    present = {(s.type, s.recipient) for s in shares}
    present |= {("ACCOUNT", s.recipient) for s in shares if s.type == MEMBER_ACCOUNT}
    shares += [
        ShareStatus(kind, recipient, False, principals, tags, missing=True)
        for (kind, recipient), (tags, principals) in wanted.items()
        if (kind, recipient) not in present
    ]
    return PortfolioShares(region, portfolio_id, tuple(shares))
