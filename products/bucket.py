"""Bucket product: the private S3 bucket that only the team's CloudFront distribution uses.

The bucket blocks all public access, enforces bucket-owner object ownership (required by
Origin Access Control), encrypts by default (SSE-S3, or SSE-KMS with a bucket key), keeps
versions, and only accepts TLS. The upload prefix is a write-only inbox: the policy grants the
CloudFront service principal, scoped to one distribution by ``AWS:SourceArn``, writes under the
upload prefix only and reads of every object, and denies every CloudFront read under the upload
prefix, so nothing uploaded is served until the application has validated it and copied it out;
it never grants deletes. Every object change goes to EventBridge, so the application learns of
each upload. The distribution needs the bucket and the policy needs the distribution, so the
policy's CloudFront grants are empty until ``DistributionArn`` is set, and a distribution of
another account never gets one.

The bucket is named ``signed-urls-<account>-<region>-<stack id>`` (``capability_names``): other
products accept only such buckets, and the permissions boundary of their roles covers no other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from awacs import s3 as s3_actions
from awacs.aws import Allow, ArnLike, Condition, Deny, Principal, Statement, StringEquals
from troposphere import Equals, GetAtt, If, Join, Not, NoValue, Ref, Sub, Template
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    CorsConfiguration,
    CorsRules,
    LifecycleConfiguration,
    LifecycleRule,
    LifecycleRuleTransition,
    LoggingConfiguration,
    NoncurrentVersionExpiration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from products.building_blocks import capability_names as names
from products.building_blocks import parameter_patterns as patterns
from products.building_blocks.control_tower import declare_not_applicable
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.private_bucket import (
    accept_objects_arn_join,
    block_all_public_access,
    bucket_owner_enforced,
    deny_without_tls,
    events_to_eventbridge,
)
from products.building_blocks.product_template import (
    ParameterGroup,
    ParameterSpec,
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

#: The service principal Origin Access Control signs S3 requests as.
CLOUDFRONT_SERVICE_PRINCIPAL = "cloudfront.amazonaws.com"

#: Every distribution of this account (``AWS:SourceArn`` of an OAC request names one).
THIS_ACCOUNTS_DISTRIBUTIONS = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"

#: Condition names (prefixed so a combined template can hold them next to other products').
USES_KMS = "BucketUsesKms"
HAS_DISTRIBUTION = "BucketHasDistribution"
HAS_CORS = "BucketHasCors"
HAS_ACCESS_LOGGING = "BucketHasAccessLogging"
EXPIRES_NONCURRENT_VERSIONS = "BucketExpiresNoncurrentVersions"
EXPIRES_UPLOADS = "BucketExpiresUploads"
TRANSITIONS_TO_INTELLIGENT_TIERING = "BucketTransitionsToIntelligentTiering"

#: Allowed ranges of the lifecycle parameters (days); 0 turns the rule off where allowed.
ABORT_MULTIPART_UPLOAD_DAYS = (1, 365)
LIFECYCLE_DAYS = (0, 3650)
CORS_MAX_AGE_SECONDS = (0, 86400)

_UPLOAD_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
DISTRIBUTION_ARN_PATTERN = patterns.optional(
    rf"arn:{patterns.PARTITION}:cloudfront::{patterns.ACCOUNT_ID}:distribution/[A-Z0-9]+"
)
KMS_KEY_ARN_PATTERN = patterns.optional(patterns.KMS_KEY_ARN)
#: Applied by CloudFormation to each origin in the list; "" is the empty list.
CORS_ORIGIN_PATTERN = patterns.optional(patterns.WEB_ORIGIN)
LOG_BUCKET_NAME_PATTERN = patterns.optional(patterns.LOG_BUCKET_NAME)
LOG_PREFIX_PATTERN = r"^[A-Za-z0-9!_.'()/-]{0,200}$"


@dataclass(frozen=True)
class BucketOptions:
    """Build-time choices: the upload prefix and the defaults of the lifecycle parameters."""

    upload_prefix: str = "uploads"
    abort_multipart_upload_days: int = 7
    noncurrent_version_expiry_days: int = 30
    upload_expiry_days: int = 0
    intelligent_tiering_days: int = 0
    cors_max_age_seconds: int = 3600

    def __post_init__(self) -> None:
        if not isinstance(self.upload_prefix, str) or not _UPLOAD_PREFIX.fullmatch(
            self.upload_prefix
        ):
            raise GeneratorOptionError(
                f"bucket: upload_prefix ({self.upload_prefix!r}) must be a plain path segment: "
                "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit "
                "(no slashes, no wildcards)"
            )
        _check_range(
            "abort_multipart_upload_days",
            self.abort_multipart_upload_days,
            ABORT_MULTIPART_UPLOAD_DAYS,
        )
        _check_range(
            "noncurrent_version_expiry_days", self.noncurrent_version_expiry_days, LIFECYCLE_DAYS
        )
        _check_range("upload_expiry_days", self.upload_expiry_days, LIFECYCLE_DAYS)
        _check_range("intelligent_tiering_days", self.intelligent_tiering_days, LIFECYCLE_DAYS)
        _check_range("cors_max_age_seconds", self.cors_max_age_seconds, CORS_MAX_AGE_SECONDS)


def _check_range(option: str, value: object, bounds: tuple[int, int]) -> None:
    """An option that becomes a Number parameter's Default must satisfy its Min/MaxValue."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GeneratorOptionError(
            f"bucket: {option} ({value!r}) must be a whole number between {low} and {high}"
        )


