"""Metadata table product: an optional DynamoDB table for file metadata.

The team chooses the key schema (partition key, optional sort key) and an optional TTL
attribute. The table is always on-demand, has point-in-time recovery, is encrypted with KMS
(a customer-managed key when one is given, otherwise the AWS managed key
``alias/aws/dynamodb``), has deletion protection and is retained when the stack goes: it
holds data nobody can regenerate.

The table is named ``signed-urls-<suffix>`` (``capability_names``; the suffix is
MetadataTableName, or the stack name): the integration role accepts only such tables, and the
permissions boundary of its role covers no other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from troposphere import Equals, GetAtt, If, Not, NoValue, Ref, Sub, Template
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
    TimeToLiveSpecification,
)

from products.building_blocks import capability_names as names
from products.building_blocks import parameter_patterns as patterns
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import (
    ParameterGroup,
    ProductTemplate,
    parameter_spec,
)
from products.building_blocks.usage import (
    PassOn,
    ProductUsage,
    ToParameter,
    ToRuntime,
    Troubleshooting,
)

#: DynamoDB scalar types a key attribute may have: string, number, binary.
KEY_ATTRIBUTE_TYPES = ["S", "N", "B"]

#: Attribute names this product accepts (DynamoDB allows more; these survive every SDK/CLI).
ATTRIBUTE_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,255}$"

_OPTIONAL_ATTRIBUTE_NAME_PATTERN = r"^$|^[A-Za-z0-9_.-]{1,255}$"
_ATTRIBUTE_NAME_CONSTRAINT = "1-255 characters: letters, digits, underscore, dot and dash"
_TABLE_NAME_PATTERN = patterns.optional(patterns.TABLE_NAME_SUFFIX)
_KMS_KEY_ARN_PATTERN = patterns.optional(patterns.KMS_KEY_ARN)

HAS_SORT_KEY = "MetadataTableHasSortKey"
HAS_TTL = "MetadataTableHasTimeToLive"
HAS_TABLE_NAME = "MetadataTableHasName"
HAS_CUSTOMER_KEY = "MetadataTableHasCustomerManagedKey"


@dataclass(frozen=True)
class MetadataTableOptions:
    """Build-time choices: the default key schema offered in the console and PITR window."""

    default_partition_key_name: str = "pk"
    default_partition_key_type: str = "S"
    default_sort_key_name: str = ""
    default_sort_key_type: str = "S"
    recovery_period_days: int = 35

    def __post_init__(self) -> None:
        if not re.fullmatch(ATTRIBUTE_NAME_PATTERN, self.default_partition_key_name):
            raise GeneratorOptionError(
                f"metadata table: default_partition_key_name "
                f"({self.default_partition_key_name!r}) must be {_ATTRIBUTE_NAME_CONSTRAINT}"
            )
        if self.default_sort_key_name and not re.fullmatch(
            ATTRIBUTE_NAME_PATTERN, self.default_sort_key_name
        ):
            raise GeneratorOptionError(
                f"metadata table: default_sort_key_name ({self.default_sort_key_name!r}) "
                f"must be empty or {_ATTRIBUTE_NAME_CONSTRAINT}"
            )
        if self.default_sort_key_name == self.default_partition_key_name:
            raise GeneratorOptionError(
                f"metadata table: default_sort_key_name ({self.default_sort_key_name!r}) "
                "must differ from default_partition_key_name"
            )
        for option in ("default_partition_key_type", "default_sort_key_type"):
            if getattr(self, option) not in KEY_ATTRIBUTE_TYPES:
                raise GeneratorOptionError(
                    f"metadata table: {option} ({getattr(self, option)!r}) must be one of "
                    f"{', '.join(KEY_ATTRIBUTE_TYPES)}"
                )
        if not 1 <= self.recovery_period_days <= 35:
            raise GeneratorOptionError(
                f"metadata table: recovery_period_days ({self.recovery_period_days}) "
                "must be between 1 and 35"
            )


@dataclass(frozen=True)
class KeyAttribute:
    """One key attribute: its name and DynamoDB type (troposphere values or strings)."""

    name: Any
    type: Any


def _when(condition: str | None, value: Any) -> Any:
    """``value`` unconditionally, or only while ``condition`` holds."""
    return value if condition is None else If(condition, value, NoValue)


def add_metadata_table(
    template: Template,
    *,
    partition_key: KeyAttribute,
    sort_key: KeyAttribute | None = None,
    sort_key_condition: str | None = None,
    ttl_attribute_name: Any = None,
    ttl_condition: str | None = None,
    table_name: Any = None,
    kms_key_id: Any = None,
    recovery_period_days: int = 35,
    condition: str | None = None,
) -> Table:
    """On-demand, PITR, KMS-encrypted, deletion-protected table; retained with its data.

    ``sort_key``/``ttl_attribute_name`` are added only while their condition holds (always
    when the condition is None). ``table_name`` None lets CloudFormation name the table;
    ``kms_key_id`` None (or NoValue) means the AWS managed key ``alias/aws/dynamodb``. With
    ``condition`` the table exists only while it holds.
    """
    attributes = [
        AttributeDefinition(AttributeName=partition_key.name, AttributeType=partition_key.type)
    ]
    key_schema = [KeySchema(AttributeName=partition_key.name, KeyType="HASH")]
    if sort_key is not None:
        attributes.append(
            _when(
                sort_key_condition,
                AttributeDefinition(AttributeName=sort_key.name, AttributeType=sort_key.type),
            )
        )
        key_schema.append(
            _when(sort_key_condition, KeySchema(AttributeName=sort_key.name, KeyType="RANGE"))
        )
    optional: dict[str, Any] = {}
    if ttl_attribute_name is not None:
        optional["TimeToLiveSpecification"] = _when(
            ttl_condition,
            TimeToLiveSpecification(AttributeName=ttl_attribute_name, Enabled=True),
        )
    if table_name is not None:
        optional["TableName"] = table_name
    if condition is not None:
        optional["Condition"] = condition
    encryption = SSESpecification(SSEEnabled=True, SSEType="KMS")
    if kms_key_id is not None:
        encryption.KMSMasterKeyId = kms_key_id
    return template.add_resource(
        Table(
            "MetadataTable",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=attributes,
            KeySchema=key_schema,
            PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(
                PointInTimeRecoveryEnabled=True,
                RecoveryPeriodInDays=recovery_period_days,
            ),
            SSESpecification=encryption,
            DeletionProtectionEnabled=True,
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            **optional,
        )
    )


#: A key attribute's type: the parameter values DynamoDB accepts, explained.
_KEY_TYPE_CHOICE = {
    "AllowedValues": KEY_ATTRIBUTE_TYPES,
    "ConstraintDescription": "S (string), N (number) or B (binary)",
}


def key_schema_parameters(options: MetadataTableOptions) -> ParameterGroup:
    """Partition and sort key: the options give the default schema offered."""
    return ParameterGroup(
        "Key schema",
        (
            parameter_spec(
                "PartitionKeyName",
                label="Partition key name",
                Description="Name of the partition (hash) key attribute. Changing the key "
                "schema later replaces the table (give a new MetadataTableName with it): the "
                "new one starts empty, the old one is retained.",
                Default=options.default_partition_key_name,
                AllowedPattern=ATTRIBUTE_NAME_PATTERN,
                ConstraintDescription=_ATTRIBUTE_NAME_CONSTRAINT,
            ),
            parameter_spec(
                "PartitionKeyType",
                label="Partition key type",
                Description="DynamoDB type of the partition key: S, N or B.",
                Default=options.default_partition_key_type,
                **_KEY_TYPE_CHOICE,
            ),
            parameter_spec(
                "SortKeyName",
                label="Sort key name (optional)",
                Description="Name of the sort (range) key attribute; empty for a table "
                "without a sort key. Must differ from the partition key name.",
                Default=options.default_sort_key_name,
                AllowedPattern=_OPTIONAL_ATTRIBUTE_NAME_PATTERN,
                ConstraintDescription=f"empty, or {_ATTRIBUTE_NAME_CONSTRAINT}",
            ),
            parameter_spec(
                "SortKeyType",
                label="Sort key type",
                Description="DynamoDB type of the sort key: S, N or B (ignored without one).",
                Default=options.default_sort_key_type,
                **_KEY_TYPE_CHOICE,
            ),
        ),
    )


TABLE_PARAMETERS = ParameterGroup(
    "Table",
    (
        parameter_spec(
            "TimeToLiveAttributeName",
            label="TTL attribute (optional)",
            Description="Attribute holding the expiry time (epoch seconds, type N) after "
            "which DynamoDB deletes the item; empty for no TTL.",
            Default="",
            AllowedPattern=_OPTIONAL_ATTRIBUTE_NAME_PATTERN,
            ConstraintDescription=f"empty, or {_ATTRIBUTE_NAME_CONSTRAINT}",
        ),
        parameter_spec(
            "MetadataTableName",
            label="Table name suffix (optional)",
            Description=f"The table is named {names.TABLE_NAME_PREFIX}<this>; empty uses the "
            "stack name. A key schema change replaces the table, which needs a new name: "
            "change this suffix in the same update (the old table is retained).",
            Default="",
            AllowedPattern=_TABLE_NAME_PATTERN,
            ConstraintDescription=f"empty, or 1-{255 - len(names.TABLE_NAME_PREFIX)} "
            "characters: letters, digits, _ . -",
        ),
    ),
)

_ENCRYPTION_PARAMETERS = ParameterGroup(
    "Encryption",
    (
        parameter_spec(
            "TableKmsKeyArn",
            label="Customer-managed KMS key ARN (optional)",
            Description="ARN of a customer-managed KMS key whose key policy lets DynamoDB "
            "use it; empty uses the AWS managed key alias/aws/dynamodb. Not the signing "
            "secret's key (that key only serves Secrets Manager).",
            Default="",
            AllowedPattern=_KMS_KEY_ARN_PATTERN,
            ConstraintDescription="empty, or a KMS key ARN "
            "(arn:aws:kms:<region>:<account>:key/<key id>)",
        ),
    ),
)


def _is_set(parameter: Any) -> Not:
    return Not(Equals(Ref(parameter), ""))


def distinct_keys(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Rule assertion: the sort key is not the partition key."""
    return {
        "Assert": Not(Equals(Ref(parameters["SortKeyName"]), Ref(parameters["PartitionKeyName"]))),
        "AssertDescription": "SortKeyName must differ from PartitionKeyName",
    }


