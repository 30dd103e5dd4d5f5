"""Principals (who may launch the products): associated with the portfolio as the manifest lists
them; associations no longer listed are removed first. Pure planning.

Removing first makes room: a portfolio holds at most 100 principals, 10 of them IAM_PATTERN, so
replacing one at the limit must disassociate the old one first. An association guards nothing
(unlike a constraint), so removing it first loses nothing that matters if a later step fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from portfolio.manifest.model import Manifest
from portfolio.publish.observed import ObservedCatalog
from portfolio.publish.steps import Action, PlanItem, PortfolioId, Subject, Unchanged, catalog_step


def plan_principals(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[PlanItem]:
    """Disassociate principals no longer listed (first: the limits are 100 per portfolio, 10 of
    type IAM_PATTERN), then associate the listed ones that are missing."""
    current = observed.portfolio.principals if observed.portfolio else frozenset()
    wanted = [(principal.type, principal.arn) for principal in manifest.principals]
    for principal_type, arn in sorted(current - set(wanted)):
        yield catalog_step(
            Action.DISASSOCIATE,
            Subject.PRINCIPAL,
            f"{principal_type} {arn}",
            "disassociate_principal_from_portfolio",
            PortfolioId=portfolio,
            PrincipalARN=arn,
            PrincipalType=principal_type,
        )
    for principal_type, arn in wanted:
        if (principal_type, arn) in current:
            yield Unchanged(Subject.PRINCIPAL, f"{principal_type} {arn}")
        else:
            yield catalog_step(
                Action.ASSOCIATE,
                Subject.PRINCIPAL,
                f"{principal_type} {arn}",
                "associate_principal_with_portfolio",
                PortfolioId=portfolio,
                PrincipalARN=arn,
                PrincipalType=principal_type,
            )