@dataclass(frozen=True)
class LifecycleDays:
    """Troposphere values (parameter Refs or literals) of the lifecycle rules, in days."""

    abort_multipart_upload: Any
    noncurrent_version_expiry: Any
    upload_expiry: Any
    intelligent_tiering: Any


def _add_condition(template: Template, name: str, expression: Any) -> str:
    """Add a named condition once and return its name (for Fn::If and Condition)."""
    if name not in template.conditions:
        template.add_condition(name, expression)
    return name


def _is_set(value: Any) -> Any:
    return Not(Equals(value, ""))


def _is_on(days: Any) -> Any:
    return Not(Equals(days, "0"))


def bucket_encryption(template: Template, *, kms_key_arn: Any) -> BucketEncryption:
    """SSE-KMS with a bucket key (fewer KMS calls) when a key ARN is given, SSE-S3 otherwise.

    ``kms_key_arn`` None: always SSE-S3 (no condition on a value known at build time).
    """
    sse_s3 = ServerSideEncryptionRule(
        ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(SSEAlgorithm="AES256"),
    )
    if kms_key_arn is None:
        return BucketEncryption(ServerSideEncryptionConfiguration=[sse_s3])
    uses_kms = _add_condition(template, USES_KMS, _is_set(kms_key_arn))
    return BucketEncryption(
        ServerSideEncryptionConfiguration=[
            If(
                uses_kms,
                ServerSideEncryptionRule(
                    BucketKeyEnabled=True,
                    ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                        SSEAlgorithm="aws:kms", KMSMasterKeyID=kms_key_arn
                    ),
                ),
                sse_s3,
            )
        ]
    )


def lifecycle_configuration(
    template: Template, *, days: LifecycleDays, upload_prefix: str
) -> LifecycleConfiguration:
    """Always abort stale multipart uploads; the other rules exist only when their days > 0."""
    expires_noncurrent = _add_condition(
        template, EXPIRES_NONCURRENT_VERSIONS, _is_on(days.noncurrent_version_expiry)
    )
    expires_uploads = _add_condition(template, EXPIRES_UPLOADS, _is_on(days.upload_expiry))
    tiers = _add_condition(
        template, TRANSITIONS_TO_INTELLIGENT_TIERING, _is_on(days.intelligent_tiering)
    )
    return LifecycleConfiguration(
        Rules=[
            LifecycleRule(
                Id="AbortIncompleteMultipartUploads",
                Status="Enabled",
                AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                    DaysAfterInitiation=days.abort_multipart_upload
                ),
            ),
            If(
                expires_noncurrent,
                LifecycleRule(
                    Id="ExpireNoncurrentVersions",
                    Status="Enabled",
                    NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                        NoncurrentDays=days.noncurrent_version_expiry
                    ),
                    ExpiredObjectDeleteMarker=True,
                ),
                NoValue,
            ),
            If(
                expires_uploads,
                LifecycleRule(
                    Id="ExpireUploads",
                    Status="Enabled",
                    Prefix=f"{upload_prefix}/",
                    ExpirationInDays=days.upload_expiry,
                ),
                NoValue,
            ),
            If(
                tiers,
                LifecycleRule(
                    Id="TransitionToIntelligentTiering",
                    Status="Enabled",
                    Transitions=[
                        LifecycleRuleTransition(
                            StorageClass="INTELLIGENT_TIERING",
                            TransitionInDays=days.intelligent_tiering,
                        )
                    ],
                ),
                NoValue,
            ),
        ]
    )


