"""Portfolio shares: created, updated or removed only as needed."""

from __future__ import annotations

import dataclasses

from portfolio.publish.observed import ObservedCatalog, ObservedShare
from portfolio.publish.planner import plan_region
from portfolio.publish.steps import Action, StepRef
from tests.support.demo_manifest import demo_manifest_data
from tests.support.plan_builders import PORTFOLIO_ID, converged, manifest, target, with_portfolio


def test_first_publish_shares_with_accounts_and_organization_nodes() -> None:
    m = manifest()
    steps = plan_region(m, target(m), ObservedCatalog(portfolio=None)).steps
    shares = [s for s in steps if s.operation == "create_portfolio_share"]
    assert [s.params for s in shares] == [
        {
            "PortfolioId": StepRef("portfolio", "Signed URLs demo"),
            "AccountId": "111111111111",
            "ShareTagOptions": True,
        },
        {
            "PortfolioId": StepRef("portfolio", "Signed URLs demo"),
            "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-ab12-cdef3456"},
            "ShareTagOptions": True,
            "SharePrincipals": True,
        },
    ]
    assert all(s.wait == "share" for s in shares)


def test_changed_share_flags_update_the_existing_share() -> None:
    m = manifest()
    observed = with_portfolio(
        converged(m),
        shares=(
            ObservedShare("ACCOUNT", "111111111111", True, False),
            ObservedShare("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456", True, False),
        ),
    )
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "update_portfolio_share"
    assert step.detail == "SharePrincipals changed"
    assert step.params["SharePrincipals"] is True


def test_recipients_dropped_from_manifest_are_unshared() -> None:
    data = demo_manifest_data()
    data["shares"] = {"organization": "o-abcdefghij", "share_tag_options": True}
    m = manifest(data)
    observed = converged(manifest())
    steps = plan_region(m, target(m), observed).steps
    assert [(s.action, s.name) for s in steps] == [
        (Action.SHARE, "organization o-abcdefghij"),
        (Action.UNSHARE, "account 111111111111"),
        (Action.UNSHARE, "organizational unit ou-ab12-cdef3456"),
    ]
    assert steps[1].params == {"PortfolioId": PORTFOLIO_ID, "AccountId": "111111111111"}


# --- shares through AWS Organizations with a single account -------------------------------------


def test_member_account_share_not_in_the_manifest_is_unshared_by_organization_node() -> None:
    m = manifest()
    observed = converged(m)
    member = ObservedShare("ORGANIZATION_MEMBER_ACCOUNT", "333333333333", False, False)
    observed = with_portfolio(observed, shares=(*observed.portfolio.shares, member))
    (step,) = plan_region(m, target(m), observed).steps
    assert (step.action, step.name) == (
        Action.UNSHARE,
        "organization member account 333333333333",
    )
    assert step.params == {
        "PortfolioId": PORTFOLIO_ID,
        "OrganizationNode": {"Type": "ACCOUNT", "Value": "333333333333"},
    }
    assert step.wait == "share"


def test_member_account_share_of_a_listed_account_stands_for_its_account_share() -> None:
    """Replacing it would cut the account off until it accepts a new share."""
    m = manifest()  # shares with account 111111111111 (ShareTagOptions true)
    observed = converged(m)
    others = tuple(s for s in observed.portfolio.shares if s.type != "ACCOUNT")
    member = ObservedShare("ORGANIZATION_MEMBER_ACCOUNT", "111111111111", True, False)
    kept = with_portfolio(observed, shares=(*others, member))
    plan = plan_region(m, target(m), kept)
    assert plan.steps == ()
    assert "share organization member account 111111111111 (stands for the account share)" in {
        item.label for item in plan.unchanged
    }
    flags_differ = with_portfolio(
        observed, shares=(*others, dataclasses.replace(member, share_tag_options=False))
    )
    (step,) = plan_region(m, target(m), flags_differ).steps
    assert step.operation == "update_portfolio_share"
    assert step.params == {
        "PortfolioId": PORTFOLIO_ID,
        "OrganizationNode": {"Type": "ACCOUNT", "Value": "111111111111"},
        "ShareTagOptions": True,
    }


def test_listed_account_with_both_kinds_of_share_keeps_the_account_share() -> None:
    m = manifest()
    observed = converged(m)
    member = ObservedShare("ORGANIZATION_MEMBER_ACCOUNT", "111111111111", True, False)
    observed = with_portfolio(observed, shares=(*observed.portfolio.shares, member))
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "delete_portfolio_share"
    assert step.params["OrganizationNode"] == {"Type": "ACCOUNT", "Value": "111111111111"}


def test_organization_node_shares_share_principals_unless_the_manifest_says_not() -> None:
    from portfolio.manifest.model import Manifest, Shares
    from portfolio.publish.shares import desired_shares

    def wanted(share_principals: bool | None) -> dict[tuple[str, str], tuple[bool, bool]]:
        shares = Shares(
            accounts=("111111111111",),
            organizational_units=("ou-ab12-cdef3456",),
            organization="o-abcdefghij",
            share_principals=share_principals,
            share_tag_options=True,
        )
        base: Manifest = manifest()
        return desired_shares(dataclasses.replace(base, shares=shares))

    assert wanted(None) == {
        ("ACCOUNT", "111111111111"): (True, False),  # an account share never shares them
        ("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456"): (True, True),
        ("ORGANIZATION", "o-abcdefghij"): (True, True),
    }
    assert wanted(True) == wanted(None)
    assert wanted(False)[("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456")] == (True, False)
