"""Generated product templates as plain CloudFormation data."""

from __future__ import annotations

from typing import Any

from products.catalog import PRODUCTS

SPECS = {spec.slug: spec for spec in PRODUCTS}


def template_data(slug: str) -> dict[str, Any]:
    """The generated template of product ``slug`` as plain CloudFormation data."""
    return SPECS[slug].build().template.to_dict()
