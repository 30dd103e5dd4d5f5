"""Product operations, and which portfolios a product is in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portfolio.local_aws import settings
from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.provisioning_artifacts import new_artifact
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.backend.tags import merged_tags, tag_list
from portfolio.local_aws.exceptions import (
    InvalidParameters,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
)
from portfolio.local_aws.models import Product, new_id, utc_now


class ProductOperations(CatalogState):
    """Products (create, describe as admin and as end user, update, delete, search) and
    their association with portfolios."""

    def create_product(
        self,
        name: str,
        owner: str,
        product_type: str,
        idempotency_token: str | None = None,
        description: str | None = None,
        distributor: str | None = None,
        support_description: str | None = None,
        support_email: str | None = None,
        support_url: str | None = None,
        tags: list[dict[str, str]] | None = None,
        provisioning_artifact_parameters: dict[str, Any] | None = None,
        source_connection: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if product_type == "MARKETPLACE":
            raise InvalidParameters("ProductType MARKETPLACE cannot be created through this API")
        if provisioning_artifact_parameters is None and source_connection is None:
            raise InvalidParameters(
                "ProvisioningArtifactParameters is required unless SourceConnection is given"
            )

        def create() -> str:
            product_tags = merged_tags({}, tags, None)
            artifact = new_artifact(product_type, provisioning_artifact_parameters or {}, {})
            product_id = new_id("prod-")
            product = Product(
                id=product_id,
                view_id=new_id("prodview-"),
                arn=self._arn("product", product_id),
                name=name,
                owner=owner,
                product_type=product_type,
                created_time=utc_now(),
                description=description,
                distributor=distributor,
                support_description=support_description,
                support_email=support_email,
                support_url=support_url,
                source_connection=source_connection,
                tags=product_tags,
            )
            product.artifacts[artifact.id] = artifact
            self.products[product_id] = product
            return product_id

        product = self._product(self._idempotent("CreateProduct", idempotency_token, create))
        first_artifact = next(iter(product.artifacts.values()))
        return {
            "ProductViewDetail": product.view_detail(),
            "ProvisioningArtifactDetail": first_artifact.detail(),
            "Tags": tag_list(product.tags),
        }

    def describe_product_as_admin(
        self, id: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        if id is None and name is None:
            raise InvalidParameters("Either Id or Name must be specified.")
        product = self._product(id) if id is not None else self._product_by_name(name or "")
        return {
            "ProductViewDetail": product.view_detail(),
            "ProvisioningArtifactSummaries": [a.summary() for a in product.artifacts.values()],
            "Tags": tag_list(product.tags),
            "TagOptions": self._linked_tag_options(product.id),
            "Budgets": [],
        }

    def describe_product(self, id: str | None = None, name: str | None = None) -> dict[str, Any]:
        """The end-user view: active versions and the portfolios to launch from."""
        if id is None and name is None:
            raise InvalidParameters("Either Id or Name must be specified.")
        product = self._product(id) if id is not None else self._product_by_name(name or "")
        artifacts = [a for a in product.artifacts.values() if a.active]
        launch_paths = [
            {"Id": portfolio.id, "Name": portfolio.display_name}
            for portfolio in self.portfolios.values()
            if product.id in portfolio.product_ids
        ]
        return {
            "ProductViewSummary": product.summary(),
            "ProvisioningArtifacts": [
                {**artifact.summary(), "Guidance": artifact.guidance} for artifact in artifacts
            ],
            "Budgets": [],
            "LaunchPaths": launch_paths,
        }

    def update_product(
        self,
        id: str,
        name: str | None = None,
        owner: str | None = None,
        description: str | None = None,
        distributor: str | None = None,
        support_description: str | None = None,
        support_email: str | None = None,
        support_url: str | None = None,
        add_tags: list[dict[str, str]] | None = None,
        remove_tags: list[str] | None = None,
        source_connection: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        product = self._product(id)
        product.tags = merged_tags(product.tags, add_tags, remove_tags)
        changes = {
            "name": name,
            "owner": owner,
            "description": description,
            "distributor": distributor,
            "support_description": support_description,
            "support_email": support_email,
            "support_url": support_url,
            "source_connection": source_connection,
        }
        for attribute, value in changes.items():
            if value is not None:
                setattr(product, attribute, value)
        return {"ProductViewDetail": product.view_detail(), "Tags": tag_list(product.tags)}

    def delete_product(self, id: str) -> dict[str, Any]:
        product = self._product(id)
        portfolios = [p.id for p in self.portfolios.values() if id in p.product_ids]
        if portfolios:
            raise ResourceInUse(
                f"Product {id} is associated with portfolios {portfolios}; "
                "disassociate it before deleting it."
            )
        self.tag_option_links.pop(id, None)
        del self.products[product.id]
        return {}

    def search_products_as_admin(
        self,
        portfolio_id: str | None = None,
        filters: dict[str, list[str]] | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        page_token: str | None = None,
        page_size: int | None = None,
        product_source: str | None = None,
    ) -> dict[str, Any]:
        products = list(self.products.values())
        if portfolio_id is None and product_source != "ACCOUNT":
            products += [p for p in self._imported_products() if p.id not in self.products]
        if portfolio_id is not None:
            in_portfolio = self._portfolio(portfolio_id).product_ids
            products = [product for product in products if product.id in in_portfolio]
        products = [product for product in products if _matches_filters(product, filters or {})]
        sort_keys: dict[str, Callable[[Product], Any]] = {
            "Title": lambda product: product.name.casefold(),
            "VersionCount": lambda product: len(product.artifacts),
            "CreationDate": lambda product: product.created_time,
        }
        if sort_by is not None:
            products.sort(key=sort_keys[sort_by])
        if sort_order == "DESCENDING":
            products.reverse()
        page = page_of([product.view_detail() for product in products], page_size, page_token)
        return page_response("ProductViewDetails", "NextPageToken", page)

    def _imported_products(self) -> list[Product]:
        """Products of the portfolios other accounts shared with this one (shares accepted)."""
        products: dict[str, Product] = {}
        for portfolio_id in self.imported_portfolio_ids:
            found = self._portfolio_elsewhere(portfolio_id)
            if found is None:
                continue
            owner, portfolio = found
            for product_id in portfolio.product_ids:
                products.setdefault(product_id, owner.products[product_id])
        return list(products.values())

    def associate_product_with_portfolio(
        self, product_id: str, portfolio_id: str
    ) -> dict[str, Any]:
        product = self._product(product_id)
        portfolio = self._portfolio(portfolio_id)
        if product.id in portfolio.product_ids:
            return {}
        limit = settings.MAX_PRODUCTS_PER_PORTFOLIO
        if len(portfolio.product_ids) >= limit:
            raise LimitExceeded(f"Portfolio {portfolio_id} already has {limit} products")
        portfolio.product_ids.append(product.id)
        return {}

    def disassociate_product_from_portfolio(
        self, product_id: str, portfolio_id: str
    ) -> dict[str, Any]:
        product = self._product(product_id)
        portfolio = self._portfolio(portfolio_id)
        if product.id not in portfolio.product_ids:
            raise ResourceNotFound(f"Product {product_id} is not in portfolio {portfolio_id}.")
        if self._constraints_of(portfolio_id, product_id):
            raise ResourceInUse(
                f"Product {product_id} has constraints in portfolio {portfolio_id}; "
                "delete them before disassociating the product."
            )
        portfolio.product_ids.remove(product.id)
        return {}

    def list_portfolios_for_product(
        self, product_id: str, page_token: str | None = None, page_size: int | None = None
    ) -> dict[str, Any]:
        self._product(product_id)
        details = [p.detail() for p in self.portfolios.values() if product_id in p.product_ids]
        page = page_of(details, page_size, page_token)
        return page_response("PortfolioDetails", "NextPageToken", page)


def _matches_filters(product: Product, filters: dict[str, list[str]]) -> bool:
    """SearchProductsAsAdmin filters: values of one key are alternatives, keys must all hold."""
    checks: dict[str, Callable[[str], bool]] = {
        "FullTextSearch": lambda text: text.casefold() in product.search_text(),
        "Owner": lambda owner: owner.casefold() == product.owner.casefold(),
        "ProductType": lambda product_type: product_type == product.product_type,
        "SourceProductId": lambda _: False,  # no product here is a copy of another
    }
    return all(
        any(checks[key](value) for value in values) for key, values in filters.items() if values
    )
