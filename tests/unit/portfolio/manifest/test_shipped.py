"""The shipped portfolio.yaml: every product, the bootstrap launch role, a current version lock;
and docs/publishing.md describes exactly the fields the schema accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from portfolio.manifest.loading import load_manifest, parse_manifest
from portfolio.manifest.model import Manifest
from portfolio.manifest.reference import END_MARK, START_MARK, field_table
from portfolio.manifest.validation import check_version_lock
from portfolio.manifest.version_lock import lock_path_for, read_lock
from portfolio.publish.run import local_templates
from products.catalog import PRODUCTS
from tests.support.paths import REPO_ROOT
from tests.support.templates import template_data

SHIPPED = REPO_ROOT / "portfolio" / "portfolio.yaml"


def shipped() -> Manifest:
    return parse_manifest(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))


def test_shipped_manifest_lists_every_product_template_by_its_title() -> None:
    by_template = {Path(p.template).name: p.name for p in shipped().products}
    assert by_template == {spec.template_file: spec.title for spec in PRODUCTS}


def test_shipped_templates_are_the_generated_ones() -> None:
    for product in shipped().products:
        assert (SHIPPED.parent / product.template).resolve().parent == REPO_ROOT / "templates"


def test_every_product_launches_with_the_bootstrap_role_and_allows_tag_updates() -> None:
    for product in shipped().products:
        launch = product.constraints.launch
        assert launch is not None
        assert launch.local_role_name == "signed-urls-portfolio-launch-{region}"
        assert product.constraints.resource_update is not None
        assert product.constraints.stackset is None


def test_bootstrap_creates_the_launch_role_the_manifest_names() -> None:
    """LAUNCH uses LocalRoleName, so each region's bootstrap stack must name its role so."""
    from portfolio.bootstrap.template import build_bootstrap
    from tests.support.cfn_resolution import ResolvedTemplate

    bootstrap = build_bootstrap().template.to_dict()
    for region in ("us-east-1", "eu-west-1"):
        resolved = ResolvedTemplate(bootstrap, {"AWS::Region": region})
        role_names = {
            body["Properties"].get("RoleName")
            for body in resolved.resources().values()
            if body["Type"] == "AWS::IAM::Role"
        }
        names = {
            p.constraints.launch.role_name_in(region)
            for p in shipped().products
            if p.constraints.launch
        }
        assert names <= role_names, f"{region}: bootstrap names {role_names}, manifest {names}"


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["Ref"]} if isinstance(node.get("Ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node))
    return set()


def test_template_rules_reference_parameters_the_template_declares() -> None:
    slugs = {spec.title: spec.slug for spec in PRODUCTS}
    checked = 0
    for product in shipped().products:
        if product.constraints.template is None:
            continue
        parameters = set(template_data(slugs[product.name]).get("Parameters", {}))
        assert _refs(product.constraints.template.rules) - {"AWS::Region"} <= parameters
        checked += 1
    assert checked >= 1


def test_shipped_manifest_shares_tag_options_and_has_an_iam_pattern_principal() -> None:
    manifest = shipped()
    assert manifest.tag_options
    assert any(p.type == "IAM_PATTERN" for p in manifest.principals)


def test_shipped_manifest_and_lock_pass_every_check() -> None:
    """Fails when a template changed without a version bump: bump it, run `portfolio lock`."""
    loaded = load_manifest(SHIPPED)
    hashes = {name: t.sha256 for name, t in local_templates(loaded).items()}
    assert check_version_lock(loaded, read_lock(lock_path_for(SHIPPED)), hashes) == []


def test_publishing_guide_field_table_matches_the_schema() -> None:
    guide = (REPO_ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")
    table = guide.split(START_MARK, 1)[1].split(END_MARK, 1)[0].strip()
    assert table == field_table(), "docs/publishing.md is stale: run `make build` (portfolio docs)"
