"""Generated product templates as plain CloudFormation data, and what their reference pages
take from the shipped manifest."""

from __future__ import annotations

from functools import cache
from typing import Any

from portfolio.manifest.loading import load_manifest
from portfolio.manifest.reference import published
from products.catalog import PRODUCTS
from products.reference_docs import Published
from tests.support.paths import REPO_ROOT

SPECS = {spec.slug: spec for spec in PRODUCTS}


def template_data(slug: str) -> dict[str, Any]:
    """The generated template of product ``slug`` as plain CloudFormation data."""
    return SPECS[slug].build().template.to_dict()


@cache
def shipped_launches() -> Published:
    """What the reference pages' launch examples take from the shipped portfolio.yaml."""
    return published(load_manifest(REPO_ROOT / "portfolio" / "portfolio.yaml").manifest)
