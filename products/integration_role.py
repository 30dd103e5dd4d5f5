"""Integration role product: the IAM role the team's application assumes to sign URLs.

Least privilege: read the signing key secret (and decrypt it only through Secrets Manager),
use items of the metadata table (and its customer-managed key, only through DynamoDB) and
objects of the bucket when their ARNs are given, nothing more. On the bucket the role promotes
uploads: it reads every object, writes anywhere except the upload inbox (an explicit Deny keeps
the inbox for CloudFront uploads) and deletes only in the inbox. No action is a wildcard and no
resource is "*" (only the table's indexes and the bucket's objects end in "/*").

``kms:ViaService`` names the service in the Region where it uses the key, which is the Region
of the resource, not of this stack: it is taken from the secret's and the table's ARNs, and
from the bucket key's ARN (a bucket ARN holds no Region; S3 only uses keys of the bucket's own
Region, so the key's Region is the bucket's).
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service

Trust is exactly one of: an AWS service (ECS tasks, Lambda, EC2 with an instance profile) or
a principal (role, user or account root) of this account, optionally with an ExternalId. The
principal is given by name and its ARN built here, so another account is trusted only when
TrustedAccountId names it, and then only with an ExternalId. The template rule
``IntegrationRoleTrustChoice`` rejects any other combination before anything is created; were
it bypassed, the service would win (the conditions are written that way).

The role carries the capability's permissions boundary, computed from its fixed name (never a
parameter), and accepts only the capability's secrets, tables and buckets (``signed-urls``
names): a resource of another team or account is refused at launch or outside the boundary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from awacs import dynamodb as dynamodb_actions
from awacs import kms as kms_actions
from awacs import s3 as s3_actions
from awacs import secretsmanager as secretsmanager_actions
from awacs import sts as sts_actions
from awacs.aws import (
    Allow,
    ArnEquals,
    Condition,
    ConditionElement,
    Deny,
    Statement,
    StringEquals,
)
from troposphere import (
    AccountId,
    And,
    Equals,
    GetAtt,
    If,
    Join,
    Not,
    NoValue,
    Or,
    Partition,
    Ref,
    Select,
    Split,
    Sub,
    Template,
)
from troposphere import Condition as ConditionRef
from troposphere.iam import InstanceProfile, Policy, Role

from products.building_blocks import capability_names as names
from products.building_blocks import parameter_patterns as patterns
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import (
    ParameterGroup,
    ProductTemplate,
    parameter_spec,
)
from products.building_blocks.usage import (
    EXAMPLE_BUCKET_NAME,
    EXAMPLE_KMS_KEY_ARN,
    EXAMPLE_SECRET_ARN,
    EXAMPLE_TABLE_ARN,
    PassOn,
    ProductUsage,
    ToRuntime,
    Troubleshooting,
)

#: Services that may be trusted to assume the role (EC2 also gets an instance profile).
KNOWN_TRUSTED_SERVICES = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com")
EC2_SERVICE = "ec2.amazonaws.com"

#: The TrustedService value that means "trust TrustedPrincipal instead".
NO_SERVICE = "none"

#: The TrustedPrincipal value that means the whole trusted account (any principal its IAM
#: policies allow to assume the role), not one role or user.
ROOT_PRINCIPAL = "root"

#: IAM path: "/" alone, or "/" + segments of printable ASCII (no spaces) + "/".
_ROLE_PATH_PATTERN = r"/(?:[\x21-\x7e]+/)?"
_ROLE_PATH_MAX_LENGTH = 512

MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200

_SECRET_ARN_PATTERN = patterns.required(patterns.CAPABILITY_SECRET_ARN)
_KMS_KEY_ARN_PATTERN = patterns.required(patterns.KMS_KEY_ARN)
_TABLE_ARN_PATTERN = patterns.optional(patterns.CAPABILITY_TABLE_ARN)
_BUCKET_ARN_PATTERN = patterns.optional(patterns.PRODUCT_BUCKET_ARN)
#: A principal by name, never an ARN: the account is this one unless TrustedAccountId says.
_PRINCIPAL_PATTERN = r"^$|^(root|role/[\w+=,.@/-]{1,512}|user/[\w+=,.@/-]{1,512})$"
_ACCOUNT_ID_PATTERN = patterns.optional(patterns.ACCOUNT_ID)
_EXTERNAL_ID_PATTERN = r"^$|^[\w+=,.@:/-]{2,1224}$"

TRUSTS_SERVICE = "IntegrationRoleTrustsService"
TRUSTS_EC2 = "IntegrationRoleTrustsEc2"
REQUIRES_EXTERNAL_ID = "IntegrationRoleRequiresExternalId"
HAS_TABLE = "IntegrationRoleHasTable"
HAS_BUCKET = "IntegrationRoleHasBucket"
HAS_BUCKET_KEY = "IntegrationRoleHasBucketKey"
TRUSTS_OTHER_ACCOUNT = "IntegrationRoleTrustsOtherAccount"
TRUSTS_NAMED_PRINCIPAL = "IntegrationRoleTrustsNamedPrincipal"
HAS_TABLE_KEY = "IntegrationRoleHasTableKey"

#: Item-level table actions: no table management, no Scan of the whole table.
TABLE_ACTIONS = [
    dynamodb_actions.GetItem,
    dynamodb_actions.PutItem,
    dynamodb_actions.UpdateItem,
    dynamodb_actions.DeleteItem,
    dynamodb_actions.Query,
    dynamodb_actions.BatchGetItem,
    dynamodb_actions.BatchWriteItem,
    dynamodb_actions.ConditionCheckItem,
]

#: What DynamoDB asks KMS for, as the caller, to read and write items of a table encrypted with
#: a customer-managed key (the key policy examples grant GenerateDataKey*; named here, as this
#: product uses no wildcard action).
#: https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html
TABLE_KEY_ACTIONS = [
    kms_actions.Decrypt,
    kms_actions.Encrypt,
    kms_actions.GenerateDataKey,
    kms_actions.GenerateDataKeyWithoutPlaintext,
]

#: An upload prefix: path segments of letters, digits and ._- (the bucket's and distribution's).
_UPLOAD_PREFIX = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


@dataclass(frozen=True)
class IntegrationRoleOptions:
    """Build-time choices: which services may be trusted, role path, default session length."""

    trusted_services: tuple[str, ...] = KNOWN_TRUSTED_SERVICES
    role_path: str = names.ROLE_PATH
    default_max_session_seconds: int = MIN_SESSION_SECONDS
    upload_prefix: str = "uploads"

    def __post_init__(self) -> None:
        if not isinstance(self.upload_prefix, str) or not _UPLOAD_PREFIX.match(self.upload_prefix):
            raise GeneratorOptionError(
                f"integration role: upload_prefix ({self.upload_prefix!r}) must be path "
                "segments of letters, digits and ._- without leading or trailing '/' or wildcards"
            )
        if not self.trusted_services:
            raise GeneratorOptionError("integration role: trusted_services must not be empty")
        for service in self.trusted_services:
            if service not in KNOWN_TRUSTED_SERVICES:
                raise GeneratorOptionError(
                    f"integration role: trusted_services: unknown service {service!r} "
                    f"(known: {', '.join(KNOWN_TRUSTED_SERVICES)})"
                )
        if len(set(self.trusted_services)) != len(self.trusted_services):
            raise GeneratorOptionError("integration role: trusted_services lists a service twice")
        if len(self.role_path) > _ROLE_PATH_MAX_LENGTH or not re.fullmatch(
            _ROLE_PATH_PATTERN, self.role_path
        ):
            raise GeneratorOptionError(
                f"integration role: role_path ({self.role_path!r}) must start and end with '/' "
                "and hold at most 512 printable ASCII characters without spaces"
            )
        if not MIN_SESSION_SECONDS <= self.default_max_session_seconds <= MAX_SESSION_SECONDS:
            raise GeneratorOptionError(
                f"integration role: default_max_session_seconds "
                f"({self.default_max_session_seconds}) must be between {MIN_SESSION_SECONDS} "
                f"and {MAX_SESSION_SECONDS}"
            )

    @property
    def trusts_ec2(self) -> bool:
        return EC2_SERVICE in self.trusted_services


def _when(condition: str | None, value: Any) -> Any:
    """``value`` unconditionally, or only while ``condition`` holds."""
    return value if condition is None else If(condition, value, NoValue)


def policy_document(statements: list[Any]) -> dict[str, Any]:
    """An IAM policy document whose statements may be awacs Statements or ``Fn::If`` of one.

    awacs' PolicyDocument accepts Statement objects only, so conditional statements need this.
    """
    return {"Version": "2012-10-17", "Statement": statements}


def _condition_block(
    parts: list[tuple[str | None, ConditionElement]], chosen: tuple[ConditionElement, ...] = ()
) -> Any:
    """A Condition block holding each element while its template condition holds (None:
    always); no block at all when none holds."""
    if not parts:
        return Condition(list(chosen)) if chosen else NoValue
    (when, element), rest = parts[0], parts[1:]
    with_it = _condition_block(rest, (*chosen, element))
    return with_it if when is None else If(when, with_it, _condition_block(rest, chosen))


def trust_statement(
    *,
    principal: Any,
    external_id: Any = None,
    external_id_condition: str | None = None,
    principal_arn: Any = None,
    principal_arn_condition: str | None = None,
) -> Statement:
    """sts:AssumeRole for ``principal`` ({"Service": [...]}, {"AWS": [...]} or an Fn::If).

    With ``external_id`` the caller must pass it (sts:ExternalId), while
    ``external_id_condition`` holds (always when None). With ``principal_arn`` only that role or
    user of the trusted account may (aws:PrincipalArn), while ``principal_arn_condition`` holds.
    """
    parts: list[tuple[str | None, ConditionElement]] = []
    if external_id is not None:
        parts.append((external_id_condition, StringEquals({"sts:ExternalId": external_id})))
    if principal_arn is not None:
        parts.append((principal_arn_condition, ArnEquals({"aws:PrincipalArn": principal_arn})))
    condition = _condition_block(parts)
    return Statement(
        Sid="AssumedByTheApplication",
        Effect=Allow,
        Principal=principal,
        Action=[sts_actions.AssumeRole],
        Condition=condition,
    )


def via_service(service: str, region_arn: Any) -> Condition:
    """``kms:ViaService`` = ``service`` in the Region named by ``region_arn`` (its 4th field)."""
    return Condition(
        StringEquals(
            {
                "kms:ViaService": Sub(
                    f"{service}.${{Region}}.amazonaws.com",
                    Region=Select(3, Split(":", region_arn)),
                )
            }
        )
    )


def signing_key_statements(*, secret_arn: Any, kms_key_arn: Any) -> list[Statement]:
    """Read the signing key secret; decrypt with its key only through Secrets Manager."""
    return [
        Statement(
            Sid="ReadSigningKeySecret",
            Effect=Allow,
            Action=[secretsmanager_actions.GetSecretValue, secretsmanager_actions.DescribeSecret],
            Resource=[secret_arn],
        ),
        Statement(
            Sid="DecryptSigningKeySecretViaSecretsManager",
            Effect=Allow,
            Action=[kms_actions.Decrypt],
            Resource=[kms_key_arn],
            Condition=via_service("secretsmanager", secret_arn),
        ),
    ]


def table_statement(*, table_arn: Any) -> Statement:
    """Item-level access to one table and its indexes."""
    return Statement(
        Sid="UseMetadataTableItems",
        Effect=Allow,
        Action=TABLE_ACTIONS,
        Resource=[table_arn, Sub("${TableArn}/index/*", TableArn=table_arn)],
    )


def table_key_statement(*, key_arn: Any, table_arn: Any) -> Statement:
    """Use the table's customer-managed key, only as DynamoDB uses it for item calls."""
    return Statement(
        Sid="UseTableKeyViaDynamoDB",
        Effect=Allow,
        Action=TABLE_KEY_ACTIONS,
        Resource=[key_arn],
        Condition=via_service("dynamodb", table_arn),
    )


