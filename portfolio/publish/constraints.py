"""Every constraint type (LAUNCH, NOTIFICATION, RESOURCE_UPDATE, STACKSET, TEMPLATE): the
Parameters document each manifest constraint becomes in a region, and the steps that bring a
product's constraints there. Pure planning.

Constraints are matched by (product, type); each carries a fingerprint of its parameters in
its description, so an unchanged constraint needs no DescribeConstraint call and a changed
one is updated in place. A LAUNCH removed for a new STACKSET (or the reverse) goes right
before its replacement, as AWS allows only one of them; every other removal comes after all
creates and updates, so a failed create never leaves a product with fewer constraints.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from portfolio.manifest.model import Constraints, Manifest, Product
from portfolio.publish.observed import ObservedCatalog, ObservedConstraint
from portfolio.publish.steps import (
    Action,
    PlanItem,
    PortfolioId,
    Step,
    Subject,
    Unchanged,
    catalog_step,
    product_id,
)

MANAGED_BY = "Managed by signed-urls-portfolio"


def constraint_parameters(constraints: Constraints, region: str) -> dict[str, dict[str, Any]]:
    """Constraint type -> its Parameters document in ``region``, for the constraints set."""
    documents: dict[str, dict[str, Any]] = {}
    if (launch := constraints.launch) is not None:
        documents["LAUNCH"] = (
            {"RoleArn": launch.role_arn}
            if launch.role_arn
            else {"LocalRoleName": launch.role_name_in(region)}
        )
    if constraints.notification is not None:
        documents["NOTIFICATION"] = {
            "NotificationArns": constraints.notification.topic_arns_in(region)
        }
    if constraints.resource_update is not None:
        allowed = constraints.resource_update.tag_updates_allowed
        documents["RESOURCE_UPDATE"] = {
            "Version": "2.0",
            "Properties": {
                "TagUpdateOnProvisionedProduct": "ALLOWED" if allowed else "NOT_ALLOWED"
            },
        }
    if (stackset := constraints.stackset) is not None:
        documents["STACKSET"] = {
            "Version": "2.0",
            "Properties": {
                "AccountList": list(stackset.accounts),
                "RegionList": list(stackset.regions),
                "AdminRole": stackset.admin_role_arn,
                "ExecutionRole": stackset.execution_role_name,
            },
        }
    if constraints.template is not None:
        documents["TEMPLATE"] = {"Rules": constraints.template.rules}
    return documents


def parameters_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def fingerprint(document: dict[str, Any]) -> str:
    return hashlib.sha256(parameters_json(document).encode("utf-8")).hexdigest()[:16]


def constraint_description(constraint_type: str, document: dict[str, Any]) -> str:
    return f"{constraint_type} constraint. {MANAGED_BY} [config {fingerprint(document)}]"


def description_fingerprint(description: str) -> str | None:
    match = re.search(r"\[config ([0-9a-f]{16})\]", description)
    return match.group(1) if match else None


#: LAUNCH and STACKSET exclude each other: one replacing the other must wait for its removal.
_RIVALS = {"LAUNCH": "STACKSET", "STACKSET": "LAUNCH"}


def plan_constraints(
    manifest: Manifest,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    region: str,
    run_nonce: str = "",
) -> Iterator[PlanItem]:
    """Creates and updates (each LAUNCH/STACKSET swap's removal right before its create), then
    every other removal."""
    later: list[PlanItem] = []
    for product in manifest.products:
        now, deferred = _product_constraint_items(
            manifest, product, observed, portfolio, region, run_nonce
        )
        yield from now
        later.extend(deferred)
    yield from later


def _product_constraint_items(
    manifest: Manifest,
    product: Product,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    region: str,
    run_nonce: str,
) -> tuple[list[PlanItem], list[PlanItem]]:
    """(items in order, removals that wait until every create and update is done)."""
    current = observed.products.get(product.name)
    existing = _constraints_of(observed, current.id) if current else {}
    desired = constraint_parameters(product.constraints, region)
    removals = {
        constraint_type: [
            _delete_constraint_step(product, constraint_type, constraint)
            for constraint in found[(1 if constraint_type in desired else 0) :]
        ]
        for constraint_type, found in sorted(existing.items())
    }
    now: list[PlanItem] = []
    for constraint_type, document in desired.items():
        found = existing.get(constraint_type, [])
        item = _constraint_item(
            manifest, product, observed, portfolio, constraint_type, document, found, run_nonce
        )
        rival = _RIVALS.get(constraint_type)
        if rival is not None and rival not in desired and isinstance(item, Step):
            now.extend(removals.pop(rival, []))
        now.append(item)
    return now, [step for steps in removals.values() for step in steps]


def _delete_constraint_step(
    product: Product, constraint_type: str, constraint: ObservedConstraint
) -> Step:
    return catalog_step(
        Action.DELETE,
        Subject.CONSTRAINT,
        f"{constraint_type} on {product.name}",
        "delete_constraint",
        Id=constraint.id,
    )


def _constraints_of(
    observed: ObservedCatalog, product_id_: str
) -> dict[str, list[ObservedConstraint]]:
    grouped: dict[str, list[ObservedConstraint]] = {}
    constraints = observed.portfolio.constraints if observed.portfolio else ()
    for constraint in constraints:
        if constraint.product_id == product_id_:
            grouped.setdefault(constraint.type, []).append(constraint)
    return grouped


def _constraint_item(
    manifest: Manifest,
    product: Product,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    constraint_type: str,
    document: dict[str, Any],
    found: list[ObservedConstraint],
    run_nonce: str,
) -> PlanItem:
    label = f"{constraint_type} on {product.name}"
    description = constraint_description(constraint_type, document)
    if found and description_fingerprint(found[0].description) == fingerprint(document):
        return Unchanged(Subject.CONSTRAINT, label)
    if found:
        return catalog_step(
            Action.UPDATE,
            Subject.CONSTRAINT,
            label,
            "update_constraint",
            Id=found[0].id,
            Parameters=parameters_json(document),
            Description=description,
        )
    return catalog_step(
        Action.CREATE,
        Subject.CONSTRAINT,
        label,
        "create_constraint",
        PortfolioId=portfolio,
        ProductId=product_id(product, observed),
        Type=constraint_type,
        Parameters=parameters_json(document),
        Description=description,
        IdempotencyToken=_constraint_token(run_nonce, manifest, product, constraint_type, document),
    )


def _constraint_token(
    run_nonce: str,
    manifest: Manifest,
    product: Product,
    constraint_type: str,
    document: dict[str, Any],
) -> str:
    parts = (run_nonce, "constraint", manifest.portfolio.display_name, product.name)
    text = "\0".join((*parts, constraint_type)) + parameters_json(document)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