def cors_configuration(template: Template, *, allowed_origins: Any, max_age_seconds: int) -> If:
    """Browser GET/HEAD/PUT from the given origins, ETag readable; none when the list is empty."""
    has_cors = _add_condition(template, HAS_CORS, _is_set(Join("", allowed_origins)))
    return If(
        has_cors,
        CorsConfiguration(
            CorsRules=[
                CorsRules(
                    Id="BrowserDownloadsAndUploads",
                    AllowedOrigins=allowed_origins,
                    AllowedMethods=["GET", "HEAD", "PUT"],
                    AllowedHeaders=["*"],
                    ExposedHeaders=["ETag"],
                    MaxAge=max_age_seconds,
                )
            ]
        ),
        NoValue,
    )


def logging_configuration(template: Template, *, target_bucket: Any, prefix: Any) -> If:
    """Server access logs into ``target_bucket`` when one is given."""
    has_logging = _add_condition(template, HAS_ACCESS_LOGGING, _is_set(target_bucket))
    return If(
        has_logging,
        LoggingConfiguration(DestinationBucketName=target_bucket, LogFilePrefix=prefix),
        NoValue,
    )


def add_bucket(
    template: Template,
    *,
    kms_key_arn: Any,
    lifecycle_days: LifecycleDays,
    upload_prefix: str,
    cors_allowed_origins: Any,
    cors_max_age_seconds: int,
    access_log_bucket: Any,
    access_log_prefix: Any,
) -> Bucket:
    """The private, encrypted, versioned bucket; retained when the stack goes or replaces it."""
    bucket = Bucket(
        "Bucket",
        BucketName=names.product_bucket_name(),
        PublicAccessBlockConfiguration=block_all_public_access(),
        OwnershipControls=bucket_owner_enforced(),
        BucketEncryption=bucket_encryption(template, kms_key_arn=kms_key_arn),
        VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=lifecycle_configuration(
            template, days=lifecycle_days, upload_prefix=upload_prefix
        ),
        CorsConfiguration=cors_configuration(
            template, allowed_origins=cors_allowed_origins, max_age_seconds=cors_max_age_seconds
        ),
        LoggingConfiguration=logging_configuration(
            template, target_bucket=access_log_bucket, prefix=access_log_prefix
        ),
        NotificationConfiguration=events_to_eventbridge(),
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
    )
    _declare_controls_not_applicable(bucket)
    return template.add_resource(bucket)


def _declare_controls_not_applicable(bucket: Bucket) -> None:
    declare_not_applicable(
        bucket,
        "CT.S3.PR.9",
        "Object Lock (write once, read many) cannot be turned off, and this content must stay "
        "deletable: takedowns, erasure requests, and the lifecycle rules that expire uploads "
        "and previous versions",
    )
    # CloudFront reads SSE-KMS objects only when the key policy lets cloudfront.amazonaws.com
    # decrypt, and the policy of the AWS managed key aws/s3 cannot be changed; see "SSE-KMS" in
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
    declare_not_applicable(
        bucket,
        "CT.S3.PR.10",
        "SSE-KMS is the BucketKmsKeyArn option; SSE-S3 stays the default because CloudFront "
        "(OAC) reads SSE-KMS objects only under a customer-managed key whose policy grants it "
        "(aws/s3 cannot), and this product owns no such key",
    )


