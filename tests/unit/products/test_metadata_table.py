"""Metadata table: key schema variants, data protection settings, outputs, option errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from troposphere import Template

from products.building_blocks.errors import GeneratorOptionError
from products.metadata_table import (
    HAS_CUSTOMER_KEY,
    HAS_SORT_KEY,
    HAS_TABLE_NAME,
    HAS_TTL,
    KeyAttribute,
    MetadataTableOptions,
    add_metadata_table,
    build,
)
from tests.support.cfn_resolution import ResolvedTemplate

CMK_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def table_resource() -> dict[str, Any]:
    return build().template.to_dict()["Resources"]["MetadataTable"]


def resolved(parameters: dict[str, Any]) -> ResolvedTemplate:
    return ResolvedTemplate(build().template.to_dict(), parameters)


def table_properties(parameters: dict[str, Any]) -> dict[str, Any]:
    return resolved(parameters).resources()["MetadataTable"]["Properties"]


def is_set(parameter: str) -> dict[str, Any]:
    return {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}


# --- data protection ---------------------------------------------------------------------


def test_table_is_on_demand_recoverable_protected_and_retained() -> None:
    table = table_resource()
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in properties
    assert properties["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True,
        "RecoveryPeriodInDays": 35,
    }
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_table_is_kms_encrypted_with_the_customer_key_when_given() -> None:
    data = build().template.to_dict()
    sse = data["Resources"]["MetadataTable"]["Properties"]["SSESpecification"]
    assert sse == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {
            "Fn::If": [HAS_CUSTOMER_KEY, {"Ref": "TableKmsKeyArn"}, {"Ref": "AWS::NoValue"}]
        },
    }
    assert data["Conditions"][HAS_CUSTOMER_KEY] == is_set("TableKmsKeyArn")


def test_empty_key_arn_means_the_aws_managed_key() -> None:
    """SSEEnabled + KMS without KMSMasterKeyId is DynamoDB's AWS managed key alias/aws/dynamodb."""
    assert table_properties({})["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    given = table_properties({"TableKmsKeyArn": CMK_ARN})["SSESpecification"]
    assert given == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": CMK_ARN}


def test_recovery_period_comes_from_the_options() -> None:
    data = build(MetadataTableOptions(recovery_period_days=7)).template.to_dict()
    pitr = data["Resources"]["MetadataTable"]["Properties"]["PointInTimeRecoverySpecification"]
    assert pitr["RecoveryPeriodInDays"] == 7


# --- key schema --------------------------------------------------------------------------


def test_attribute_definitions_list_only_the_key_attributes_in_the_template() -> None:
    properties = table_resource()["Properties"]
    partition, sort = properties["AttributeDefinitions"]
    assert partition == {
        "AttributeName": {"Ref": "PartitionKeyName"},
        "AttributeType": {"Ref": "PartitionKeyType"},
    }
    assert sort == {
        "Fn::If": [
            HAS_SORT_KEY,
            {"AttributeName": {"Ref": "SortKeyName"}, "AttributeType": {"Ref": "SortKeyType"}},
            {"Ref": "AWS::NoValue"},
        ]
    }
    hash_key, range_key = properties["KeySchema"]
    assert hash_key == {"AttributeName": {"Ref": "PartitionKeyName"}, "KeyType": "HASH"}
    assert range_key == {
        "Fn::If": [
            HAS_SORT_KEY,
            {"AttributeName": {"Ref": "SortKeyName"}, "KeyType": "RANGE"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert build().template.to_dict()["Conditions"][HAS_SORT_KEY] == is_set("SortKeyName")


def test_without_sort_key_the_table_has_a_partition_key_only() -> None:
    properties = table_properties({"PartitionKeyName": "objectKey", "PartitionKeyType": "S"})
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "objectKey", "AttributeType": "S"}
    ]
    assert properties["KeySchema"] == [{"AttributeName": "objectKey", "KeyType": "HASH"}]


def test_with_sort_key_both_keys_are_defined_and_nothing_else() -> None:
    properties = table_properties(
        {
            "PartitionKeyName": "tenant",
            "PartitionKeyType": "S",
            "SortKeyName": "uploadedAt",
            "SortKeyType": "N",
            "TimeToLiveAttributeName": "expiresAt",
        }
    )
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "tenant", "AttributeType": "S"},
        {"AttributeName": "uploadedAt", "AttributeType": "N"},
    ]
    assert properties["KeySchema"] == [
        {"AttributeName": "tenant", "KeyType": "HASH"},
        {"AttributeName": "uploadedAt", "KeyType": "RANGE"},
    ]


def test_key_types_are_string_number_or_binary() -> None:
    parameters = build().template.to_dict()["Parameters"]
    for name in ("PartitionKeyType", "SortKeyType"):
        assert parameters[name]["AllowedValues"] == ["S", "N", "B"]


def test_rule_rejects_a_sort_key_equal_to_the_partition_key() -> None:
    same = resolved({"PartitionKeyName": "id", "SortKeyName": "id"})
    assert same.rule_failures() == ["SortKeyName must differ from PartitionKeyName"]
    assert resolved({"PartitionKeyName": "id", "SortKeyName": "version"}).rule_failures() == []
    assert resolved({"PartitionKeyName": "id"}).rule_failures() == []


