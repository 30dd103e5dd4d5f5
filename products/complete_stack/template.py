"""The complete stack's template: the modules' ``add_*`` functions, wired in one template.

Where a modular product takes another product's output as a parameter, this template passes
the in-template reference instead: the key pair gets the secret's ARN and the KMS key's ARN, the
distribution the key group's ID and the bucket's regional domain name, the bucket policy the
distribution's ARN (a separate ``AWS::S3::BucketPolicy``, so there is no bucket/distribution
cycle and no second step), the role the ARNs of this stack's secret, key, bucket and table.
Nothing here defines a resource: tests/unit/products/test_complete_stack.py proves that every
resource has a twin in a module's template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from troposphere import GetAtt, If, NoValue, Ref, Split, Sub, Template
from troposphere.cloudfront import Distribution, KeyGroup
from troposphere.dynamodb import Table
from troposphere.iam import InstanceProfile, Role
from troposphere.kms import Key
from troposphere.s3 import Bucket
from troposphere.secretsmanager import Secret

from products import bucket as bucket_module
from products import distribution as distribution_module
from products import integration_role, key_pair, metadata_table, secret
from products.building_blocks import capability_names as names
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import TEMPLATE_URL_MAX_BYTES, ProductTemplate
from products.complete_stack.options import CompleteStackOptions
from products.complete_stack.parameters import (
    CREATES_TABLE,
    add_conditions,
    add_rules,
    parameter_groups,
)
from products.key_pair.template import (
    RESERVED_CONCURRENCY,
    RESERVES_CONCURRENCY,
    SigningKeyPair,
    default_key_group_name,
)

DESCRIPTION = (
    "Signed URLs - complete stack: signing key and secret, private bucket with a write-only "
    "upload inbox, CloudFront distribution with signed downloads and uploads, optional "
    "metadata table and the role the application assumes, in one launch"
)


def build(options: CompleteStackOptions | None = None) -> ProductTemplate:
    """The complete stack product."""
    options = options or CompleteStackOptions()
    product = ProductTemplate(DESCRIPTION)
    template = product.template
    parameters = product.add_parameter_groups(parameter_groups(options))
    add_conditions(template, parameters, options)
    add_rules(template, parameters)
    key, signing_secret = _add_secret(template)
    key_pair_resource, key_group = _add_key_pair(template, parameters, options, key, signing_secret)
    bucket = _add_bucket(template, parameters, options)
    distribution = _add_distribution(template, parameters, options, bucket, key_group)
    table = _add_table(template, parameters, options)
    role, profile = _add_role(template, parameters, options, key, signing_secret, bucket, table)
    _add_outputs(
        product,
        parameters,
        options,
        resources={
            "secret": signing_secret,
            "key_pair": key_pair_resource,
            "key_group": key_group,
            "bucket": bucket,
            "distribution": distribution,
            "table": table,
            "role": role,
            "instance_profile": profile,
        },
    )
    _check_size(product)
    return product


def _add_secret(template: Template) -> tuple[Key, Secret]:
    """The secret product's KMS key and secret; the secret is named after the stack."""
    key = secret.add_signing_key(template, alias_name=secret.stack_key_alias())
    signing_secret = secret.add_signing_secret(
        template, name=Sub(f"{names.SECRET_NAME_PREFIX}${{AWS::StackName}}"), key=key
    )
    return key, signing_secret


def _add_key_pair(
    template: Template,
    parameters: Mapping[str, Any],
    options: CompleteStackOptions,
    key: Key,
    signing_secret: Secret,
) -> tuple[SigningKeyPair, KeyGroup]:
    """The key pair product's function, custom resource and key group, on this secret."""
    secret_arn, kms_key_arn = Ref(signing_secret), GetAtt(key, "Arn")
    function = key_pair.add_key_pair_function(
        template,
        secret_arn=secret_arn,
        kms_key_arn=kms_key_arn,
        reserved_concurrency=If(RESERVES_CONCURRENCY, RESERVED_CONCURRENCY, NoValue),
        options=options.key_pair,
    )
    key_pair_resource = key_pair.add_signing_key_pair(
        template,
        function=function,
        secret_arn=secret_arn,
        kms_key_arn=kms_key_arn,
        key_algorithm=Ref(parameters["KeyAlgorithm"]),
        rotation_token=Ref(parameters["RotationToken"]),
        service_timeout_seconds=options.key_pair.service_timeout_seconds,
    )
    key_group = key_pair.add_key_group(
        template,
        key_pair=key_pair_resource,
        name=default_key_group_name(),
        comment=NoValue,
    )
    return key_pair_resource, key_group


def _add_bucket(
    template: Template, parameters: Mapping[str, Any], options: CompleteStackOptions
) -> Bucket:
    """The bucket product's bucket: SSE-S3, the distribution's CORS origins, its lifecycle."""
    return bucket_module.add_bucket(
        template,
        kms_key_arn=None,
        lifecycle_days=bucket_module.lifecycle_days(parameters),
        upload_prefix=options.upload_prefix,
        cors_allowed_origins=Split(",", Ref(parameters["CorsAllowedOrigins"])),
        cors_max_age_seconds=options.bucket.cors_max_age_seconds,
        access_log_bucket=Ref(parameters["AccessLogBucketName"]),
        access_log_prefix=Ref(parameters["AccessLogPrefix"]),
    )