def bucket_statements(*, bucket_arn: Any, upload_prefix: str) -> list[Statement]:
    """Promote uploads: read every object, write outside the inbox, delete inside it only.

    ``copy_object`` needs GetObject on the source and PutObject on the target; copying the exact
    version that was checked (an upload URL may still be valid and overwrite the key meanwhile)
    needs GetObjectVersion on the inbox. No listing, no bucket settings, and nothing the
    application could use to replace an upload in the inbox.
    """
    objects = Sub("${BucketArn}/*", BucketArn=bucket_arn)
    inbox = Sub(f"${{BucketArn}}/{upload_prefix}/*", BucketArn=bucket_arn)
    return [
        Statement(
            Sid="ReadBucketObjects",
            Effect=Allow,
            Action=[s3_actions.GetObject],
            Resource=[objects],
        ),
        Statement(
            Sid="ReadUploadVersions",
            Effect=Allow,
            Action=[s3_actions.GetObjectVersion],
            Resource=[inbox],
        ),
        Statement(
            Sid="WriteServedObjects",
            Effect=Allow,
            Action=[s3_actions.PutObject],
            Resource=[objects],
        ),
        Statement(
            Sid="NeverWriteIntoTheUploadInbox",
            Effect=Deny,
            Action=[s3_actions.PutObject],
            Resource=[inbox],
        ),
        Statement(
            Sid="DeletePromotedUploads",
            Effect=Allow,
            Action=[s3_actions.DeleteObject],
            Resource=[inbox],
        ),
    ]


