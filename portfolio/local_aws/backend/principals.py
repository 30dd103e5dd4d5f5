"""Principal operations: the IAM principals (or patterns) a portfolio grants access to."""

from __future__ import annotations

import re
from typing import Any

from portfolio.local_aws import settings
from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.exceptions import InvalidParameters, LimitExceeded, ResourceNotFound

_IAM_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(role|user|group)/[\w+=,.@/-]+")
_IAM_PATTERN_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam:::(role|user|group)/[\w+=,.@/*?-]+")


def check_principal(principal_arn: str, principal_type: str) -> None:
    """IAM principals name an account; IAM_PATTERN principals must not (and may use * and ?)."""
    pattern = _IAM_PRINCIPAL if principal_type == "IAM" else _IAM_PATTERN_PRINCIPAL
    if not pattern.fullmatch(principal_arn):
        shape = (
            "arn:aws:iam::<account>:role/<name>"
            if principal_type == "IAM"
            else "arn:aws:iam:::role/<path>/<name pattern> (no account id)"
        )
        raise InvalidParameters(
            f"PrincipalARN {principal_arn!r} is not valid for PrincipalType {principal_type}: "
            f"expected {shape}"
        )


class PrincipalOperations(CatalogState):
    """Associate (within AWS's limits), disassociate and list a portfolio's principals."""

    def associate_principal_with_portfolio(
        self, portfolio_id: str, principal_arn: str, principal_type: str
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        check_principal(principal_arn, principal_type)
        if principal_arn in portfolio.principals:
            return {}
        limit = settings.MAX_PRINCIPALS_PER_PORTFOLIO
        if len(portfolio.principals) >= limit:
            raise LimitExceeded(f"Portfolio {portfolio_id} already has {limit} principals")
        patterns = sum(1 for kind in portfolio.principals.values() if kind == "IAM_PATTERN")
        pattern_limit = settings.MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO
        if principal_type == "IAM_PATTERN" and patterns >= pattern_limit:
            raise LimitExceeded(
                f"Portfolio {portfolio_id} already has {pattern_limit} "
                "principals of type IAM_PATTERN"
            )
        portfolio.principals[principal_arn] = principal_type
        return {}

    def disassociate_principal_from_portfolio(
        self, portfolio_id: str, principal_arn: str, principal_type: str | None = None
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        known_type = portfolio.principals.get(principal_arn)
        if known_type is None or (principal_type is not None and principal_type != known_type):
            raise ResourceNotFound(
                f"Principal {principal_arn} is not associated with portfolio {portfolio_id}."
            )
        del portfolio.principals[principal_arn]
        return {}

    def list_principals_for_portfolio(
        self, portfolio_id: str, page_size: int | None = None, page_token: str | None = None
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        principals = [
            {"PrincipalARN": arn, "PrincipalType": kind}
            for arn, kind in portfolio.principals.items()
        ]
        page = page_of(principals, page_size, page_token)
        return page_response("Principals", "NextPageToken", page)
