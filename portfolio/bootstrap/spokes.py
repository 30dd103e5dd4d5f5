"""The spoke template: what an account that receives the portfolio needs, and nothing else.

A receiving account launches products with the launch role its LAUNCH constraints name
(``LocalRoleName`` ``signed-urls-portfolio-launch-<region>``: each account resolves its own
copy, https://docs.aws.amazon.com/servicecatalog/latest/adminguide/constraints-launch.html), and
every product role there carries the permissions boundary. So the spoke template holds exactly
those two, built by the same functions as the hub's (``template.add_launch_role_and_boundary``):
same names, same grants, same boundary. It has no artifact bucket (the receiving account never
publishes; Service Catalog launches from its own copy of each template, which the launch role
reads through ``ReadServiceCatalogTemplateCopies``), so its launch role is not granted one.

``portfolio.bootstrap.stack_set_deployment`` deploys it to organizational units as a
service-managed StackSet.
"""

from __future__ import annotations

from typing import Any

from portfolio.bootstrap.launch_role import product_templates
from portfolio.bootstrap.template import (
    add_launch_role_and_boundary,
    add_launch_role_outputs,
    add_trust_parameter,
)
from products.building_blocks.product_template import ProductTemplate

SPOKE_DESCRIPTION = (
    "Signed URLs - spoke: in each account that receives the portfolio, the least-privilege "
    "Service Catalog launch role and the permissions boundary of every product role"
)


def build_spoke(templates: dict[str, dict[str, Any]] | None = None) -> ProductTemplate:
    """The spoke template for the given product templates (default: every product)."""
    templates = product_templates() if templates is None else templates
    spoke = ProductTemplate(SPOKE_DESCRIPTION)
    add_trust_parameter(spoke)
    role, boundary = add_launch_role_and_boundary(spoke.template, templates, artifact_bucket=False)
    add_launch_role_outputs(spoke, role, boundary)
    return spoke


def render_spoke_template() -> str:
    """The spoke template as YAML (what the StackSet deploys; lint-gate input)."""
    return build_spoke().to_yaml()


def bootstrap_templates() -> dict[str, str]:
    """The templates ``portfolio bootstrap`` deploys, by file name: the hub's and the spokes'.
    ``portfolio check`` gates them like the product templates."""
    from portfolio.bootstrap.template import render_bootstrap_template

    return {"bootstrap.yaml": render_bootstrap_template(), "spoke.yaml": render_spoke_template()}