def bucket_key_statement(*, key_arn: Any) -> Statement:
    """Use an SSE-KMS bucket's key, only as S3 uses it when reading and writing objects.

    The key's own ARN gives the Region: S3 uses only keys of the bucket's Region.
    """
    return Statement(
        Sid="UseBucketKeyViaS3",
        Effect=Allow,
        Action=[kms_actions.Decrypt, kms_actions.GenerateDataKey],
        Resource=[key_arn],
        Condition=via_service("s3", key_arn),
    )


def add_integration_role(
    template: Template,
    *,
    trust: Statement,
    access_statements: list[Any],
    path: str,
    max_session_duration: Any,
) -> Role:
    """The role with one inline policy, within the capability's permissions boundary;
    CloudFormation names it (no CAPABILITY_NAMED_IAM)."""
    return template.add_resource(
        Role(
            "IntegrationRole",
            Description="Assumed by the application to sign CloudFront URLs",
            Path=path,
            AssumeRolePolicyDocument=policy_document([trust]),
            MaxSessionDuration=max_session_duration,
            PermissionsBoundary=names.boundary_policy_arn(),
            Policies=[
                Policy(
                    PolicyName="signed-urls-integration",
                    PolicyDocument=policy_document(access_statements),
                )
            ],
        )
    )


