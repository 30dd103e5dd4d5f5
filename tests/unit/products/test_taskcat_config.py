""".taskcat.yml runs every product template, in us-east-1 and another Region, with valid values.

`taskcat lint` (in `make build`) validates the file's schema; these tests check what it cannot:
coverage of templates/ and parameter values that the templates accept.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
import yaml

from products.catalog import PRODUCTS, ProductSpec
from tests.support.paths import REPO_ROOT

#: What taskcat substitutes, by example, so values can be checked against the templates.
TASKCAT_EXAMPLES = {
    "$[taskcat_random-string]": "abcdefghijklmnopqrst",
    "$[taskcat_genuuid]": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "$[taskcat_current_region]": "us-east-1",
}

#: SSM parameters the README tells testers to create in each Region before `taskcat test run`.
DOCUMENTED_SSM_PARAMETERS = {
    "/signed-urls/taskcat/secret-arn",
    "/signed-urls/taskcat/kms-key-arn",
    "/signed-urls/taskcat/bucket-name",
    "/signed-urls/taskcat/key-group-id",
    "/signed-urls/taskcat/domain-name",
    "/signed-urls/taskcat/certificate-arn",
    "/signed-urls/taskcat/hosted-zone-id",
}

SSM_VALUE = re.compile(r"^\$\[taskcat_ssm_(?P<path>/[A-Za-z0-9/_.-]+)\]$")


@cache
def _config() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / ".taskcat.yml").read_text(encoding="utf-8"))


def _tests_for(spec: ProductSpec) -> list[dict[str, Any]]:
    tests = [
        test
        for test in _config()["tests"].values()
        if test["template"] == f"templates/{spec.template_file}"
    ]
    assert tests, f"templates/{spec.template_file}: no taskcat test"
    return tests


def test_project_name_and_regions() -> None:
    project = _config()["project"]
    assert re.fullmatch(r"[a-z0-9-/]*", project["name"])
    assert "us-east-1" in project["regions"]
    assert len(set(project["regions"])) >= 2


def test_every_template_on_disk_has_a_test() -> None:
    on_disk = {f"templates/{path.name}" for path in (REPO_ROOT / "templates").glob("*.yaml")}
    tested = {test["template"] for test in _config()["tests"].values()}
    assert on_disk <= tested
    assert tested == {f"templates/{spec.template_file}" for spec in PRODUCTS}


def test_every_required_parameter_has_a_value(product_spec: ProductSpec) -> None:
    parameters = product_spec.build().template.to_dict().get("Parameters", {})
    required = {name for name, parameter in parameters.items() if "Default" not in parameter}
    for test in _tests_for(product_spec):
        given = test.get("parameters", {})
        assert required - given.keys() == set()
        assert given.keys() - parameters.keys() == set(), "values for parameters it lacks"


def test_complete_stack_runs_with_defaults_and_with_table_and_custom_domain() -> None:
    [spec] = [spec for spec in PRODUCTS if spec.slug == "signed-urls"]
    parameters = spec.build().template.to_dict()["Parameters"]
    required = {name for name, parameter in parameters.items() if "Default" not in parameter}
    given = [set(test.get("parameters", {})) for test in _tests_for(spec)]
    assert required in given, "a test with the defaults (only what has none)"
    overrides = {"CreateMetadataTable", "SortKeyName", "Aliases", "AcmCertificateArn"}
    [custom] = [test for test in _tests_for(spec) if overrides <= set(test["parameters"])]
    assert custom["parameters"]["CreateMetadataTable"] == "true"
    assert custom["regions"] == ["us-east-1"], "an alias belongs to one distribution at a time"


def test_given_values_are_accepted_by_the_template(product_spec: ProductSpec) -> None:
    parameters = product_spec.build().template.to_dict().get("Parameters", {})
    given = {
        (name, str(value))
        for test in _tests_for(product_spec)
        for name, value in test.get("parameters", {}).items()
    }
    for name, value in sorted(given):
        text = str(value)
        ssm = SSM_VALUE.match(text)
        if ssm:
            assert ssm["path"] in DOCUMENTED_SSM_PARAMETERS, f"{name}: undocumented {ssm['path']}"
            continue
        for placeholder, example in TASKCAT_EXAMPLES.items():
            text = text.replace(placeholder, example)
        assert "$[" not in text, f"{name}: unexpected taskcat placeholder in {value!r}"
        _assert_accepted(name, parameters[name], text)


def _assert_accepted(name: str, parameter: dict[str, Any], text: str) -> None:
    if "AllowedValues" in parameter:
        assert text in [str(allowed) for allowed in parameter["AllowedValues"]], name
    values = text.split(",") if parameter.get("Type") == "CommaDelimitedList" else [text]
    for item in values:
        if "AllowedPattern" in parameter:
            assert re.fullmatch(parameter["AllowedPattern"], item), f"{name}: {item!r}"
    if parameter.get("Type") == "Number":
        number = float(text)
        assert number >= float(parameter.get("MinValue", number)), name
        assert number <= float(parameter.get("MaxValue", number)), name


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ({"AllowedValues": ["true", "false"]}, "true", True),
        ({"AllowedValues": ["true", "false"]}, "yes", False),
        ({"AllowedPattern": "^[a-z]+$"}, "abc", True),
        ({"AllowedPattern": "^[a-z]+$"}, "ABC", False),
        ({"Type": "Number", "MinValue": 1, "MaxValue": 10}, "11", False),
    ],
)
def test_value_check_rejects_what_the_template_would(
    parameter: dict[str, Any], value: str, accepted: bool
) -> None:
    if accepted:
        _assert_accepted("P", parameter, value)
    else:
        with pytest.raises(AssertionError):
            _assert_accepted("P", parameter, value)