def add_table_name_condition(template: Template, parameters: Mapping[str, Any]) -> None:
    """``HAS_TABLE_NAME``, from ``MetadataTableName`` (``capability_table_name`` uses it)."""
    template.add_condition(HAS_TABLE_NAME, _is_set(parameters["MetadataTableName"]))


def capability_table_name(parameters: Mapping[str, Any]) -> Sub:
    """``signed-urls-<MetadataTableName>``, or ``signed-urls-<stack name>`` without one."""
    return Sub(
        f"{names.TABLE_NAME_PREFIX}${{Suffix}}",
        Suffix=If(HAS_TABLE_NAME, Ref(parameters["MetadataTableName"]), Ref("AWS::StackName")),
    )


def build(options: MetadataTableOptions | None = None) -> ProductTemplate:
    """The standalone metadata table product."""
    options = options or MetadataTableOptions()
    product = ProductTemplate(
        "Signed URLs - metadata table: DynamoDB table for file metadata (on-demand, "
        "point-in-time recovery, KMS encryption, deletion protection)"
    )
    parameters = product.add_parameter_groups(
        (key_schema_parameters(options), TABLE_PARAMETERS, _ENCRYPTION_PARAMETERS)
    )
    template = product.template
    template.add_condition(HAS_SORT_KEY, _is_set(parameters["SortKeyName"]))
    template.add_condition(HAS_TTL, _is_set(parameters["TimeToLiveAttributeName"]))
    add_table_name_condition(template, parameters)
    template.add_condition(HAS_CUSTOMER_KEY, _is_set(parameters["TableKmsKeyArn"]))
    template.add_rule("MetadataTableDistinctKeys", {"Assertions": [distinct_keys(parameters)]})
    table = add_metadata_table(
        template,
        partition_key=KeyAttribute(
            Ref(parameters["PartitionKeyName"]), Ref(parameters["PartitionKeyType"])
        ),
        sort_key=KeyAttribute(Ref(parameters["SortKeyName"]), Ref(parameters["SortKeyType"])),
        sort_key_condition=HAS_SORT_KEY,
        ttl_attribute_name=Ref(parameters["TimeToLiveAttributeName"]),
        ttl_condition=HAS_TTL,
        table_name=capability_table_name(parameters),
        kms_key_id=If(HAS_CUSTOMER_KEY, Ref(parameters["TableKmsKeyArn"]), NoValue),
        recovery_period_days=options.recovery_period_days,
    )
    product.add_output("TableName", Ref(table), "Name of the metadata table")
    product.add_output("TableArn", GetAtt(table, "Arn"), "ARN of the metadata table")
    # Only a customer-managed key needs a grant in the integration role (the AWS managed key's
    # policy already lets the account use it through DynamoDB), so only then is there an output.
    product.add_output(
        "TableKmsKeyArn",
        Ref(parameters["TableKmsKeyArn"]),
        "ARN of the table's customer-managed KMS key (the integration role's TableKmsKeyArn)",
    ).Condition = HAS_CUSTOMER_KEY
    return product