def add_instance_profile(
    template: Template, *, role: Role, path: str, condition: str | None = None
) -> InstanceProfile:
    """Instance profile so EC2 instances can carry the role."""
    profile = InstanceProfile("IntegrationRoleInstanceProfile", Path=path, Roles=[Ref(role)])
    if condition is not None:
        profile.Condition = condition
    return template.add_resource(profile)


def who_assumes_the_role(options: IntegrationRoleOptions) -> ParameterGroup:
    """Exactly one of a service and a principal; the service choices are the options'."""
    return ParameterGroup(
        "Who assumes the role (choose exactly one)",
        (
            parameter_spec(
                "TrustedService",
                label="Trusted AWS service",
                Description="AWS service that assumes the role (ec2 also gets an instance "
                f"profile), or '{NO_SERVICE}' to trust TrustedPrincipal instead.",
                Default=NO_SERVICE,
                AllowedValues=[NO_SERVICE, *options.trusted_services],
                ConstraintDescription=(
                    f"{NO_SERVICE} or one of {', '.join(options.trusted_services)}"
                ),
            ),
            parameter_spec(
                "TrustedPrincipal",
                label="Trusted principal (this account)",
                Description="IAM role or user of this account that assumes the role, by name "
                "(role/<path/name> or user/<path/name>), or root for the whole account; not an "
                "ARN. Empty when TrustedService is set.",
                Default="",
                AllowedPattern=_PRINCIPAL_PATTERN,
                ConstraintDescription="empty, or root, role/<name> or user/<name> (letters, "
                "digits and +=,.@/-_; not an ARN: the account is this one unless "
                "TrustedAccountId is set)",
            ),
            parameter_spec(
                "TrustedAccountId",
                label="Another account (optional, needs ExternalId)",
                Description="Empty: TrustedPrincipal is in this account. An account ID: trust "
                "TrustedPrincipal of that account instead (cross-account access, opt-in); then "
                "ExternalId is required.",
                Default="",
                AllowedPattern=_ACCOUNT_ID_PATTERN,
                ConstraintDescription="empty, or a 12-digit account ID",
            ),
            parameter_spec(
                "ExternalId",
                label="External ID (required for another account)",
                Description="When set, the trusted principal must pass this sts:ExternalId; "
                "only with TrustedPrincipal, and required with TrustedAccountId.",
                Default="",
                AllowedPattern=_EXTERNAL_ID_PATTERN,
                ConstraintDescription="empty, or 2-1224 characters: letters, digits and +=,.@:/-_",
            ),
        ),
    )


