"""AWS Organizations access of Service Catalog, and which accounts a portfolio reaches."""

from __future__ import annotations

from typing import Any

from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.organization_nodes import accounts_under


class OrganizationsAccessOperations(CatalogState):
    """Get/enable/disable AWS Organizations access; ListPortfolioAccess."""

    def get_aws_organizations_access_status(self) -> dict[str, Any]:
        return {"AccessStatus": self.organizations_access}

    def enable_aws_organizations_access(self) -> dict[str, Any]:
        self.organizations_access = "ENABLED"
        return {}

    def disable_aws_organizations_access(self) -> dict[str, Any]:
        self.organizations_access = "DISABLED"
        return {}

    def list_portfolio_access(
        self,
        portfolio_id: str,
        organization_parent_id: str | None = None,
        page_token: str | None = None,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        if organization_parent_id is None:
            account_ids = [
                share.principal_id
                for share in portfolio.shares.values()
                if share.type in ("ACCOUNT", "ORGANIZATION_MEMBER_ACCOUNT")
            ]
        else:
            inheriting: set[str] = set()
            for share in portfolio.shares.values():
                if share.type in ("ORGANIZATION", "ORGANIZATIONAL_UNIT"):
                    inheriting.update(accounts_under(share.principal_id))
            under_parent = accounts_under(organization_parent_id)
            account_ids = [account for account in under_parent if account in inheriting]
        page = page_of(account_ids, page_size, page_token)
        return page_response("AccountIds", "NextPageToken", page)
