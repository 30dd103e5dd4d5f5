"""Shared fixtures: generated template data, keyed by product slug."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from products.catalog import PRODUCTS, ProductSpec

REPO_ROOT = Path(__file__).resolve().parent.parent

SPECS = {spec.slug: spec for spec in PRODUCTS}


def template_data(slug: str) -> dict[str, Any]:
    """The generated template of product ``slug`` as plain CloudFormation data."""
    return SPECS[slug].build().template.to_dict()


@pytest.fixture(params=PRODUCTS, ids=lambda spec: spec.slug)
def product_spec(request: pytest.FixtureRequest) -> ProductSpec:
    return request.param