WHAT_THE_ROLE_MAY_USE = ParameterGroup(
    "What the role may use",
    (
        parameter_spec(
            "SecretArn",
            label="Signing key secret ARN",
            Description="SecretArn output of the secret (or key pair) product.",
            AllowedPattern=_SECRET_ARN_PATTERN,
            ConstraintDescription=f"the ARN of a secret named {names.SECRET_NAME_PREFIX}... "
            "(the secret product's SecretArn output)",
        ),
        parameter_spec(
            "KmsKeyArn",
            label="Signing key secret KMS key ARN",
            Description="KmsKeyArn output of the secret product (decrypt via Secrets Manager "
            "only).",
            AllowedPattern=_KMS_KEY_ARN_PATTERN,
            ConstraintDescription="a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)",
        ),
        parameter_spec(
            "TableArn",
            label="Metadata table ARN (optional)",
            Description="TableArn output of the metadata table product; empty for no table access.",
            Default="",
            AllowedPattern=_TABLE_ARN_PATTERN,
            ConstraintDescription=f"empty, or the ARN of a table named "
            f"{names.TABLE_NAME_PREFIX}... (the metadata table product's TableArn output)",
        ),
        parameter_spec(
            "TableKmsKeyArn",
            label="Metadata table KMS key ARN (optional)",
            Description="TableKmsKeyArn output of the metadata table product, when the table "
            "uses a customer-managed key, so the role can use items through DynamoDB; empty "
            "for the AWS managed key.",
            Default="",
            AllowedPattern=patterns.optional(patterns.KMS_KEY_ARN),
            ConstraintDescription="empty, or a KMS key ARN",
        ),
        parameter_spec(
            "BucketArn",
            label="Bucket ARN (optional)",
            Description="BucketArn output of the bucket product; empty for no object access.",
            Default="",
            AllowedPattern=_BUCKET_ARN_PATTERN,
            ConstraintDescription=f"empty, or the ARN of a bucket named "
            f"{names.BUCKET_NAME_PREFIX}<account>-... (the bucket product's BucketArn output)",
        ),
        parameter_spec(
            "BucketKmsKeyArn",
            label="Bucket KMS key ARN (optional)",
            Description="The bucket's SSE-KMS key (bucket product parameter BucketKmsKeyArn), so "
            "the role can read and write its objects through S3; empty for SSE-S3 buckets.",
            Default="",
            AllowedPattern=patterns.optional(patterns.KMS_KEY_ARN),
            ConstraintDescription="empty, or a KMS key ARN",
        ),
    ),
)


def role_limits(options: IntegrationRoleOptions) -> ParameterGroup:
    """Session length; the options give its default (the permissions boundary is fixed)."""
    return ParameterGroup(
        "Role limits",
        (
            parameter_spec(
                "MaxSessionDuration",
                label="Maximum session duration (seconds)",
                Description="Longest session the role allows, in seconds.",
                Type="Number",
                Default=options.default_max_session_seconds,
                MinValue=MIN_SESSION_SECONDS,
                MaxValue=MAX_SESSION_SECONDS,
                ConstraintDescription=f"{MIN_SESSION_SECONDS} (1 hour) to "
                f"{MAX_SESSION_SECONDS} (12 hours)",
            ),
        ),
    )


def _is_set(parameter: Any) -> Not:
    return Not(Equals(Ref(parameter), ""))