def deny_cloudfront_reading_uploads(uploads_arn: Any) -> Statement:
    """No CloudFront distribution may read the upload inbox, whatever an Allow says.

    Downloads then never serve an object nobody has checked (no stored XSS from the team's
    domain), and a URL signed for downloading cannot be pointed at a fresh upload.
    """
    return Statement(
        Sid="DenyCloudFrontReadingUploads",
        Effect=Deny,
        Principal=Principal("Service", CLOUDFRONT_SERVICE_PRINCIPAL),
        Action=[s3_actions.GetObject],
        Resource=[uploads_arn],
    )


def _cloudfront_statement(sid: str, action: Any, resource: Any, distribution_arn: Any) -> Statement:
    """Allow the CloudFront service principal ``action``, only for the one distribution, and
    only if it is a distribution of this account (a DistributionArn of another account, which
    no AllowedPattern can tell apart, then grants nothing)."""
    return Statement(
        Sid=sid,
        Effect=Allow,
        Principal=Principal("Service", CLOUDFRONT_SERVICE_PRINCIPAL),
        Action=[action],
        Resource=[resource],
        Condition=Condition(
            [
                StringEquals({"AWS:SourceArn": distribution_arn}),
                ArnLike({"AWS:SourceArn": Sub(THIS_ACCOUNTS_DISTRIBUTIONS)}),
            ]
        ),
    )


def bucket_policy_document(
    *,
    bucket: Bucket,
    distribution_arn: Any,
    upload_prefix: str,
    distribution_condition: str | None = None,
) -> dict[str, Any]:
    """TLS-only for everyone; CloudFront writes under the upload prefix and reads elsewhere.

    With ``distribution_condition`` the CloudFront grants exist only while it holds; the deny
    of reads under the upload prefix always holds.
    """
    objects_arn = Sub(f"${{{bucket.title}.Arn}}/*")
    uploads_arn = Sub(f"${{{bucket.title}.Arn}}/{upload_prefix}/*")
    grants = [
        _cloudfront_statement(
            "AllowCloudFrontRead", s3_actions.GetObject, objects_arn, distribution_arn
        ),
        _cloudfront_statement(
            "AllowCloudFrontUpload", s3_actions.PutObject, uploads_arn, distribution_arn
        ),
    ]
    if distribution_condition is not None:
        grants = [If(distribution_condition, grant, NoValue) for grant in grants]
    deny_plain_http = deny_without_tls(bucket)
    return {
        "Version": "2012-10-17",
        "Statement": [deny_plain_http, deny_cloudfront_reading_uploads(uploads_arn), *grants],
    }


def add_bucket_policy(
    template: Template,
    *,
    bucket: Bucket,
    distribution_arn: Any,
    upload_prefix: str,
    distribution_condition: str | None = None,
) -> BucketPolicy:
    """A separate policy resource, so a combined template has no bucket/distribution cycle."""
    policy = BucketPolicy(
        "BucketPolicy",
        Bucket=Ref(bucket),
        PolicyDocument=bucket_policy_document(
            bucket=bucket,
            distribution_arn=distribution_arn,
            upload_prefix=upload_prefix,
            distribution_condition=distribution_condition,
        ),
    )
    return template.add_resource(accept_objects_arn_join(policy))


_ACCESS_PARAMETERS = ParameterGroup(
    "Access",
    (
        parameter_spec(
            "DistributionArn",
            label="CloudFront distribution ARN",
            Description="ARN of the distribution allowed to read objects and upload under the "
            "upload prefix (the DistributionArn output of the distribution product). Leave empty "
            "on the first launch, then update this product with it once the distribution exists.",
            Default="",
            AllowedPattern=DISTRIBUTION_ARN_PATTERN,
            ConstraintDescription="empty, or arn:aws:cloudfront::<12-digit account>:distribution/"
            "<ID>",
        ),
        parameter_spec(
            "BucketKmsKeyArn",
            label="KMS key ARN (optional)",
            Description="ARN of a customer-managed KMS key for SSE-KMS default encryption (bucket "
            "key on); empty uses SSE-S3. The key lives outside this stack: its key policy must "
            "allow the cloudfront.amazonaws.com service principal kms:Decrypt, kms:Encrypt and "
            "kms:GenerateDataKey* with Condition StringEquals AWS:SourceArn = the distribution "
            "ARN, or CloudFront can neither serve nor upload objects.",
            Default="",
            AllowedPattern=KMS_KEY_ARN_PATTERN,
            ConstraintDescription="empty, or arn:aws:kms:<region>:<12-digit account>:key/<key id>",
        ),
    ),
)


