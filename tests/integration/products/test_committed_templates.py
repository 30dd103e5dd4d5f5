"""templates/ and docs/products/ are exactly what the generators produce (CI fails when stale)."""

from __future__ import annotations

from products.catalog import PRODUCTS, render_all
from products.reference_docs import render_all_references
from tests.support.paths import REPO_ROOT
from tests.support.templates import shipped_launches


def test_committed_templates_match_generator_output() -> None:
    rendered = render_all()
    for name, text in rendered.items():
        committed = (REPO_ROOT / "templates" / name).read_text(encoding="utf-8")
        assert committed == text, f"templates/{name} is stale: run `make build`"


def test_templates_folder_holds_only_generated_templates() -> None:
    on_disk = {path.name for path in (REPO_ROOT / "templates").glob("*.yaml")}
    assert on_disk == {spec.template_file for spec in PRODUCTS}


def test_committed_reference_docs_match_generator_output() -> None:
    for name, text in render_all_references(shipped_launches()).items():
        committed = (REPO_ROOT / "docs" / "products" / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/products/{name} is stale: run `make build`"