def add_trust_conditions(
    template: Template, parameters: Mapping[str, Any], *, trusts_ec2: bool
) -> None:
    """The conditions ``application_trust`` uses (and ``TRUSTS_EC2`` when EC2 may be trusted),
    from the parameters of ``who_assumes_the_role``."""
    service = Ref(parameters["TrustedService"])
    template.add_condition(TRUSTS_SERVICE, Not(Equals(service, NO_SERVICE)))
    template.add_condition(
        REQUIRES_EXTERNAL_ID,
        And(Not(ConditionRef(TRUSTS_SERVICE)), _is_set(parameters["ExternalId"])),
    )
    if trusts_ec2:
        template.add_condition(TRUSTS_EC2, Equals(service, EC2_SERVICE))
    template.add_condition(TRUSTS_OTHER_ACCOUNT, _is_set(parameters["TrustedAccountId"]))
    template.add_condition(
        TRUSTS_NAMED_PRINCIPAL,
        And(
            Not(ConditionRef(TRUSTS_SERVICE)),
            Not(Equals(Ref(parameters["TrustedPrincipal"]), ROOT_PRINCIPAL)),
        ),
    )


def _add_conditions(template: Template, parameters: dict[str, Any], trusts_ec2: bool) -> None:
    add_trust_conditions(template, parameters, trusts_ec2=trusts_ec2)
    template.add_condition(HAS_TABLE, _is_set(parameters["TableArn"]))
    template.add_condition(HAS_BUCKET, _is_set(parameters["BucketArn"]))
    template.add_condition(
        HAS_BUCKET_KEY, And(ConditionRef(HAS_BUCKET), _is_set(parameters["BucketKmsKeyArn"]))
    )
    template.add_condition(
        HAS_TABLE_KEY, And(ConditionRef(HAS_TABLE), _is_set(parameters["TableKmsKeyArn"]))
    )


