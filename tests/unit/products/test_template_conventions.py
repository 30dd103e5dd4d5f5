"""Conventions every product template follows (console metadata, descriptions, exports)."""

from __future__ import annotations

import pytest
from troposphere.s3 import Bucket

from products.building_blocks.checkov import skip_checkov
from products.building_blocks.errors import TemplateDefinitionError
from products.building_blocks.product_template import (
    ParameterGroup,
    ProductTemplate,
    parameter_spec,
)
from products.catalog import ProductSpec


def test_description_names_the_product(product_spec: ProductSpec) -> None:
    data = product_spec.build().template.to_dict()
    product_word = product_spec.slug.replace("-", " ")
    assert product_word in data["Description"].lower()


def test_every_parameter_is_described_grouped_and_labelled(product_spec: ProductSpec) -> None:
    data = product_spec.build().template.to_dict()
    interface = data["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = [name for group in interface["ParameterGroups"] for name in group["Parameters"]]
    assert sorted(grouped) == sorted(data.get("Parameters", {}))
    assert len(grouped) == len(set(grouped)), "a parameter sits in two groups"
    for name, parameter in data.get("Parameters", {}).items():
        assert parameter.get("Description"), name
        assert interface["ParameterLabels"][name]["default"], name
        if {"AllowedPattern", "AllowedValues", "MinValue", "MaxValue"} & parameter.keys():
            assert parameter.get("ConstraintDescription"), name


def test_outputs_are_exported_under_the_stack_name(product_spec: ProductSpec) -> None:
    data = product_spec.build().template.to_dict()
    assert data.get("Outputs"), "a product without outputs cannot be wired to the next one"
    exported = {name: output for name, output in data["Outputs"].items() if "Export" in output}
    assert exported, "a product needs exported outputs to be wired to the next one"
    for name, output in exported.items():
        assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}
    for output in data["Outputs"].values():
        assert output["Description"]


def test_output_can_opt_out_of_export() -> None:
    product = ProductTemplate("x")
    product.add_output("Stable", "a", "stays put")
    product.add_output("Rotating", "b", "changes on rotation", exported=False)
    outputs = product.template.to_dict()["Outputs"]
    assert "Export" in outputs["Stable"]
    assert "Export" not in outputs["Rotating"]


def test_rendering_is_deterministic(product_spec: ProductSpec) -> None:
    assert product_spec.build().to_yaml() == product_spec.build().to_yaml()


def test_parameter_without_description_is_rejected() -> None:
    product = ProductTemplate("x")
    with pytest.raises(TemplateDefinitionError, match="parameter Name: Description"):
        product.add_parameter("Name", group="g", label="l")


def test_constrained_parameter_needs_constraint_description() -> None:
    product = ProductTemplate("x")
    with pytest.raises(TemplateDefinitionError, match="parameter Name: ConstraintDescription"):
        product.add_parameter(
            "Name", group="g", label="l", Description="d", AllowedValues=["a", "b"]
        )


def test_parameter_declared_twice_is_rejected() -> None:
    product = ProductTemplate("x")
    product.add_parameter("Name", group="g", label="l", Description="d")
    with pytest.raises(TemplateDefinitionError, match="parameter Name: declared twice"):
        product.add_parameter("Name", group="g", label="l", Description="d")


def test_parameter_groups_declare_parameters_in_console_order() -> None:
    product = ProductTemplate("x")
    declared = product.add_parameter_groups(
        (
            ParameterGroup("First", (parameter_spec("B", label="b", Description="d"),)),
            ParameterGroup(
                "Second",
                (
                    parameter_spec("A", label="a", Description="d", Default="x"),
                    parameter_spec("C", label="c", Description="d", Type="Number"),
                ),
            ),
        )
    )
    assert list(declared) == ["B", "A", "C"]
    interface = product.interface_metadata()["AWS::CloudFormation::Interface"]
    assert interface["ParameterGroups"] == [
        {"Label": {"default": "First"}, "Parameters": ["B"]},
        {"Label": {"default": "Second"}, "Parameters": ["A", "C"]},
    ]
    assert interface["ParameterLabels"]["A"] == {"default": "a"}
    parameters = product.template.to_dict()["Parameters"]
    assert parameters["A"] == {"Default": "x", "Description": "d", "Type": "String"}
    assert parameters["C"]["Type"] == "Number"


def test_checkov_skip_without_reason_is_rejected() -> None:
    resource = Bucket("Example")
    with pytest.raises(TemplateDefinitionError, match="CKV_AWS_18: a skip needs a reason"):
        skip_checkov(resource, "CKV_AWS_18", "  ")


def test_console_group_declared_twice_is_rejected() -> None:
    product = ProductTemplate("x")
    first = ParameterGroup("Group", (parameter_spec("A", label="a", Description="d"),))
    again = ParameterGroup("Group", (parameter_spec("B", label="b", Description="d"),))
    with pytest.raises(TemplateDefinitionError, match="console group 'Group': declared twice"):
        product.add_parameter_groups((first, again))


def test_console_group_without_parameters_is_rejected() -> None:
    with pytest.raises(TemplateDefinitionError, match="console group 'Empty': no parameters"):
        ProductTemplate("x").add_parameter_groups((ParameterGroup("Empty", ()),))
