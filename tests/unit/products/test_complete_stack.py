"""The complete stack only wires the modules, launches with one answer, and fits many teams."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from portfolio.bootstrap.stack_deployment import TEMPLATE_BODY_MAX_BYTES
from products.bucket import BucketOptions
from products.building_blocks import capability_names as names
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import TEMPLATE_URL_MAX_BYTES
from products.complete_stack import CompleteStackOptions, build
from products.key_pair import KeyPairOptions
from products.metadata_table import MetadataTableOptions
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.template_twins import matches, twins
from tests.support.templates import template_data

#: Every modular product the complete stack is made of.
MODULES = ("secret", "key-pair", "bucket", "distribution", "metadata-table", "integration-role")

#: The one answer a first launch needs.
FIRST_LAUNCH = {"TrustedService": "ecs-tasks.amazonaws.com"}


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    return template_data("signed-urls")


def _resolved(stack: dict[str, Any], **parameters: str) -> ResolvedTemplate:
    return ResolvedTemplate(stack, {**FIRST_LAUNCH, **parameters})


# --- the generator only wires ------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES)
def test_every_module_resource_has_a_twin_in_the_complete_stack(
    module: str, stack: dict[str, Any]
) -> None:
    """Same type and properties, modulo references, conditions and logical IDs."""
    for name, resource in template_data(module)["Resources"].items():
        assert twins(resource, stack), f"{module}.{name} has no twin in the complete stack"


def test_every_complete_stack_resource_comes_from_a_module(stack: dict[str, Any]) -> None:
    modules = [template_data(module) for module in MODULES]
    for name, resource in stack["Resources"].items():
        assert any(twins(resource, module) for module in modules), f"{name}: defined here"


def test_a_changed_property_or_an_own_resource_has_no_twin(stack: dict[str, Any]) -> None:
    """The check above fails when the complete stack defines something itself."""
    distribution = template_data("distribution")["Resources"]["Distribution"]
    changed = copy.deepcopy(stack)
    changed["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["HttpVersion"] = (
        "http2"
    )
    assert twins(distribution, stack) == ["Distribution"]
    assert twins(distribution, changed) == []
    role = template_data("integration-role")["Resources"]["IntegrationRole"]
    widened = copy.deepcopy(stack)
    statements = widened["Resources"]["IntegrationRole"]["Properties"]["Policies"][0]
    statements["PolicyDocument"]["Statement"][0]["Action"].append("secretsmanager:PutSecretValue")
    assert twins(role, widened) == []
    inbox = copy.deepcopy(stack)
    deny = inbox["Resources"]["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][1]
    deny["Resource"] = [{"Fn::Sub": "${Bucket.Arn}/*"}]
    assert twins(template_data("bucket")["Resources"]["BucketPolicy"], inbox) == []


# --- one launch, nothing copied by hand ---------------------------------------------------------


def test_no_parameter_asks_for_another_products_output(stack: dict[str, Any]) -> None:
    wired_by_hand = {"SecretArn", "KmsKeyArn", "KeyGroupId", "BucketName", "BucketArn"}
    assert not wired_by_hand & stack["Parameters"].keys()
    assert not {"DistributionArn", "TableArn", "BucketRegion"} & stack["Parameters"].keys()


def test_the_bucket_policy_names_this_stacks_distribution(stack: dict[str, Any]) -> None:
    policy = _resolved(stack).resources()["BucketPolicy"]["Properties"]["PolicyDocument"]
    grants = [statement for statement in policy["Statement"] if statement["Effect"] == "Allow"]
    assert {statement["Sid"] for statement in grants} == {
        "AllowCloudFrontRead",
        "AllowCloudFrontUpload",
    }
    for statement in grants:
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
        assert source.endswith(":distribution/<Distribution>"), source


def test_the_distribution_serves_this_bucket_with_this_key_group(stack: dict[str, Any]) -> None:
    config = stack["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}
    [upload] = config["CacheBehaviors"]
    assert upload["TrustedKeyGroups"] == [{"Ref": "KeyPairKeyGroup"}]


def test_the_key_pair_writes_this_secret_under_this_key(stack: dict[str, Any]) -> None:
    properties = stack["Resources"]["KeyPair"]["Properties"]
    assert properties["SecretArn"] == {"Ref": "SigningSecret"}
    assert properties["KmsKeyArn"] == {"Fn::GetAtt": ["SigningSecretKey", "Arn"]}
    assert properties["RotationToken"] == {"Ref": "RotationToken"}


def _role_resources(resolved: ResolvedTemplate) -> set[str]:
    [policy] = resolved.resources()["IntegrationRole"]["Properties"]["Policies"]
    return {
        str(resource)
        for statement in policy["PolicyDocument"]["Statement"]
        for resource in statement["Resource"]
    }


def test_the_role_gets_exactly_this_stacks_secret_key_bucket_and_table(
    stack: dict[str, Any],
) -> None:
    without_table = _role_resources(_resolved(stack))
    with_table = _role_resources(_resolved(stack, CreateMetadataTable="true"))
    assert "*" not in with_table
    assert with_table - without_table == {"<MetadataTable.Arn>", "<MetadataTable.Arn>/index/*"}
    assert without_table == {
        "SigningSecret",
        "<SigningSecretKey.Arn>",
        "<Bucket.Arn>/*",
        "<Bucket.Arn>/uploads/*",
    }


def test_the_table_exists_only_when_asked_for(stack: dict[str, Any]) -> None:
    assert "MetadataTable" not in _resolved(stack).resources()
    table = _resolved(stack, CreateMetadataTable="true", SortKeyName="sk", SortKeyType="N")
    properties = table.resources()["MetadataTable"]["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {"TableName", "TableArn"} <= table.outputs().keys()
    assert not {"TableName", "TableArn"} & _resolved(stack).outputs().keys()


# --- console-first parameters -------------------------------------------------------------------


def test_a_first_launch_needs_at_most_four_answers_all_in_the_first_group(
    stack: dict[str, Any],
) -> None:
    required = [name for name, body in stack["Parameters"].items() if "Default" not in body]
    assert 1 <= len(required) <= 4
    interface = stack["Metadata"]["AWS::CloudFormation::Interface"]
    assert set(required) <= set(interface["ParameterGroups"][0]["Parameters"])
    assert _resolved(stack).rule_failures() == []


def test_console_groups_follow_what_a_team_decides_in_order(stack: dict[str, Any]) -> None:
    groups = stack["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    assert [group["Label"]["default"] for group in groups] == [
        "Your application (choose exactly one)",
        "Custom domain (optional)",
        "Metadata table (optional)",
        "Uploads and downloads",
        "Signing key and rotation",
        "Protection and monitoring (optional)",
        "Role limits",
    ]
    by_group = {group["Label"]["default"]: group["Parameters"] for group in groups}
    assert by_group["Your application (choose exactly one)"][0] == "TrustedService"
    assert "RotationToken" in by_group["Signing key and rotation"]
    assert by_group["Metadata table (optional)"][0] == "CreateMetadataTable"


@pytest.mark.parametrize(
    ("parameters", "named"),
    [
        ({"Aliases": "files.example.com"}, "AcmCertificateArn"),
        (
            {
                "AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/"
                "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
            },
            "Aliases",
        ),
        ({"HostedZoneId": "Z0123456789ABCDEFGHIJ"}, "HostedZoneId"),
        ({"SortKeyType": "S"}, "SortKeyName"),
        ({"SortKeyName": "sk"}, "SortKeyType"),
        ({"CreateMetadataTable": "true", "SortKeyName": "pk", "SortKeyType": "S"}, "SortKeyName"),
        ({"ExternalId": "team-42"}, "ExternalId"),
        ({"TrustedService": "none"}, "TrustedPrincipal"),
        ({"TrustedPrincipal": "role/app"}, "TrustedPrincipal"),
        (
            {
                "TrustedService": "none",
                "TrustedPrincipal": "role/app",
                "TrustedAccountId": "210987654321",
            },
            "ExternalId",
        ),
    ],
)
def test_impossible_combinations_fail_at_launch_naming_the_parameters(
    stack: dict[str, Any], parameters: dict[str, str], named: str
) -> None:
    failures = _resolved(stack, **parameters).rule_failures()
    assert failures, parameters
    assert any(named in failure for failure in failures), failures


def test_a_principal_with_its_external_id_is_a_valid_choice(stack: dict[str, Any]) -> None:
    resolved = ResolvedTemplate(
        stack,
        {
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "TrustedService": "none",
            "TrustedPrincipal": "role/app",
            "ExternalId": "team-42",
        },
    )
    assert resolved.rule_failures() == []
    trust = resolved.resources()["IntegrationRole"]["Properties"]["AssumeRolePolicyDocument"]
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"AWS": ["123456789012"]}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "team-42"},
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app"},
    }


def test_both_roles_carry_the_capabilitys_permissions_boundary(stack: dict[str, Any]) -> None:
    roles = [body for body in stack["Resources"].values() if body["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2
    for role in roles:
        assert role["Properties"]["PermissionsBoundary"] == names.boundary_policy_arn().to_dict()
    assert not [name for name in stack["Parameters"] if "Boundary" in name]


def test_resources_carry_the_capabilitys_names(stack: dict[str, Any]) -> None:
    launch = {"AWS::StackName": "SC-123456789012-pp-abc", "CreateMetadataTable": "true"}
    resources = _resolved(stack, **launch).resources()
    assert resources["SigningSecret"]["Properties"]["Name"] == "signed-urls/SC-123456789012-pp-abc"
    assert resources["MetadataTable"]["Properties"]["TableName"] == (
        "signed-urls-SC-123456789012-pp-abc"
    )
    assert resources["Bucket"]["Properties"]["BucketName"].startswith("signed-urls-")


def test_rotation_token_rotates_like_the_key_pair_product(stack: dict[str, Any]) -> None:
    module = template_data("key-pair")["Parameters"]["RotationToken"]
    assert stack["Parameters"]["RotationToken"] == module


# --- outputs -----------------------------------------------------------------------------------


def test_outputs_give_the_application_everything_exported_but_the_key_id(
    stack: dict[str, Any],
) -> None:
    outputs = stack["Outputs"]
    needed = {
        "BaseUrl",
        "UploadPrefix",
        "SecretArn",
        "RoleArn",
        "InstanceProfileName",
        "TableName",
        "TableArn",
        "BucketName",
        "DistributionId",
        "KeyGroupId",
        "PublicKeyId",
    }
    assert needed <= outputs.keys()
    assert {name for name, output in outputs.items() if "Export" not in output} == {"PublicKeyId"}
    assert outputs["UploadPrefix"]["Value"] == "uploads/"
    assert outputs["InstanceProfileName"]["Condition"] == "IntegrationRoleTrustsEc2"
    ec2 = _resolved(stack, TrustedService="ec2.amazonaws.com")
    assert "InstanceProfileName" in ec2.outputs()
    assert "InstanceProfileName" not in _resolved(stack).outputs()


# --- many teams per account --------------------------------------------------------------------


@pytest.mark.parametrize("origins", ["", "https://app.example.com"])
def test_only_the_key_group_counts_against_a_small_account_quota(
    stack: dict[str, Any], origins: str
) -> None:
    created = [
        body["Type"]
        for body in _resolved(stack, CorsAllowedOrigins=origins).resources_as_written().values()
    ]
    assert created.count("AWS::CloudFront::KeyGroup") == 1
    assert "AWS::CloudFront::CachePolicy" not in created
    assert "AWS::CloudFront::OriginRequestPolicy" not in created
    assert created.count("AWS::CloudFront::ResponseHeadersPolicy") == (1 if origins else 0)


# --- options and size --------------------------------------------------------------------------


def test_modules_must_agree_on_the_upload_prefix() -> None:
    with pytest.raises(GeneratorOptionError, match=r"complete stack: upload_prefix differs"):
        CompleteStackOptions(bucket=BucketOptions(upload_prefix="incoming"))


def test_a_default_sort_key_option_keeps_the_defaults_launchable() -> None:
    options = CompleteStackOptions(
        metadata_table=MetadataTableOptions(default_sort_key_name="sk", default_sort_key_type="N")
    )
    data = build(options).template.to_dict()
    assert data["Parameters"]["SortKeyType"]["Default"] == "N"
    assert ResolvedTemplate(data, FIRST_LAUNCH).rule_failures() == []


def test_template_loads_from_s3_and_stays_under_the_1_mb_limit() -> None:
    size = len(build().to_yaml().encode("utf-8"))
    assert TEMPLATE_BODY_MAX_BYTES < size < TEMPLATE_URL_MAX_BYTES


def test_a_template_over_1_mb_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "function.py"
    source.write_text("#" * 950_000 + "\n", encoding="utf-8")
    options = CompleteStackOptions(key_pair=KeyPairOptions(function_source=source))
    with pytest.raises(GeneratorOptionError, match=r"complete stack: the template is \d+ bytes"):
        build(options)


def test_a_reference_stands_for_a_value_never_for_a_structure() -> None:
    """A parameter Ref may become a resource reference or a literal, not a whole block."""
    assert matches({"Ref": "BucketName"}, {"Fn::GetAtt": ["Bucket", "Arn"]})
    assert matches({"Ref": "PriceClass"}, "PriceClass_100")
    assert not matches({"Ref": "Logging"}, {"Bucket": "logs", "Prefix": "cf/"})
    assert not matches({"Bucket": "logs"}, {"Ref": "Logging"})
    assert not matches({"Fn::Sub": "${Bucket.Arn}/*"}, {"Fn::Sub": "${Bucket.Arn}/uploads/*"})
    assert matches({"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}, "a")
    assert matches(["x", {"Fn::If": ["C", "y", {"Ref": "AWS::NoValue"}]}], ["x"])
    assert not matches(["x", "y"], ["y", "x"])
