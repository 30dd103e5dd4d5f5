"""The templates deployed beside the products, which are not Service Catalog products: the
bootstrap stacks (``portfolio bootstrap``: the hub's, and the spokes' StackSet template) and the
pipeline's roles (``portfolio ci-roles``).

They never go into ``templates/`` (which holds only products), but pass the same gates:
``portfolio check`` and the gate tests take them from here.
"""

from __future__ import annotations


def support_templates() -> dict[str, str]:
    """File name -> rendered YAML, for each support template."""
    from portfolio.bootstrap.ci_roles import render_ci_roles_template
    from portfolio.bootstrap.spokes import bootstrap_templates

    return {**bootstrap_templates(), "ci-roles.yaml": render_ci_roles_template()}
