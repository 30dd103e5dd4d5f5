"""The complete stack's console parameters, conditions and rules.

Parameters are the modules' own specs wherever their meaning is the same (``respec`` only where
the text must change: nothing here is "the output of another product"). A first launch needs
one answer, what the application runs on; everything else has a default. Conditions and rules
come from the modules' functions, under the modules' names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from troposphere import And, Equals, Not, Or, Ref, Template

from products import bucket, distribution, integration_role, metadata_table
from products.building_blocks.product_template import ParameterGroup, parameter_spec, respec
from products.complete_stack.options import CompleteStackOptions
from products.key_pair import template as key_pair

#: Condition: the team asked for the metadata table.
CREATES_TABLE = "SignedUrlsCreatesMetadataTable"

_TRUE_OR_FALSE = {"AllowedValues": ["false", "true"], "ConstraintDescription": "true or false"}


def _application(options: integration_role.IntegrationRoleOptions) -> ParameterGroup:
    """What the application runs on: the one answer a first launch needs (no default)."""
    who = integration_role.who_assumes_the_role(options)
    return ParameterGroup(
        "Your application (choose exactly one)",
        (
            respec(
                who.spec("TrustedService"),
                label="Your application runs on",
                drop=("Default",),
                Description="Where your application runs: ECS tasks, Lambda functions, or EC2 "
                "instances (with an instance profile). Choose 'none' to name an IAM role or "
                "user (or root, the whole account) in TrustedPrincipal instead.",
            ),
            who.spec("TrustedPrincipal"),
            who.spec("TrustedAccountId"),
            who.spec("ExternalId"),
        ),
    )


def _metadata_table(options: metadata_table.MetadataTableOptions) -> ParameterGroup:
    """The optional table and its key schema (the key pair defaults are the table product's)."""
    key_schema = metadata_table.key_schema_parameters(options)
    sort_key_type = options.default_sort_key_type if options.default_sort_key_name else ""
    return ParameterGroup(
        "Metadata table (optional)",
        (
            parameter_spec(
                "CreateMetadataTable",
                label="Create a metadata table",
                Description="true: a DynamoDB table for your file records (on-demand, "
                "point-in-time recovery, encrypted, deletion protection, kept when the stack "
                "goes), whose items the role may use. Its key schema follows.",
                Default="false",
                **_TRUE_OR_FALSE,
            ),
            key_schema.spec("PartitionKeyName"),
            key_schema.spec("PartitionKeyType"),
            key_schema.spec("SortKeyName"),
            respec(
                key_schema.spec("SortKeyType"),
                Description="DynamoDB type of the sort key: S, N or B; empty without a sort key.",
                Default=sort_key_type,
                AllowedValues=["", *metadata_table.KEY_ATTRIBUTE_TYPES],
                ConstraintDescription="empty, S (string), N (number) or B (binary)",
            ),
            metadata_table.TABLE_PARAMETERS.spec("TimeToLiveAttributeName"),
            metadata_table.TABLE_PARAMETERS.spec("MetadataTableName"),
        ),
    )


def _uploads_and_downloads(options: bucket.BucketOptions) -> ParameterGroup:
    """Browser access, signed downloads, edge locations and the bucket's lifecycle rules."""
    return ParameterGroup(
        "Uploads and downloads",
        (
            respec(
                distribution.DELIVERY_PARAMETERS.spec("CorsAllowedOrigins"),
                Description="Optional comma-separated web origins (no spaces) whose pages may "
                "GET, HEAD and PUT from a browser, e.g. https://app.example.com; the bucket and "
                "the distribution both allow them. Empty: no CORS.",
            ),
            distribution.SIGNING_PARAMETERS.spec("RequireSignedDownloads"),
            distribution.DELIVERY_PARAMETERS.spec("PriceClass"),
            *bucket.lifecycle_parameters(options).parameters,
        ),
    )


def _signing_key() -> ParameterGroup:
    """Key algorithm, rotation and the key pair function's concurrency."""
    return ParameterGroup(
        "Signing key and rotation",
        (*key_pair.KEY_PAIR_PARAMETERS.parameters, *key_pair.FUNCTION_PARAMETERS.parameters),
    )


def _protection_and_monitoring() -> ParameterGroup:
    """WAF, CloudFront and S3 logs, the 5xx alarm: all optional."""
    cloudfront = distribution.PROTECTION_AND_MONITORING_PARAMETERS
    labels = {
        "LoggingBucketName": "CloudFront log bucket",
        "LoggingPrefix": "CloudFront log prefix",
    }
    s3_log_bucket, s3_log_prefix = bucket.ACCESS_LOG_PARAMETERS
    return ParameterGroup(
        "Protection and monitoring (optional)",
        (
            *(respec(spec, label=labels.get(spec.name)) for spec in cloudfront.parameters),
            respec(s3_log_bucket, label="S3 access log bucket"),
            respec(s3_log_prefix, label="S3 access log prefix"),
        ),
    )


def parameter_groups(options: CompleteStackOptions) -> tuple[ParameterGroup, ...]:
    """Every parameter, in console order."""
    return (
        _application(options.integration_role),
        ParameterGroup(
            "Custom domain (optional)", distribution.CUSTOM_DOMAIN_PARAMETERS.parameters
        ),
        _metadata_table(options.metadata_table),
        _uploads_and_downloads(options.bucket),
        _signing_key(),
        _protection_and_monitoring(),
        ParameterGroup(
            "Role limits", integration_role.role_limits(options.integration_role).parameters
        ),
    )


def _is_set(parameter: Any) -> Not:
    return Not(Equals(Ref(parameter), ""))


def add_conditions(
    template: Template, parameters: Mapping[str, Any], options: CompleteStackOptions
) -> None:
    """The modules' conditions, under their names, plus whether the table is created."""
    distribution.add_conditions(template, parameters)
    key_pair.add_reserve_concurrency_condition(template, parameters)
    # A sort key needs both its name and its type here (the type may be empty): both in the
    # condition, so that linters see no empty type reach the key schema.
    template.add_condition(
        metadata_table.HAS_SORT_KEY,
        And(_is_set(parameters["SortKeyName"]), _is_set(parameters["SortKeyType"])),
    )
    template.add_condition(metadata_table.HAS_TTL, _is_set(parameters["TimeToLiveAttributeName"]))
    metadata_table.add_table_name_condition(template, parameters)
    template.add_condition(CREATES_TABLE, Equals(Ref(parameters["CreateMetadataTable"]), "true"))
    integration_role.add_trust_conditions(
        template, parameters, trusts_ec2=options.integration_role.trusts_ec2
    )


def add_rules(template: Template, parameters: Mapping[str, Any]) -> None:
    """Impossible combinations fail at launch, naming the parameters, before any resource."""
    distribution.add_rules(template, parameters)
    template.add_rule(
        "SignedUrlsTrustChoice", {"Assertions": integration_role.trust_assertions(parameters)}
    )
    integration_role.add_other_account_rule(template, parameters)
    no_name = Equals(Ref(parameters["SortKeyName"]), "")
    no_type = Equals(Ref(parameters["SortKeyType"]), "")
    template.add_rule(
        "SignedUrlsTableKeySchema",
        {
            "Assertions": [
                {
                    "Assert": Or(And(no_name, no_type), And(Not(no_name), Not(no_type))),
                    "AssertDescription": "SortKeyName and SortKeyType go together: a sort key "
                    "type needs a SortKeyName, a sort key name a SortKeyType",
                },
                metadata_table.distinct_keys(parameters),
            ]
        },
    )