def _days_parameter(
    name: str, *, label: str, description: str, default: int, bounds: tuple[int, int]
) -> ParameterSpec:
    """A Number parameter of days."""
    low, high = bounds
    return parameter_spec(
        name,
        label=label,
        Type="Number",
        Description=description,
        Default=default,
        MinValue=low,
        MaxValue=high,
        ConstraintDescription=f"a whole number of days from {low} to {high}",
    )


def lifecycle_parameters(options: BucketOptions, label: str = "Lifecycle") -> ParameterGroup:
    """One Number parameter per lifecycle rule; the options give their defaults."""
    prefix = options.upload_prefix
    return ParameterGroup(
        label,
        (
            _days_parameter(
                "AbortIncompleteMultipartUploadDays",
                label="Abort incomplete multipart uploads after (days)",
                description="Days after which unfinished multipart uploads are aborted and their "
                "parts deleted.",
                default=options.abort_multipart_upload_days,
                bounds=ABORT_MULTIPART_UPLOAD_DAYS,
            ),
            _days_parameter(
                "NoncurrentVersionExpirationDays",
                label="Delete previous versions after (days)",
                description="Days after which overwritten or deleted object versions are removed "
                "for good (0 keeps them forever).",
                default=options.noncurrent_version_expiry_days,
                bounds=LIFECYCLE_DAYS,
            ),
            _days_parameter(
                "UploadExpirationDays",
                label=f"Expire {prefix}/ objects after (days)",
                description=f"Days after which objects under {prefix}/ expire (0 = never); an "
                "expired object stays a previous version until NoncurrentVersionExpirationDays.",
                default=options.upload_expiry_days,
                bounds=LIFECYCLE_DAYS,
            ),
            _days_parameter(
                "IntelligentTieringTransitionDays",
                label="Move to Intelligent-Tiering after (days)",
                description="Days after which objects move to the S3 Intelligent-Tiering storage "
                "class (0 = off).",
                default=options.intelligent_tiering_days,
                bounds=LIFECYCLE_DAYS,
            ),
        ),
    )


def lifecycle_days(parameters: Mapping[str, Any]) -> LifecycleDays:
    """The lifecycle rules' days: Refs of the ``lifecycle_parameters``."""
    return LifecycleDays(
        abort_multipart_upload=Ref(parameters["AbortIncompleteMultipartUploadDays"]),
        noncurrent_version_expiry=Ref(parameters["NoncurrentVersionExpirationDays"]),
        upload_expiry=Ref(parameters["UploadExpirationDays"]),
        intelligent_tiering=Ref(parameters["IntelligentTieringTransitionDays"]),
    )


BROWSER_PARAMETERS = ParameterGroup(
    "Browser access",
    (
        parameter_spec(
            "CorsAllowedOrigins",
            label="CORS allowed origins",
            Type="CommaDelimitedList",
            Description="Comma-separated web origins (e.g. https://app.example.com) whose pages "
            "may GET, HEAD and PUT objects from the browser; empty adds no CORS rule. Give the "
            "distribution product the same origins.",
            Default="",
            AllowedPattern=CORS_ORIGIN_PATTERN,
            ConstraintDescription="empty, or comma-separated origins without spaces: "
            "https://host[:port] (lowercase, no wildcard) or http://localhost[:port]",
        ),
    ),
)