#: How the product is used: rendered into its reference page (products/reference_docs.py).
USAGE = ProductUsage(
    when_to_use="Launch it, with the modular products, when the application keeps records "
    "of its files (owner, upload state, content type) and the table must be encrypted with "
    "your own KMS key (`TableKmsKeyArn`); otherwise the complete stack creates the same table "
    "with `CreateMetadataTable=true`.",
    provisioned_product_name="photos-table",
    parameters=(
        ("PartitionKeyName", "ownerId"),
        ("SortKeyName", "fileId"),
    ),
    pass_on=(
        PassOn(
            "TableArn",
            (ToParameter("integration-role", "TableArn"),),
            "lets the application's role use the table's items",
        ),
        PassOn(
            "TableKmsKeyArn",
            (ToParameter("integration-role", "TableKmsKeyArn"),),
            "only with your own key: the role may use it through DynamoDB",
        ),
        PassOn(
            "TableName",
            (ToRuntime("the application's data access code (boto3 `Table(TableName)`)"),),
            "where the application reads and writes its records",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="An update fails: CloudFormation cannot update a stack when a custom-named "
        "resource requires replacing",
        fix="a key schema change replaces the table, which needs a new name: give a new "
        "`MetadataTableName` in the same update (the old table is retained)",
    ),
)
