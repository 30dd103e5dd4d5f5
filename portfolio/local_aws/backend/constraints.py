"""Constraint operations: which constraints a product may have in a portfolio."""

from __future__ import annotations

from typing import Any

from portfolio.local_aws import settings
from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.constraint_documents import SINGLE_CONSTRAINT_TYPES, constraint_document
from portfolio.local_aws.exceptions import (
    DuplicateResource,
    InvalidParameters,
    LimitExceeded,
    ResourceNotFound,
)
from portfolio.local_aws.models import Constraint, new_id


class ConstraintOperations(CatalogState):
    """Create (one LAUNCH/STACKSET/RESOURCE_UPDATE each), describe, update, delete, list."""

    def _check_constraint_slot(self, portfolio_id: str, product_id: str, kind: str) -> None:
        existing = self._constraints_of(portfolio_id, product_id)
        existing_types = {constraint.type for constraint in existing}
        if kind in SINGLE_CONSTRAINT_TYPES and kind in existing_types:
            raise DuplicateResource(
                f"Product {product_id} already has a {kind} constraint in portfolio {portfolio_id}."
            )
        rival = {"LAUNCH": "STACKSET", "STACKSET": "LAUNCH"}.get(kind)
        if rival in existing_types:
            raise InvalidParameters(
                f"Product {product_id} has a {rival} constraint in portfolio {portfolio_id}; "
                "a product cannot have both a LAUNCH and a STACKSET constraint."
            )
        limit = settings.MAX_CONSTRAINTS_PER_PRODUCT_PER_PORTFOLIO
        if len(existing) >= limit:
            raise LimitExceeded(
                f"Product {product_id} already has {limit} constraints in portfolio {portfolio_id}"
            )

    def create_constraint(
        self,
        portfolio_id: str,
        product_id: str,
        parameters: str,
        type: str,
        idempotency_token: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        def create() -> str:
            portfolio = self._portfolio(portfolio_id)
            self._product(product_id)
            if product_id not in portfolio.product_ids:
                raise ResourceNotFound(
                    f"Product {product_id} is not associated with portfolio {portfolio_id}."
                )
            constraint_document(type, parameters)
            self._check_constraint_slot(portfolio_id, product_id, type)
            constraint = Constraint(
                id=new_id("cons-"),
                type=type,
                portfolio_id=portfolio_id,
                product_id=product_id,
                parameters=parameters,
                description=description,
                owner=self.account_id,
            )
            self.constraints[constraint.id] = constraint
            return constraint.id

        constraint_id = self._idempotent("CreateConstraint", idempotency_token, create)
        return self._constraint(constraint_id).response()

    def describe_constraint(self, id: str) -> dict[str, Any]:
        return self._constraint(id).response()

    def update_constraint(
        self, id: str, description: str | None = None, parameters: str | None = None
    ) -> dict[str, Any]:
        constraint = self._constraint(id)
        if parameters is not None:
            constraint_document(constraint.type, parameters)
            constraint.parameters = parameters
        if description is not None:
            constraint.description = description
        return constraint.response()

    def delete_constraint(self, id: str) -> dict[str, Any]:
        self._constraint(id)
        del self.constraints[id]
        return {}

    def list_constraints_for_portfolio(
        self,
        portfolio_id: str,
        product_id: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        self._portfolio(portfolio_id)
        details = [
            constraint.detail()
            for constraint in self.constraints.values()
            if constraint.portfolio_id == portfolio_id
            and (product_id is None or constraint.product_id == product_id)
        ]
        page = page_of(details, page_size, page_token)
        return page_response("ConstraintDetails", "NextPageToken", page)