# --- optional settings -------------------------------------------------------------------


def test_time_to_live_only_when_an_attribute_is_named() -> None:
    assert "TimeToLiveSpecification" not in table_properties({})
    assert table_properties({"TimeToLiveAttributeName": "expiresAt"})[
        "TimeToLiveSpecification"
    ] == {"AttributeName": "expiresAt", "Enabled": True}
    data = build().template.to_dict()
    assert data["Conditions"][HAS_TTL] == is_set("TimeToLiveAttributeName")


def test_table_name_carries_the_capability_prefix() -> None:
    stack = {"AWS::StackName": "SC-111122223333-pp-abcdefghijklm"}
    assert table_properties(stack)["TableName"] == "signed-urls-SC-111122223333-pp-abcdefghijklm"
    named = table_properties({"MetadataTableName": "team-files"})
    assert named["TableName"] == "signed-urls-team-files"
    data = build().template.to_dict()
    assert data["Conditions"][HAS_TABLE_NAME] == is_set("MetadataTableName")


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        ("PartitionKeyName", "pk", True),
        ("PartitionKeyName", "", False),
        ("PartitionKeyName", "object key", False),
        ("SortKeyName", "", True),
        ("SortKeyName", "uploaded.at", True),
        ("TimeToLiveAttributeName", "", True),
        ("TimeToLiveAttributeName", "a" * 256, False),
        ("MetadataTableName", "", True),
        ("MetadataTableName", "a" * 244, False),
        ("MetadataTableName", "team/files", False),
        ("MetadataTableName", "team-files_v2", True),
        ("TableKmsKeyArn", "", True),
        ("TableKmsKeyArn", CMK_ARN, True),
        ("TableKmsKeyArn", "alias/aws/dynamodb", False),
    ],
)
def test_parameter_patterns(name: str, value: str, accepted: bool) -> None:
    pattern = build().template.to_dict()["Parameters"][name]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


def test_outputs_are_table_name_arn_and_customer_key() -> None:
    outputs = build().template.to_dict()["Outputs"]
    assert set(outputs) == {"TableName", "TableArn", "TableKmsKeyArn"}
    assert outputs["TableName"]["Value"] == {"Ref": "MetadataTable"}
    assert outputs["TableArn"]["Value"] == {"Fn::GetAtt": ["MetadataTable", "Arn"]}
    assert outputs["TableKmsKeyArn"]["Value"] == {"Ref": "TableKmsKeyArn"}
    assert outputs["TableKmsKeyArn"]["Export"] == {
        "Name": {"Fn::Sub": "${AWS::StackName}-TableKmsKeyArn"}
    }


def test_key_output_exists_only_with_a_customer_managed_key() -> None:
    """The integration role needs it (TableKmsKeyArn) to use items of such a table."""
    assert build().template.to_dict()["Outputs"]["TableKmsKeyArn"]["Condition"] == (
        HAS_CUSTOMER_KEY
    )
    assert resolved({"TableKmsKeyArn": CMK_ARN}).outputs()["TableKmsKeyArn"] == CMK_ARN
    assert "TableKmsKeyArn" not in resolved({}).outputs()


def test_add_function_builds_a_fixed_schema_without_conditions() -> None:
    """The single-click product can reuse the function with plain values."""
    template = Template()
    add_metadata_table(
        template,
        partition_key=KeyAttribute("objectKey", "S"),
        sort_key=KeyAttribute("version", "N"),
        ttl_attribute_name="expiresAt",
    )
    properties = template.to_dict()["Resources"]["MetadataTable"]["Properties"]
    assert [item["AttributeName"] for item in properties["AttributeDefinitions"]] == [
        "objectKey",
        "version",
    ]
    assert properties["KeySchema"][1] == {"AttributeName": "version", "KeyType": "RANGE"}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    assert "Conditions" not in template.to_dict()


# --- generator options -------------------------------------------------------------------


def test_default_key_schema_comes_from_the_options() -> None:
    options = MetadataTableOptions(
        default_partition_key_name="objectKey",
        default_partition_key_type="B",
        default_sort_key_name="version",
        default_sort_key_type="N",
    )
    parameters = build(options).template.to_dict()["Parameters"]
    assert [
        parameters[name]["Default"]
        for name in ("PartitionKeyName", "PartitionKeyType", "SortKeyName", "SortKeyType")
    ] == ["objectKey", "B", "version", "N"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"default_partition_key_name": ""}, "default_partition_key_name"),
        ({"default_partition_key_name": "object key"}, "default_partition_key_name"),
        ({"default_sort_key_name": "a/b"}, "default_sort_key_name"),
        ({"default_sort_key_name": "pk"}, "default_sort_key_name ('pk') must differ"),
        ({"default_partition_key_type": "L"}, "default_partition_key_type"),
        ({"default_sort_key_type": "SS"}, "default_sort_key_type"),
        ({"recovery_period_days": 0}, "recovery_period_days"),
        ({"recovery_period_days": 36}, "recovery_period_days"),
    ],
)
def test_impossible_options_are_rejected_naming_the_option(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(GeneratorOptionError, match=re.escape(f"metadata table: {message}")):
        MetadataTableOptions(**options)