#: S3 server access logging: optional, into a bucket the team owns.
ACCESS_LOG_PARAMETERS = (
    parameter_spec(
        "AccessLogBucketName",
        label="Access log bucket (optional)",
        Description=f"Name of an existing bucket in the same account and Region that accepts "
        f"S3 server access logs (its policy allows logging.s3.amazonaws.com), named "
        f"{names.LOG_BUCKET_NAME_PREFIX}...; empty turns server access logging off.",
        Default="",
        AllowedPattern=LOG_BUCKET_NAME_PATTERN,
        ConstraintDescription=f"empty, or a bucket name starting with "
        f"{names.LOG_BUCKET_NAME_PREFIX} (up to 63 lowercase letters, digits and '-')",
    ),
    parameter_spec(
        "AccessLogPrefix",
        label="Access log prefix",
        Description="Key prefix of the access log objects in the log bucket.",
        Default="signed-urls-bucket/",
        AllowedPattern=LOG_PREFIX_PATTERN,
        ConstraintDescription="up to 200 characters: letters, digits and !_.'()/-",
    ),
)


def build(options: BucketOptions | None = None) -> ProductTemplate:
    """The standalone bucket product."""
    options = options or BucketOptions()
    product = ProductTemplate(
        "Signed URLs - bucket: private S3 bucket (encrypted, versioned, TLS-only) that only "
        "the team's CloudFront distribution may read and upload to"
    )
    parameters = product.add_parameter_groups(
        (
            _ACCESS_PARAMETERS,
            lifecycle_parameters(options),
            BROWSER_PARAMETERS,
            ParameterGroup("Logging", ACCESS_LOG_PARAMETERS),
        )
    )
    bucket = add_bucket(
        product.template,
        kms_key_arn=Ref(parameters["BucketKmsKeyArn"]),
        lifecycle_days=lifecycle_days(parameters),
        upload_prefix=options.upload_prefix,
        cors_allowed_origins=Ref(parameters["CorsAllowedOrigins"]),
        cors_max_age_seconds=options.cors_max_age_seconds,
        access_log_bucket=Ref(parameters["AccessLogBucketName"]),
        access_log_prefix=Ref(parameters["AccessLogPrefix"]),
    )
    has_distribution = _add_condition(
        product.template, HAS_DISTRIBUTION, _is_set(Ref(parameters["DistributionArn"]))
    )
    add_bucket_policy(
        product.template,
        bucket=bucket,
        distribution_arn=Ref(parameters["DistributionArn"]),
        upload_prefix=options.upload_prefix,
        distribution_condition=has_distribution,
    )
    product.add_output("BucketName", Ref(bucket), "Name of the bucket")
    product.add_output("BucketArn", GetAtt(bucket, "Arn"), "ARN of the bucket")
    product.add_output(
        "BucketRegionalDomainName",
        GetAtt(bucket, "RegionalDomainName"),
        "Regional domain name of the bucket (the distribution's S3 origin)",
    )
    return product


#: How the product is used: rendered into its reference page (products/reference_docs.py).
USAGE = ProductUsage(
    when_to_use="Launch it, with the modular products, when the bucket must be encrypted with "
    "your own KMS key (`BucketKmsKeyArn`) or the distribution lives in another Region; "
    "otherwise the complete stack creates the same bucket. Launch it before the distribution "
    "with `DistributionArn` empty, then update it with the distribution's ARN.",
    provisioned_product_name="photos-bucket",
    parameters=(
        ("CorsAllowedOrigins", "https://app.example.com"),
        ("UploadExpirationDays", "7"),
    ),
    pass_on=(
        PassOn(
            "BucketName",
            (
                ToParameter("distribution", "BucketName"),
                ToRuntime("the EventBridge rule on new uploads, and the code that publishes them"),
            ),
            "CloudFront's origin; the application publishes uploads in it",
        ),
        PassOn(
            "BucketArn",
            (ToParameter("integration-role", "BucketArn"),),
            "lets the application's role publish uploads",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="Every request through CloudFront answers 403 `AccessDenied` (S3 XML)",
        fix="the bucket does not know the distribution yet: update this provisioned product "
        "with the distribution's `DistributionArn` output",
    ),
)