def trust_assertions(parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rule assertions: exactly one of TrustedService and TrustedPrincipal; ExternalId only
    with the principal."""
    no_service = Equals(Ref(parameters["TrustedService"]), NO_SERVICE)
    no_principal = Equals(Ref(parameters["TrustedPrincipal"]), "")
    no_external_id = Equals(Ref(parameters["ExternalId"]), "")
    return [
        {
            "Assert": Or(
                And(Not(no_service), no_principal),
                And(no_service, Not(no_principal)),
            ),
            "AssertDescription": "Set exactly one of TrustedService (not 'none') and "
            "TrustedPrincipal",
        },
        {
            "Assert": Or(no_external_id, Not(no_principal)),
            "AssertDescription": "ExternalId applies only to TrustedPrincipal",
        },
    ]


def _add_trust_rule(template: Template, parameters: dict[str, Any]) -> None:
    """Exactly one of TrustedService and TrustedPrincipal; ExternalId only with the principal."""
    template.add_rule(
        "IntegrationRoleTrustChoice",
        {
            "Assertions": [
                *trust_assertions(parameters),
                {
                    "Assert": Or(
                        Equals(Ref(parameters["BucketKmsKeyArn"]), ""),
                        Not(Equals(Ref(parameters["BucketArn"]), "")),
                    ),
                    "AssertDescription": "BucketKmsKeyArn applies only with BucketArn",
                },
                {
                    "Assert": Or(
                        Equals(Ref(parameters["TableKmsKeyArn"]), ""),
                        Not(Equals(Ref(parameters["TableArn"]), "")),
                    ),
                    "AssertDescription": "TableKmsKeyArn applies only with TableArn",
                },
            ]
        },
    )


def add_other_account_rule(template: Template, parameters: Mapping[str, Any]) -> None:
    """Another account only with a principal of it and an ExternalId (the opt-in is explicit).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
    """
    template.add_rule(
        "IntegrationRoleOtherAccountTrust",
        {
            "RuleCondition": Not(Equals(Ref(parameters["TrustedAccountId"]), "")),
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref(parameters["TrustedPrincipal"]), "")),
                    "AssertDescription": "TrustedAccountId applies only to TrustedPrincipal",
                },
                {
                    "Assert": Not(Equals(Ref(parameters["ExternalId"]), "")),
                    "AssertDescription": "TrustedAccountId (another account) requires an "
                    "ExternalId",
                },
            ],
        },
    )


def trusted_account() -> If:
    """This account, or TrustedAccountId when that is set."""
    return If(TRUSTS_OTHER_ACCOUNT, Ref("TrustedAccountId"), AccountId)


def trusted_principal_arn() -> Join:
    """The role or user named by TrustedPrincipal, in the trusted account."""
    return Join("", ["arn:", Partition, ":iam::", trusted_account(), ":", Ref("TrustedPrincipal")])


def application_trust(parameters: Mapping[str, Any]) -> Statement:
    """The chosen service, or the named principal of this (or the named) account, with the
    ExternalId when one is given; the conditions are ``add_trust_conditions``'."""
    return trust_statement(
        principal=If(
            TRUSTS_SERVICE,
            {"Service": [Ref(parameters["TrustedService"])]},
            {"AWS": [trusted_account()]},
        ),
        external_id=Ref(parameters["ExternalId"]),
        external_id_condition=REQUIRES_EXTERNAL_ID,
        principal_arn=trusted_principal_arn(),
        principal_arn_condition=TRUSTS_NAMED_PRINCIPAL,
    )


def build(options: IntegrationRoleOptions | None = None) -> ProductTemplate:
    """The standalone integration role product."""
    options = options or IntegrationRoleOptions()
    product = ProductTemplate(
        "Signed URLs - integration role: IAM role the application assumes to read the signing "
        "key and use the metadata table and bucket, nothing more"
    )
    parameters = product.add_parameter_groups(
        (who_assumes_the_role(options), WHAT_THE_ROLE_MAY_USE, role_limits(options))
    )
    template = product.template
    _add_conditions(template, parameters, options.trusts_ec2)
    _add_trust_rule(template, parameters)
    add_other_account_rule(template, parameters)
    table_arn = Ref(parameters["TableArn"])
    bucket_arn = Ref(parameters["BucketArn"])
    role = add_integration_role(
        template,
        trust=application_trust(parameters),
        access_statements=[
            *signing_key_statements(
                secret_arn=Ref(parameters["SecretArn"]),
                kms_key_arn=Ref(parameters["KmsKeyArn"]),
            ),
            _when(HAS_TABLE, table_statement(table_arn=table_arn)),
            _when(
                HAS_TABLE_KEY,
                table_key_statement(key_arn=Ref(parameters["TableKmsKeyArn"]), table_arn=table_arn),
            ),
            *(
                _when(HAS_BUCKET, statement)
                for statement in bucket_statements(
                    bucket_arn=bucket_arn, upload_prefix=options.upload_prefix
                )
            ),
            _when(HAS_BUCKET_KEY, bucket_key_statement(key_arn=Ref(parameters["BucketKmsKeyArn"]))),
        ],
        path=options.role_path,
        max_session_duration=Ref(parameters["MaxSessionDuration"]),
    )
    product.add_output("RoleArn", GetAtt(role, "Arn"), "ARN of the integration role")
    product.add_output("RoleName", Ref(role), "Name of the integration role")
    if options.trusts_ec2:
        profile = add_instance_profile(
            template, role=role, path=options.role_path, condition=TRUSTS_EC2
        )
        product.add_output(
            "InstanceProfileName", Ref(profile), "Instance profile for EC2 (ec2 trust only)"
        ).Condition = TRUSTS_EC2
    return product


#: How the product is used: rendered into its reference page (products/reference_docs.py).
USAGE = ProductUsage(
    when_to_use="Launch it last, with the modular products, to get the role the application "
    "runs with, granted exactly the secret, bucket and table you pass; the complete stack "
    "creates the same role for its own resources.",
    provisioned_product_name="photos-role",
    parameters=(
        ("TrustedService", "ecs-tasks.amazonaws.com"),
        ("SecretArn", EXAMPLE_SECRET_ARN),
        ("KmsKeyArn", EXAMPLE_KMS_KEY_ARN),
        ("BucketArn", f"arn:aws:s3:::{EXAMPLE_BUCKET_NAME}"),
        ("TableArn", EXAMPLE_TABLE_ARN),
    ),
    pass_on=(
        PassOn(
            "RoleArn",
            (ToRuntime("the ECS task definition's `taskRoleArn` (Lambda: the function's role)"),),
            "the application runs with it",
        ),
        PassOn(
            "InstanceProfileName",
            (ToRuntime("the EC2 launch template's `IamInstanceProfile` (`TrustedService` EC2)"),),
            "EC2 instances get the role through it",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="The launch is refused: Set exactly one of TrustedService (not 'none') and "
        "TrustedPrincipal",
        fix="name where the application runs: a `TrustedService`, or `TrustedPrincipal` "
        "(`role/<name>` of this account) with `TrustedService=none`",
    ),
)
