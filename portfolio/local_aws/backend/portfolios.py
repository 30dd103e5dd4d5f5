"""Portfolio operations: create, describe, update, delete, list."""

from __future__ import annotations

from typing import Any

from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.backend.tags import merged_tags, tag_list
from portfolio.local_aws.exceptions import ResourceInUse
from portfolio.local_aws.models import Portfolio, new_id, utc_now


class PortfolioOperations(CatalogState):
    """CreatePortfolio, DescribePortfolio, UpdatePortfolio, DeletePortfolio, ListPortfolios."""

    def create_portfolio(
        self,
        display_name: str,
        provider_name: str,
        idempotency_token: str | None = None,
        description: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        def create() -> str:
            portfolio_id = new_id("port-")
            self.portfolios[portfolio_id] = Portfolio(
                id=portfolio_id,
                arn=self._arn("portfolio", portfolio_id),
                display_name=display_name,
                provider_name=provider_name,
                description=description,
                created_time=utc_now(),
                tags=merged_tags({}, tags, None),
            )
            return portfolio_id

        portfolio = self._portfolio(self._idempotent("CreatePortfolio", idempotency_token, create))
        return {"PortfolioDetail": portfolio.detail(), "Tags": tag_list(portfolio.tags)}

    def describe_portfolio(self, id: str) -> dict[str, Any]:
        portfolio = self._portfolio(id)
        return {
            "PortfolioDetail": portfolio.detail(),
            "Tags": tag_list(portfolio.tags),
            "TagOptions": self._linked_tag_options(id),
            "Budgets": [],
        }

    def update_portfolio(
        self,
        id: str,
        display_name: str | None = None,
        description: str | None = None,
        provider_name: str | None = None,
        add_tags: list[dict[str, str]] | None = None,
        remove_tags: list[str] | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(id)
        portfolio.tags = merged_tags(portfolio.tags, add_tags, remove_tags)
        if display_name is not None:
            portfolio.display_name = display_name
        if description is not None:
            portfolio.description = description
        if provider_name is not None:
            portfolio.provider_name = provider_name
        return {"PortfolioDetail": portfolio.detail(), "Tags": tag_list(portfolio.tags)}

    def delete_portfolio(self, id: str) -> dict[str, Any]:
        portfolio = self._portfolio(id)
        in_use = {
            "products": portfolio.product_ids,
            "principals": portfolio.principals,
            "constraints": [c for c in self.constraints.values() if c.portfolio_id == id],
            "shares": portfolio.shares,
        }
        remaining = [name for name, items in in_use.items() if items]
        if remaining:
            raise ResourceInUse(
                f"Portfolio {id} still has {', '.join(remaining)}; remove them before deleting it."
            )
        self.tag_option_links.pop(id, None)
        del self.portfolios[id]
        return {}

    def list_portfolios(
        self, page_token: str | None = None, page_size: int | None = None
    ) -> dict[str, Any]:
        details = [portfolio.detail() for portfolio in self.portfolios.values()]
        page = page_of(details, page_size, page_token)
        return page_response("PortfolioDetails", "NextPageToken", page)
