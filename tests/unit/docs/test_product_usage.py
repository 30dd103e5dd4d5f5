"""Each product page's usage sections hold up against the templates, the manifest and the kit:
the launch example names real parameters with values the template accepts (constraints and
Rules), every required one included, through real AWS CLI options; outputs go to parameters and
kit arguments that exist."""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import botocore.session
import pytest

from products.building_blocks.usage import ToKit, ToParameter
from products.catalog import PRODUCTS, ProductSpec
from products.reference_docs import render_product_reference
from tests.support.doc_commands import (
    Command,
    check,
    commands,
    launch_refusals,
    option_values,
    shorthand_pairs,
)
from tests.support.templates import shipped_launches, template_data


def _launch(spec: ProductSpec) -> Command:
    page = render_product_reference(spec, shipped_launches())
    [launch] = [
        c for c in commands(page) if c.argv[:3] == ("aws", "servicecatalog", "provision-product")
    ]
    return launch


@pytest.mark.parametrize("spec", PRODUCTS, ids=lambda spec: spec.slug)
def test_every_command_on_the_page_is_a_real_aws_cli_call(spec: ProductSpec) -> None:
    page = render_product_reference(spec, shipped_launches())
    found = commands(page)
    assert len(found) == 3
    for command in found:
        assert check(command) == [], command.text


@pytest.mark.parametrize("spec", PRODUCTS, ids=lambda spec: spec.slug)
def test_launch_example_passes_every_required_parameter_with_accepted_values(
    spec: ProductSpec,
) -> None:
    template = template_data(spec.slug)
    parameters = shorthand_pairs(option_values(_launch(spec), "--provisioning-parameters"))
    assert set(parameters) <= set(template["Parameters"]), "no such parameter"
    required = {name for name, body in template["Parameters"].items() if "Default" not in body}
    assert required <= set(parameters), "a required parameter is missing"
    assert launch_refusals(template, parameters) == []


@pytest.mark.parametrize("spec", PRODUCTS, ids=lambda spec: spec.slug)
def test_launch_example_names_the_published_product_version_and_tag_options(
    spec: ProductSpec,
) -> None:
    launch, published = _launch(spec), shipped_launches()
    assert option_values(launch, "--product-name") == [spec.title]
    assert option_values(launch, "--provisioning-artifact-name") == [published.versions[spec.title]]
    tags = shorthand_pairs(option_values(launch, "--tags"))
    assert tags.keys() == published.tag_options.keys()
    assert all(value in published.tag_options[key] for key, value in tags.items())
    [name] = option_values(launch, "--provisioned-product-name")
    shape = botocore.session.get_session().get_service_model("servicecatalog")
    metadata = shape.shape_for("ProvisionedProductName").metadata
    assert re.fullmatch(metadata["pattern"], name) and len(name) <= metadata["max"]


@pytest.mark.parametrize("spec", PRODUCTS, ids=lambda spec: spec.slug)
def test_outputs_are_passed_on_to_parameters_and_kit_arguments_that_exist(
    spec: ProductSpec,
) -> None:
    outputs = template_data(spec.slug)["Outputs"]
    kit = importlib.import_module("signed_urls")
    for item in spec.usage.pass_on:
        assert item.output in outputs, item.output
        for target in item.targets:
            if isinstance(target, ToParameter):
                assert target.parameter in template_data(target.product)["Parameters"], target
            elif isinstance(target, ToKit):
                function = kit
                for part in target.callable.split("."):
                    function = getattr(function, part)
                assert target.argument in inspect.signature(function).parameters, target


def test_every_parameter_named_after_an_output_is_fed_by_a_pass_on_row() -> None:
    """Following the pass-on tables alone, a team fills every parameter that takes another
    product's output (SecretArn, KeyGroupId, DistributionArn, TableArn...)."""
    fed = {
        (target.product, target.parameter)
        for spec in PRODUCTS
        for item in spec.usage.pass_on
        for target in item.targets
        if isinstance(target, ToParameter)
    }
    outputs = {spec.slug: set(template_data(spec.slug)["Outputs"]) for spec in PRODUCTS}
    takes_an_output = {
        (spec.slug, name)
        for spec in PRODUCTS
        for name in template_data(spec.slug)["Parameters"]
        if any(name in names for slug, names in outputs.items() if slug != spec.slug)
    }
    assert len(takes_an_output) >= 10
    assert takes_an_output - fed == set()


def test_the_checks_above_can_fail() -> None:
    template = template_data("integration-role")
    assert launch_refusals(template, {"SecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:x"})
    assert launch_refusals(template, {"TrustedService": "none"}) == [
        "Set exactly one of TrustedService (not 'none') and TrustedPrincipal"
    ]
    bad = Command(("aws", "servicecatalog", "provision-product", "--product-nam", "x"), "")
    assert check(bad) == [
        "ProvisionProduct has no parameter --product-nam",
        "ProvisionProduct requires --provisioned-product-name",
    ]
    shorthand = Command(
        (
            "aws",
            "servicecatalog",
            "provision-product",
            "--provisioned-product-name",
            "p",
            "--provisioning-parameters",
            "Name=A,Value=b",
        ),
        "",
    )
    assert check(shorthand) == [
        "--provisioning-parameters Name=A,Value=b: 'Name' is not one of ['Key', 'Value']"
    ]
