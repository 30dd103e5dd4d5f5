"""Builders for the plan tests: a desired manifest, a publish target and the observed catalog
that publishing it leaves (``converged``), with changes."""

from __future__ import annotations

import dataclasses
from typing import Any

from portfolio.manifest.loading import parse_manifest
from portfolio.manifest.model import Manifest
from portfolio.publish.constraints import constraint_description, constraint_parameters
from portfolio.publish.observed import (
    ObservedCatalog,
    ObservedConstraint,
    ObservedPortfolio,
    ObservedProduct,
    ObservedShare,
    ObservedTagOption,
    ObservedVersion,
)
from portfolio.publish.planner import PublishTarget, template_key, template_url
from portfolio.publish.shares import desired_shares
from portfolio.publish.steps import TemplateFile
from tests.support.demo_manifest import demo_manifest_data

PORTFOLIO_ID = "port-demo"


def manifest(data: dict[str, Any] | None = None, **changes: Any) -> Manifest:
    """The demo manifest (or ``data``), with top-level ``changes``."""
    raw = demo_manifest_data() if data is None else data
    return parse_manifest({**raw, **changes})


def sha256_of(index: int) -> str:
    """The template hash ``target`` gives product ``index`` (1-based)."""
    return f"{index:064x}"


def target(m: Manifest, *, run_nonce: str = "run-1", **sha_overrides: str) -> PublishTarget:
    templates = {
        product.name: TemplateFile(
            path=f"/templates/{index}.yaml",
            sha256=sha_overrides.get(product.name, sha256_of(index)),
        )
        for index, product in enumerate(m.products, start=1)
    }
    return PublishTarget(
        region="us-east-1", bucket="artifacts", templates=templates, run_nonce=run_nonce
    )


def product_id(index: int) -> str:
    return f"prod-{index}"


def converged(m: Manifest) -> ObservedCatalog:
    """What Service Catalog holds after ``m`` was published successfully."""
    tag_options = {
        (o.key, o.value): ObservedTagOption(f"tag-{i}", o.key, o.value, True)
        for i, o in enumerate(m.tag_options)
    }
    products = {
        p.name: ObservedProduct(
            id=product_id(i),
            name=p.name,
            owner=p.owner,
            description=p.description,
            distributor=p.distributor,
            support_email=p.support_email,
            support_url=p.support_url,
            support_description=p.support_description,
            versions=(
                ObservedVersion(
                    f"pa-{i}-{p.version}",
                    p.version,
                    True,
                    "DEFAULT",
                    template_url=template_url("artifacts", template_key(sha256_of(i))),
                    status="AVAILABLE",
                ),
            ),
            associated=True,
        )
        for i, p in enumerate(m.products, start=1)
    }
    constraints = tuple(
        ObservedConstraint(
            id=f"cons-{i}-{kind}",
            type=kind,
            product_id=product_id(i),
            description=constraint_description(kind, document),
        )
        for i, p in enumerate(m.products, start=1)
        for kind, document in constraint_parameters(p.constraints, "us-east-1").items()
    )
    shares = tuple(
        ObservedShare(kind, recipient, tags, principals)
        for (kind, recipient), (tags, principals) in desired_shares(m).items()
    )
    portfolio = ObservedPortfolio(
        id=PORTFOLIO_ID,
        display_name=m.portfolio.display_name,
        provider_name=m.portfolio.provider_name,
        description=m.portfolio.description,
        tag_option_ids=frozenset(o.id for o in tag_options.values()),
        principals=frozenset((p.type, p.arn) for p in m.principals),
        constraints=constraints,
        shares=shares,
    )
    return ObservedCatalog(portfolio=portfolio, products=products, tag_options=tag_options)


def with_product(observed: ObservedCatalog, name: str, **changes: Any) -> ObservedCatalog:
    products = dict(observed.products)
    products[name] = dataclasses.replace(products[name], **changes)
    return dataclasses.replace(observed, products=products)


def with_portfolio(observed: ObservedCatalog, **changes: Any) -> ObservedCatalog:
    assert observed.portfolio is not None
    return dataclasses.replace(
        observed, portfolio=dataclasses.replace(observed.portfolio, **changes)
    )


def operations(plan_steps: Any) -> list[str]:
    return [step.operation for step in plan_steps]
