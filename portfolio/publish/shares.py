"""Portfolio shares with accounts, organizational units and the organization: created, updated
(their ShareTagOptions and SharePrincipals flags) or removed as the manifest lists them. Pure
planning; ``portfolio.publish.apply`` waits for each share to settle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from portfolio.manifest.model import Manifest
from portfolio.publish.observed import ObservedCatalog, ObservedShare
from portfolio.publish.steps import Action, PlanItem, PortfolioId, Step, Subject, Unchanged


def desired_shares(manifest: Manifest) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(type, recipient) -> (share TagOptions, share principals).

    Organization and OU shares share the principals unless the manifest says
    ``share_principals: false``: an IAM_PATTERN principal then reaches every account below
    the node with nothing to do there
    (``SharePrincipals``: https://docs.aws.amazon.com/servicecatalog/latest/dg/API_CreatePortfolioShare.html).
    """
    shares = manifest.shares
    tags, principals = shares.share_tag_options, shares.share_principals is not False
    wanted: dict[tuple[str, str], tuple[bool, bool]] = {
        ("ACCOUNT", account): (tags, False) for account in shares.accounts
    }
    for unit in shares.organizational_units:
        wanted[("ORGANIZATIONAL_UNIT", unit)] = (tags, principals)
    if shares.organization:
        wanted[("ORGANIZATION", shares.organization)] = (tags, principals)
    return wanted


#: An account share is made with AccountId (ACCOUNT); one made through AWS Organizations
#: (OrganizationNode Type ACCOUNT) is reported as ORGANIZATION_MEMBER_ACCOUNT.
MEMBER_ACCOUNT = "ORGANIZATION_MEMBER_ACCOUNT"


def _recipient(share_type: str, recipient: str) -> dict[str, Any]:
    if share_type == "ACCOUNT":
        return {"AccountId": recipient}
    node_type = "ACCOUNT" if share_type == MEMBER_ACCOUNT else share_type
    return {"OrganizationNode": {"Type": node_type, "Value": recipient}}


def _share_label(share_type: str, recipient: str) -> str:
    return f"{share_type.lower().replace('_', ' ')} {recipient}"


def _flags(share_type: str, tags: bool, principals: bool) -> dict[str, bool]:
    """SharePrincipals only for organization and OU shares (AWS refuses it on the others)."""
    if share_type in ("ACCOUNT", MEMBER_ACCOUNT):
        return {"ShareTagOptions": tags}
    return {"ShareTagOptions": tags, "SharePrincipals": principals}


def plan_shares(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[PlanItem]:
    """Share with each recipient, update flags that differ, stop sharing with the rest.

    A listed account already reached by an organization member account share (made through
    AWS Organizations, by hand) keeps that share as its share: replacing it would cut the
    account off until it accepts a new one. Without an AccountId share for it, it is
    compared and updated like one (ShareTagOptions); every other such share is removed."""
    current: dict[tuple[str, str], ObservedShare] = {
        (share.type, share.principal_id): share
        for share in (observed.portfolio.shares if observed.portfolio else ())
    }
    kept: set[tuple[str, str]] = set()
    for (share_type, recipient), (tags, principals) in desired_shares(manifest).items():
        key = _current_share_key(current, share_type, recipient)
        kept.add(key)
        yield _share_item(portfolio, key[0], recipient, tags, principals, current)
    for share_type, recipient in sorted(set(current) - kept):
        yield _share_step(
            Action.UNSHARE, "delete_portfolio_share", portfolio, share_type, recipient, {}
        )


def _current_share_key(
    current: dict[tuple[str, str], ObservedShare], share_type: str, recipient: str
) -> tuple[str, str]:
    """The existing share that stands for a desired one: itself, or for an account without an
    AccountId share, its organization member account share."""
    if (
        share_type == "ACCOUNT"
        and (share_type, recipient) not in current
        and (MEMBER_ACCOUNT, recipient) in current
    ):
        return MEMBER_ACCOUNT, recipient
    return share_type, recipient


def _share_item(
    portfolio: PortfolioId,
    share_type: str,
    recipient: str,
    tags: bool,
    principals: bool,
    current: dict[tuple[str, str], ObservedShare],
) -> PlanItem:
    flags = _flags(share_type, tags, principals)
    existing = current.get((share_type, recipient))
    if existing is None:
        return _share_step(
            Action.SHARE, "create_portfolio_share", portfolio, share_type, recipient, flags
        )
    now = _flags(share_type, existing.share_tag_options, existing.share_principals)
    if now == flags:
        detail = "stands for the account share" if share_type == MEMBER_ACCOUNT else ""
        return Unchanged(Subject.SHARE, _share_label(share_type, recipient), detail)
    step = _share_step(
        Action.UPDATE, "update_portfolio_share", portfolio, share_type, recipient, flags
    )
    changed = ", ".join(name for name in flags if flags[name] != now.get(name))
    return dataclasses.replace(step, detail=f"{changed} changed")


def _share_step(
    action: Action,
    operation: str,
    portfolio: PortfolioId,
    share_type: str,
    recipient: str,
    flags: dict[str, bool],
) -> Step:
    return Step(
        action=action,
        subject=Subject.SHARE,
        name=_share_label(share_type, recipient),
        service="servicecatalog",
        operation=operation,
        params={"PortfolioId": portfolio, **_recipient(share_type, recipient), **flags},
        wait="share",
    )
