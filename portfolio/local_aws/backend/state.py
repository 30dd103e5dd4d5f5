"""What one account's Service Catalog holds in one region, and the lookups every operation
family shares: resources by id, idempotency tokens, portfolios other accounts shared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.base_backend import BaseBackend

from portfolio.local_aws import settings
from portfolio.local_aws.exceptions import InvalidParameters, ResourceNotFound
from portfolio.local_aws.models import Constraint, Portfolio, Product, ShareOperation, TagOption


class CatalogState(BaseBackend):
    """The state of one account and region; the operation mixins of ``backend`` work on it."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.portfolios: dict[str, Portfolio] = {}
        self.products: dict[str, Product] = {}
        self.constraints: dict[str, Constraint] = {}
        self.tag_options: dict[str, TagOption] = {}
        self.tag_option_links: dict[str, list[str]] = {}
        self.share_operations: dict[str, ShareOperation] = {}
        self.idempotent_results: dict[tuple[str, str], str] = {}
        self.organizations_access = settings.ORGANIZATIONS_ACCESS
        self.imported_portfolio_ids: list[str] = []  # of other accounts, shares accepted here

    # ------------------------------------------------------------------------ shared lookups

    def _arn(self, kind: str, resource_id: str) -> str:
        scope = f"{self.partition}:catalog:{self.region_name}:{self.account_id}"
        return f"arn:{scope}:{kind}/{resource_id}"

    def _portfolio(self, portfolio_id: str | None) -> Portfolio:
        portfolio = self.portfolios.get(portfolio_id or "")
        if portfolio is None:
            raise ResourceNotFound(f"Portfolio {portfolio_id} not found.")
        return portfolio

    def _product(self, product_id: str | None) -> Product:
        product = self.products.get(product_id or "")
        if product is None:
            raise ResourceNotFound(f"Product {product_id} not found.")
        return product

    def _product_by_name(self, name: str) -> Product:
        matches = [product for product in self.products.values() if product.name == name]
        if not matches:
            raise ResourceNotFound(f"Product with name {name} not found.")
        if len(matches) > 1:
            raise InvalidParameters(f"Multiple products with name {name} found.")
        return matches[0]

    def _constraint(self, constraint_id: str) -> Constraint:
        constraint = self.constraints.get(constraint_id)
        if constraint is None:
            raise ResourceNotFound(f"Constraint {constraint_id} not found.")
        return constraint

    def _tag_option(self, tag_option_id: str) -> TagOption:
        tag_option = self.tag_options.get(tag_option_id)
        if tag_option is None:
            raise ResourceNotFound(f"TagOption {tag_option_id} not found.")
        return tag_option

    def _linked_tag_options(self, resource_id: str) -> list[dict[str, Any]]:
        linked = self.tag_option_links.get(resource_id, [])
        return [self.tag_options[tag_option_id].detail() for tag_option_id in linked]

    def _idempotent(self, operation: str, token: str | None, create: Callable[[], str]) -> str:
        """The id created by an earlier request with this token, else the id ``create`` makes."""
        key = (operation, token or "")
        if token and key in self.idempotent_results:
            return self.idempotent_results[key]
        resource_id = create()
        if token:
            self.idempotent_results[key] = resource_id
        return resource_id

    def _constraints_of(self, portfolio_id: str, product_id: str) -> list[Constraint]:
        return [
            constraint
            for constraint in self.constraints.values()
            if constraint.portfolio_id == portfolio_id and constraint.product_id == product_id
        ]

    def _portfolio_elsewhere(self, portfolio_id: str) -> tuple[CatalogState, Portfolio] | None:
        """(owner backend, portfolio) of a portfolio another account holds in this region."""
        from portfolio.local_aws.backend import local_service_catalog_backends  # import cycle

        for account_id in list(local_service_catalog_backends.keys()):
            if account_id == self.account_id:
                continue
            backend = dict.get(local_service_catalog_backends[account_id], self.region_name)
            if backend is not None and portfolio_id in backend.portfolios:
                return backend, backend.portfolios[portfolio_id]
        return None
