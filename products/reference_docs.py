"""Generates the per-product reference pages in docs/products from the template data itself,
and from the usage data beside each generator (``products/building_blocks/usage.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from products.building_blocks.usage import ProductUsage, Target, ToKit, ToParameter
from products.catalog import PRODUCTS, ProductSpec

#: Where each product's page lives, by slug (for links between pages).
_TITLES = {spec.slug: spec.title for spec in PRODUCTS}


@dataclass(frozen=True)
class Published:
    """What a launch needs from the portfolio that publishes the products (its manifest)."""

    #: Product title (its name in Service Catalog) -> the version new launches get.
    versions: Mapping[str, str]
    #: TagOption key -> the values the portfolio offers; a launch picks one per key.
    tag_options: Mapping[str, tuple[str, ...]]


def _escape(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _cell(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(f"`{_escape(item)}`" for item in value)
    text = _escape(value)
    return f"`{text}`" if not isinstance(value, str) or " " not in text else text


def _allowed(parameter: dict[str, Any]) -> str:
    parts = []
    if "AllowedValues" in parameter:
        parts.append(_cell(parameter["AllowedValues"]))
    if "AllowedPattern" in parameter:
        parts.append(f"pattern `{_escape(parameter['AllowedPattern'])}`")
    if "MinValue" in parameter or "MaxValue" in parameter:
        parts.append(f"{parameter.get('MinValue', '')}..{parameter.get('MaxValue', '')}")
    return "; ".join(parts)


def _parameter_rows(template: dict[str, Any]) -> list[str]:
    parameters = template.get("Parameters", {})
    interface = template.get("Metadata", {}).get("AWS::CloudFormation::Interface", {})
    labels = interface.get("ParameterLabels", {})
    rows = []
    for group in interface.get("ParameterGroups", []):
        for name in group["Parameters"]:
            parameter = parameters[name]
            default = parameter.get("Default")
            rows.append(
                f"| {group['Label']['default']} | `{name}` | {labels[name]['default']} | "
                f"{_escape(parameter['Description'])} | "
                f"{'(empty)' if default == '' else _cell(default)} | "
                f"{_allowed(parameter)} |"
            )
    return rows


def _launch_command(spec: ProductSpec, published: Published) -> list[str]:
    """``aws servicecatalog provision-product`` for the usage example, one option a line."""
    usage = spec.usage
    parameters = " \\\n        ".join(f"Key={key},Value={value}" for key, value in usage.parameters)
    tags = " ".join(f"Key={key},Value={values[0]}" for key, values in published.tag_options.items())
    name = usage.provisioned_product_name
    return [
        "```sh",
        "aws servicecatalog provision-product \\",
        f'    --product-name "{spec.title}" \\',
        f"    --provisioning-artifact-name {published.versions[spec.title]} \\",
        f"    --provisioned-product-name {name} \\",
        f"    --provisioning-parameters {parameters}" + (" \\" if tags else ""),
        *([f"    --tags {tags}"] if tags else []),
        "# until Status is AVAILABLE (ERROR: see Troubleshooting), then read the outputs:",
        f"aws servicecatalog describe-provisioned-product --name {name}",
        f"aws servicecatalog get-provisioned-product-outputs --provisioned-product-name {name}",
        "```",
    ]


def _launch_section(spec: ProductSpec, template: dict[str, Any], published: Published) -> list[str]:
    required = [name for name, body in template["Parameters"].items() if "Default" not in body]
    tags = "; ".join(
        f"`{key}`: {' or '.join(f'`{value}`' for value in values)}"
        for key, values in published.tag_options.items()
    )
    return [
        "## Launch it with the AWS CLI",
        "",
        "As a principal the portfolio lets launch, in an account it is shared with (or in the "
        "console: **Service Catalog > Products**, *Launch product*). "
        + (
            f"Required: {', '.join(f'`{name}`' for name in required)}; every other parameter "
            "has a default (below)."
            if required
            else "Every parameter has a default (below); the example sets a few."
        )
        + (f" Each TagOption key takes one of the portfolio's values ({tags})." if tags else ""),
        "",
        *_launch_command(spec, published),
        "",
    ]


def _target(target: Target) -> str:
    if isinstance(target, ToParameter):
        return f"[{_TITLES[target.product]}]({target.product}.md) `{target.parameter}`"
    if isinstance(target, ToKit):
        return f"signing kit: `{target.callable}({target.argument}=...)`"
    return target.setting


def _usage_sections(usage: ProductUsage) -> list[str]:
    return [
        "## Pass on its outputs",
        "",
        "| Output | Goes to | Why |",
        "|---|---|---|",
        *(
            f"| `{item.output}` | {'; '.join(_target(target) for target in item.targets)} | "
            f"{_escape(item.why)} |"
            for item in usage.pass_on
        ),
        "",
        "## Troubleshooting",
        "",
        f"**{usage.troubleshooting.symptom}**: {usage.troubleshooting.fix}.",
        "",
    ]


def render_product_reference(spec: ProductSpec, published: Published) -> str:
    """Markdown reference for one product (usage, parameters, outputs, resources)."""
    template = spec.build().template.to_dict()
    lines = [
        f"# {spec.title}",
        "",
        "<!-- Generated by `portfolio docs` from the product generator; do not edit. -->",
        "",
        spec.summary,
        "",
        f"Template: [`templates/{spec.template_file}`](../../templates/{spec.template_file})",
        "",
        "## When to use this product",
        "",
        spec.usage.when_to_use,
        "",
        *_launch_section(spec, template, published),
        *_usage_sections(spec.usage),
        *([spec.notes.rstrip("\n"), ""] if spec.notes else []),
        "## Parameters",
        "",
        "| Group | Parameter | Label | Description | Default | Allowed |",
        "|---|---|---|---|---|---|",
        *_parameter_rows(template),
        "",
        "## Outputs",
        "",
        "| Output | Description | Exported as |",
        "|---|---|---|",
        *(
            f"| `{name}` | {_escape(output['Description'])} | "
            f"{f'`<stack name>-{name}`' if 'Export' in output else 'not exported'} |"
            for name, output in template.get("Outputs", {}).items()
        ),
        "",
        "## Resources",
        "",
        "| Logical ID | Type | Condition |",
        "|---|---|---|",
        *(
            f"| `{name}` | `{resource['Type']}` | {resource.get('Condition', '')} |"
            for name, resource in template["Resources"].items()
        ),
        "",
    ]
    return "\n".join(lines)


def render_all_references(published: Published) -> dict[str, str]:
    """Doc file name -> markdown, for every product, plus an index."""
    pages = {f"{spec.slug}.md": render_product_reference(spec, published) for spec in PRODUCTS}
    index = [
        "# Product reference",
        "",
        "<!-- Generated by `portfolio docs`; do not edit. -->",
        "",
        "| Product | Template | What it provisions |",
        "|---|---|---|",
        *(
            f"| [{spec.title}]({spec.slug}.md) | `templates/{spec.template_file}` | "
            f"{spec.summary} |"
            for spec in PRODUCTS
        ),
        "",
    ]
    pages["README.md"] = "\n".join(index)
    return pages