def _add_distribution(
    template: Template,
    parameters: Mapping[str, Any],
    options: CompleteStackOptions,
    bucket: Bucket,
    key_group: KeyGroup,
) -> Distribution:
    """The distribution product's distribution on this bucket and key group, and the bucket
    policy that names this distribution (CloudFormation creates it once the distribution is)."""
    distribution = distribution_module.add_signed_distribution(
        template,
        parameters,
        options.distribution,
        origin_domain_name=GetAtt(bucket, "RegionalDomainName"),
        key_group_id=Ref(key_group),
    )
    distribution_module.add_dns_records_and_alarm(template, parameters, distribution)
    bucket_module.add_bucket_policy(
        template,
        bucket=bucket,
        distribution_arn=distribution_module.distribution_arn(distribution),
        upload_prefix=options.upload_prefix,
    )
    return distribution


def _add_table(
    template: Template, parameters: Mapping[str, Any], options: CompleteStackOptions
) -> Table:
    """The metadata table product's table, only with CreateMetadataTable=true."""
    return metadata_table.add_metadata_table(
        template,
        partition_key=metadata_table.KeyAttribute(
            Ref(parameters["PartitionKeyName"]), Ref(parameters["PartitionKeyType"])
        ),
        sort_key=metadata_table.KeyAttribute(
            Ref(parameters["SortKeyName"]), Ref(parameters["SortKeyType"])
        ),
        sort_key_condition=metadata_table.HAS_SORT_KEY,
        ttl_attribute_name=Ref(parameters["TimeToLiveAttributeName"]),
        ttl_condition=metadata_table.HAS_TTL,
        table_name=metadata_table.capability_table_name(parameters),
        recovery_period_days=options.metadata_table.recovery_period_days,
        condition=CREATES_TABLE,
    )


def _add_role(
    template: Template,
    parameters: Mapping[str, Any],
    options: CompleteStackOptions,
    key: Key,
    signing_secret: Secret,
    bucket: Bucket,
    table: Table,
) -> tuple[Role, InstanceProfile | None]:
    """The integration role product's role, granted exactly this stack's secret (through its
    key), bucket and, when created, table; EC2 gets the instance profile."""
    role_options = options.integration_role
    role = integration_role.add_integration_role(
        template,
        trust=integration_role.application_trust(parameters),
        access_statements=[
            *integration_role.signing_key_statements(
                secret_arn=Ref(signing_secret), kms_key_arn=GetAtt(key, "Arn")
            ),
            If(
                CREATES_TABLE,
                integration_role.table_statement(table_arn=GetAtt(table, "Arn")),
                NoValue,
            ),
            *integration_role.bucket_statements(
                bucket_arn=GetAtt(bucket, "Arn"), upload_prefix=options.upload_prefix
            ),
        ],
        path=role_options.role_path,
        max_session_duration=Ref(parameters["MaxSessionDuration"]),
    )
    if not role_options.trusts_ec2:
        return role, None
    profile = integration_role.add_instance_profile(
        template, role=role, path=role_options.role_path, condition=integration_role.TRUSTS_EC2
    )
    return role, profile


def _add_outputs(
    product: ProductTemplate,
    parameters: Mapping[str, Any],
    options: CompleteStackOptions,
    *,
    resources: Mapping[str, Any],
) -> None:
    """What the application needs, nothing to look up; exported like every product's."""
    distribution = resources["distribution"]
    product.add_output(
        "BaseUrl",
        distribution_module.base_url(parameters, distribution),
        "https:// URL to sign object paths under (first alias, else the CloudFront domain)",
    )
    product.add_output(
        "UploadPrefix",
        f"{options.upload_prefix}/",
        "Key prefix of the upload inbox: PUT <BaseUrl>/<UploadPrefix><your id> with a signed URL",
    )
    product.add_output(
        "SecretArn", Ref(resources["secret"]), "Secret holding the current signing key pair"
    )
    role = resources["role"]
    product.add_output("RoleArn", GetAtt(role, "Arn"), "ARN of the role the application assumes")
    product.add_output("RoleName", Ref(role), "Name of the role the application assumes")
    if resources["instance_profile"] is not None:
        product.add_output(
            "InstanceProfileName",
            Ref(resources["instance_profile"]),
            "Instance profile for EC2 (ec2 trust only)",
        ).Condition = integration_role.TRUSTS_EC2
    table = resources["table"]
    for name, value, description in (
        ("TableName", Ref(table), "Name of the metadata table"),
        ("TableArn", GetAtt(table, "Arn"), "ARN of the metadata table"),
    ):
        product.add_output(name, value, description).Condition = CREATES_TABLE
    bucket = resources["bucket"]
    product.add_output("BucketName", Ref(bucket), "Name of the bucket")
    product.add_output(
        "BucketRegionalDomainName",
        GetAtt(bucket, "RegionalDomainName"),
        "The bucket's own endpoint, which refuses every request (the kit's smoke test checks it)",
    )
    product.add_output("DistributionId", Ref(distribution), "ID of the CloudFront distribution")
    product.add_output(
        "KeyGroupId", Ref(resources["key_group"]), "CloudFront key group that verifies signatures"
    )
    product.add_output(
        "PublicKeyId",
        GetAtt(resources["key_pair"], "PublicKeyId"),
        "Current CloudFront public key ID. Changes on every rotation, so it is not exported; "
        "read keyPairId from the secret instead",
        exported=False,
    )


def _check_size(product: ProductTemplate) -> None:
    """Refuse a template Service Catalog could not load (the key pair function is inlined)."""
    size = len(product.to_yaml().encode("utf-8"))
    if size > TEMPLATE_URL_MAX_BYTES:
        raise GeneratorOptionError(
            f"complete stack: the template is {size} bytes; Service Catalog loads templates up "
            f"to {TEMPLATE_URL_MAX_BYTES} bytes (1 MB): a smaller key_pair function_source"
        )
