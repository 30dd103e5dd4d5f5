"""Key pair product: the CloudFront signing key pair, generated inside the account.

A Lambda-backed custom resource (``Custom::SigningKeyPair``, source in
products/key_pair/function.py, inlined verbatim) asks KMS ``GenerateDataKeyPair`` for an RSA-2048
or ECDSA P-256 pair, uploads the public key to CloudFront and writes the private key to the
secret product's secret in one ``PutSecretValue``. A native ``AWS::CloudFront::KeyGroup`` lists
the current and the previous public key (the custom resource's ``KeyGroupItems`` attribute, a
comma-separated list without duplicates or empty entries, split by ``Fn::Split``), so URLs
signed before a rotation keep working until they expire. docs/key-pair-secret-format.md
describes the secret and the rotation lifecycle.

The function's role can make exactly the calls the function makes: generate key pairs under the
given KMS key, read and write the given secret (decrypting and encrypting through Secrets
Manager only), manage CloudFront public keys (on "*": the role's Metadata says why), read its
own stack's status (to tell a rollback or a cleanup from a plain update or delete), write its
own logs. The role carries the capability's permissions boundary, so even with another team's
secret or key ARN it could touch only this capability's secrets (``signed-urls/...``), and
generate key pairs only for them. Reserved concurrency 1 (parameter ReserveConcurrency) runs the
events one at a time; accounts whose Lambda concurrency quota is 10 cannot reserve any, and the
function stays safe without it (concurrent deliveries of one event store one key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from awacs import cloudformation as cloudformation_actions
from awacs import cloudfront as cloudfront_actions
from awacs import kms as kms_actions
from awacs import logs as logs_actions
from awacs import secretsmanager as secretsmanager_actions
from awacs import sts as sts_actions
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import (
    Equals,
    GetAtt,
    If,
    Not,
    NoValue,
    Ref,
    Split,
    StackId,
    Sub,
    Template,
)
from troposphere.awslambda import Code, EventInvokeConfig, Function, LoggingConfig
from troposphere.cloudformation import CustomResource
from troposphere.cloudfront import KeyGroup, KeyGroupConfig
from troposphere.iam import Policy, Role
from troposphere.logs import LogGroup

from products.building_blocks import capability_names as names
from products.building_blocks import parameter_patterns as patterns
from products.building_blocks.checkov import skip_checkov
from products.building_blocks.control_tower import declare_not_applicable
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import (
    ParameterGroup,
    ProductTemplate,
    parameter_spec,
)
from products.key_pair.function import COMMIT_BUDGET_MS, STEP_BUDGET_MS

#: The Lambda source the template inlines: the very file the tests import.
FUNCTION_SOURCE = Path(__file__).with_name("function.py")

#: AWS::Lambda::Function Code.ZipFile: "This zip file cannot exceed 4MB" (CloudFormation
#: resource schema, checked 2025). The source is stored uncompressed at worst, so the source
#: itself must fit.
ZIP_FILE_MAX_BYTES = 4 * 1024 * 1024

#: A template CloudFormation loads from S3 (TemplateURL; Service Catalog's LoadTemplateFromURL)
#: is at most 1 MB, read as 10**6 bytes, the stricter reading. The inlined source counts.
TEMPLATE_URL_MAX_BYTES = 1_000_000

#: Newest Python runtime cfn-lint and Lambda both know; arm64 (Graviton) is cheaper.
RUNTIME = "python3.13"

#: Parameter values of KeyAlgorithm (the function maps them to KMS KeyPairSpec values).
KEY_ALGORITHMS = ("RSA_2048", "ECDSA_P256")

#: KMS key pair specs the function may request (the secret product's key policy allows both).
KMS_KEY_PAIR_SPECS = ("RSA_2048", "ECC_NIST_P256")

#: CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

#: Room for the secret write with its read-back, plus two more bounded calls before it.
MIN_FUNCTION_TIMEOUT = -(-(COMMIT_BUDGET_MS + 2 * STEP_BUDGET_MS) // 1000)
MAX_FUNCTION_TIMEOUT = 900
MAX_SERVICE_TIMEOUT = 3600  # AWS::CloudFormation::CustomResource ServiceTimeout maximum

#: IAM path: "/" alone, or "/" + segments of printable ASCII (no spaces) + "/".
_ROLE_PATH = re.compile(r"/(?:[\x21-\x7e]+/)?")
_ROLE_PATH_MAX_LENGTH = 512

HAS_KEY_GROUP_NAME = "KeyPairHasKeyGroupName"
HAS_KEY_GROUP_COMMENT = "KeyPairHasKeyGroupComment"
RESERVES_CONCURRENCY = "KeyPairReservesConcurrency"

#: The only reservation the function ever makes: one event at a time.
RESERVED_CONCURRENCY = 1

#: The one statement whose actions IAM cannot scope to a resource, and why (the role's Metadata).
UNSCOPED_CLOUDFRONT_SID = "ManageCloudFrontPublicKeys"
UNSCOPED_CLOUDFRONT_ACTIONS = (
    cloudfront_actions.CreatePublicKey,
    cloudfront_actions.GetPublicKey,
    cloudfront_actions.DeletePublicKey,
    cloudfront_actions.ListPublicKeys,
)
UNSCOPED_CLOUDFRONT_REASON = (
    "The Service Authorization Reference lists no resource type and no condition key for these "
    "actions, so '*' is the only resource IAM accepts for them. The function only deletes "
    "public keys whose name starts with its stack name, logical ID and a hash of both."
)

#: Why the log group has no customer-managed key (checkov CKV_AWS_158, CT.CLOUDWATCH.PR.3).
LOGS_NEED_NO_CUSTOMER_KEY = (
    "Logs hold key IDs and error messages only, never key material; a CMK for logs would "
    "need a key policy for the logs service that the signing key must not have"
)
#: Why the function runs outside a VPC (checkov CKV_AWS_117, CT.LAMBDA.PR.3).
NO_VPC_TO_REACH = (
    "Calls only AWS APIs, CloudFront's without a VPC endpoint; no VPC resource to reach, "
    "and a VPC would add NAT for no isolation gain"
)

_SECRET_ARN_PATTERN = patterns.required(patterns.CAPABILITY_SECRET_ARN)
_KMS_KEY_ARN_PATTERN = patterns.required(patterns.KMS_KEY_ARN)
_ROTATION_TOKEN_PATTERN = r"^[A-Za-z0-9_.:/+=@-]{1,128}$"
_KEY_GROUP_NAME_PATTERN = r"^[A-Za-z0-9_-]{0,128}$"
_KEY_GROUP_COMMENT_PATTERN = r"^[^\x00-\x1f]{0,128}$"


_SECRET_PARAMETERS = ParameterGroup(
    "Secret",
    (
        parameter_spec(
            "SecretArn",
            label="Secret ARN",
            Description="SecretArn output of the secret product: receives the private key.",
            AllowedPattern=_SECRET_ARN_PATTERN,
            ConstraintDescription=f"the ARN of a secret named {names.SECRET_NAME_PREFIX}... "
            "(the secret product's SecretArn output)",
        ),
        parameter_spec(
            "KmsKeyArn",
            label="KMS key ARN",
            Description="KmsKeyArn output of the secret product: encrypts the secret; the key "
            "pair is generated under it.",
            AllowedPattern=_KMS_KEY_ARN_PATTERN,
            ConstraintDescription="a KMS key ARN (arn:...:kms:REGION:ACCOUNT:key/ID)",
        ),
    ),
)

_KEY_PAIR_PARAMETERS = ParameterGroup(
    "Key pair",
    (
        parameter_spec(
            "KeyAlgorithm",
            label="Key algorithm",
            Description="RSA_2048 (widest support) or ECDSA_P256 (faster signing). Changing it "
            "rotates the key pair.",
            Default="RSA_2048",
            AllowedValues=list(KEY_ALGORITHMS),
            ConstraintDescription="RSA_2048 or ECDSA_P256",
        ),
        parameter_spec(
            "RotationToken",
            label="Rotation token",
            Description="Any new value (for example today's date) rotates the key pair; the "
            "previous public key stays trusted until the next rotation.",
            Default="initial",
            AllowedPattern=_ROTATION_TOKEN_PATTERN,
            ConstraintDescription="1-128 characters: letters, digits and _.:/+=@-",
        ),
    ),
)

_KEY_GROUP_PARAMETERS = ParameterGroup(
    "Key group",
    (
        parameter_spec(
            "KeyGroupName",
            label="Key group name",
            Description="Name of the CloudFront key group; empty: the stack name plus a suffix.",
            Default="",
            AllowedPattern=_KEY_GROUP_NAME_PATTERN,
            ConstraintDescription="up to 128 letters, digits, hyphens and underscores",
        ),
        parameter_spec(
            "KeyGroupComment",
            label="Key group comment",
            Description="Comment on the CloudFront key group (optional).",
            Default="",
            AllowedPattern=_KEY_GROUP_COMMENT_PATTERN,
            ConstraintDescription="up to 128 characters, no control characters",
        ),
    ),
)

_FUNCTION_PARAMETERS = ParameterGroup(
    "Key pair function",
    (
        parameter_spec(
            "ReserveConcurrency",
            label="Reserve concurrency",
            Description="true: reserve 1 concurrent execution so the function handles one event "
            "at a time. Choose false in accounts whose Lambda concurrent executions quota is 10 "
            "(new accounts): Lambda refuses any reservation that leaves fewer than 10 unreserved.",
            Default="true",
            AllowedValues=["true", "false"],
            ConstraintDescription="true or false",
        ),
    ),
)

#: Every parameter, in console order.
PARAMETERS: tuple[ParameterGroup, ...] = (
    _SECRET_PARAMETERS,
    _KEY_PAIR_PARAMETERS,
    _KEY_GROUP_PARAMETERS,
    _FUNCTION_PARAMETERS,
)


class SigningKeyPair(CustomResource):
    """``Custom::SigningKeyPair``: a subclass, because setting resource_type on an instance
    is silently wrong in troposphere."""

    resource_type = "Custom::SigningKeyPair"
    props: ClassVar[dict[str, tuple[Any, bool]]] = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (int, False),
        "SecretArn": (str, True),
        "KmsKeyArn": (str, True),
        "KeyAlgorithm": (str, True),
        "RotationToken": (str, True),
    }


@dataclass(frozen=True)
class KeyPairOptions:
    """Build-time choices for the key pair function."""

    log_retention_days: int = 365
    function_timeout_seconds: int = 300
    service_timeout_seconds: int = 600
    role_path: str = names.ROLE_PATH
    function_source: Path = field(default=FUNCTION_SOURCE)

    def __post_init__(self) -> None:
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise GeneratorOptionError(
                f"key_pair: log_retention_days ({self.log_retention_days}) must be one of "
                f"{', '.join(map(str, LOG_RETENTION_DAYS))}"
            )
        if not MIN_FUNCTION_TIMEOUT <= self.function_timeout_seconds <= MAX_FUNCTION_TIMEOUT:
            raise GeneratorOptionError(
                f"key_pair: function_timeout_seconds ({self.function_timeout_seconds}) must be "
                f"between {MIN_FUNCTION_TIMEOUT} and {MAX_FUNCTION_TIMEOUT}"
            )
        if not self.function_timeout_seconds < self.service_timeout_seconds <= MAX_SERVICE_TIMEOUT:
            raise GeneratorOptionError(
                f"key_pair: service_timeout_seconds ({self.service_timeout_seconds}) must be "
                f"above function_timeout_seconds ({self.function_timeout_seconds}) and at most "
                f"{MAX_SERVICE_TIMEOUT}"
            )
        if not (
            _ROLE_PATH.fullmatch(self.role_path) and len(self.role_path) <= _ROLE_PATH_MAX_LENGTH
        ):
            raise GeneratorOptionError(
                f"key_pair: role_path ({self.role_path!r}) must be '/' or '/segments/' of "
                f"printable ASCII, at most {_ROLE_PATH_MAX_LENGTH} characters"
            )


def read_function_source(path: Path) -> str:
    """The function source, refused when CloudFormation could not inline it."""
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise GeneratorOptionError(
            f"key_pair: function_source {path}: {error.strerror or error}"
        ) from error
    size = len(source.encode("utf-8"))
    if size > ZIP_FILE_MAX_BYTES:
        raise GeneratorOptionError(
            f"key_pair: function_source {path} is {size} bytes; CloudFormation inlines at most "
            f"{ZIP_FILE_MAX_BYTES} bytes (Code.ZipFile 4 MB limit)"
        )
    return source


def unscoped_actions_metadata() -> dict[str, Any]:
    """The role's Metadata: which statement uses Resource "*", with which actions, and why."""
    return {
        "signed-urls": {
            "unscoped-actions": [
                {
                    "sid": UNSCOPED_CLOUDFRONT_SID,
                    "actions": [action.JSONrepr() for action in UNSCOPED_CLOUDFRONT_ACTIONS],
                    "reason": UNSCOPED_CLOUDFRONT_REASON,
                }
            ]
        }
    }


def function_policy(*, secret_arn: Any, kms_key_arn: Any, log_group_arn: Any) -> PolicyDocument:
    """Exactly the calls the function makes, on exactly these resources."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            *_key_and_secret_statements(secret_arn=secret_arn, kms_key_arn=kms_key_arn),
            # The Service Authorization Reference lists no resource type and no condition key
            # for CreatePublicKey, GetPublicKey, DeletePublicKey and ListPublicKeys: "*" is the
            # only resource these actions accept (checkov knows it: CKV_AWS_111/356 pass, no
            # skip needed). The function only deletes keys whose name carries its prefix. The
            # same reason is in the template: the role's Metadata (unscoped_actions_metadata).
            Statement(
                Sid=UNSCOPED_CLOUDFRONT_SID,
                Effect=Allow,
                Action=list(UNSCOPED_CLOUDFRONT_ACTIONS),
                Resource=["*"],
            ),
            Statement(
                Sid="ReadOwnStackStatus",
                Effect=Allow,
                Action=[cloudformation_actions.DescribeStacks],
                Resource=[StackId],
            ),
            Statement(
                Sid="WriteOwnLogs",
                Effect=Allow,
                Action=[logs_actions.CreateLogStream, logs_actions.PutLogEvents],
                Resource=[log_group_arn],
            ),
        ],
    )


def _key_and_secret_statements(*, secret_arn: Any, kms_key_arn: Any) -> list[Statement]:
    """Generate key pairs under the KMS key; read and write the secret (KMS only through it)."""
    return [
        # The function names the secret as the pair's encryption context (the same key
        # Secrets Manager uses), so the boundary can allow pairs only for this capability's
        # secrets.
        Statement(
            Sid="GenerateSigningKeyPairs",
            Effect=Allow,
            Action=[kms_actions.GenerateDataKeyPair],
            Resource=[kms_key_arn],
            Condition=Condition(
                StringEquals(
                    {
                        "kms:DataKeyPairSpec": list(KMS_KEY_PAIR_SPECS),
                        "kms:EncryptionContext:SecretARN": secret_arn,
                    }
                )
            ),
        ),
        Statement(
            Sid="ReadAndWriteTheSigningSecret",
            Effect=Allow,
            Action=[
                secretsmanager_actions.GetSecretValue,
                secretsmanager_actions.PutSecretValue,
            ],
            Resource=[secret_arn],
        ),
        Statement(
            Sid="UseTheKeyForThisSecretThroughSecretsManager",
            Effect=Allow,
            Action=[kms_actions.Decrypt, kms_actions.GenerateDataKey],
            Resource=[kms_key_arn],
            Condition=Condition(
                StringEquals(
                    {
                        "kms:ViaService": Sub("secretsmanager.${AWS::Region}.amazonaws.com"),
                        "kms:EncryptionContext:SecretARN": secret_arn,
                    }
                )
            ),
        ),
    ]


def add_key_pair_function(
    template: Template,
    *,
    secret_arn: Any,
    kms_key_arn: Any,
    reserved_concurrency: Any,
    options: KeyPairOptions,
) -> Function:
    """The custom resource's Lambda function, its log group, role and invoke config.

    ``reserved_concurrency``: 1, or ``AWS::NoValue`` where the account cannot reserve any.
    """
    log_group = add_function_log_group(template, retention_days=options.log_retention_days)
    role = add_function_role(
        template,
        secret_arn=secret_arn,
        kms_key_arn=kms_key_arn,
        log_group_arn=GetAtt(log_group, "Arn"),
        path=options.role_path,
    )
    function = template.add_resource(
        Function(
            "KeyPairFunction",
            Description="CloudFormation custom resource: CloudFront signing key pair",
            Runtime=RUNTIME,
            Architectures=["arm64"],
            Handler="index.handler",
            Code=Code(ZipFile=read_function_source(options.function_source)),
            MemorySize=256,
            Timeout=options.function_timeout_seconds,
            ReservedConcurrentExecutions=reserved_concurrency,
            Role=GetAtt(role, "Arn"),
            LoggingConfig=LoggingConfig(LogGroup=Ref(log_group)),
        )
    )
    _skip_function_checks(function)
    template.add_resource(
        EventInvokeConfig(
            "KeyPairFunctionInvokeConfig",
            FunctionName=Ref(function),
            Qualifier="$LATEST",
            MaximumRetryAttempts=0,
            MaximumEventAgeInSeconds=min(options.service_timeout_seconds, 21600),
        )
    )
    return function


def add_function_log_group(template: Template, *, retention_days: int) -> LogGroup:
    """The function's own log group, named under the capability's prefix (the boundary lets the
    function's role write only there); deleted with the stack."""
    log_group = template.add_resource(
        LogGroup(
            "KeyPairFunctionLogGroup",
            LogGroupName=Sub(f"{names.LOG_GROUP_NAME_PREFIX}${{AWS::StackName}}/key-pair-function"),
            RetentionInDays=retention_days,
            DeletionPolicy="Delete",
            UpdateReplacePolicy="Delete",
        )
    )
    skip_checkov(log_group, "CKV_AWS_158", LOGS_NEED_NO_CUSTOMER_KEY)
    declare_not_applicable(log_group, "CT.CLOUDWATCH.PR.3", LOGS_NEED_NO_CUSTOMER_KEY)
    return log_group


def add_function_role(
    template: Template, *, secret_arn: Any, kms_key_arn: Any, log_group_arn: Any, path: str
) -> Role:
    """The role Lambda assumes for the function: ``function_policy`` within the boundary."""
    return template.add_resource(
        Role(
            "KeyPairFunctionRole",
            Metadata=unscoped_actions_metadata(),
            Description="Key pair custom resource: generate, store and publish signing keys",
            Path=path,
            PermissionsBoundary=names.boundary_policy_arn(),
            AssumeRolePolicyDocument=PolicyDocument(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Effect=Allow,
                        Principal=Principal("Service", "lambda.amazonaws.com"),
                        Action=[sts_actions.AssumeRole],
                    )
                ],
            ),
            Policies=[
                Policy(
                    PolicyName="signing-key-pair",
                    PolicyDocument=function_policy(
                        secret_arn=secret_arn,
                        kms_key_arn=kms_key_arn,
                        log_group_arn=log_group_arn,
                    ),
                )
            ],
        )
    )


def _skip_function_checks(function: Function) -> None:
    skip_checkov(
        function,
        "CKV_AWS_116",
        "Custom resource: every event is answered to CloudFormation (FAILED with a reason on "
        "error) and async retries are off, so a DLQ would hold nothing to redo",
    )
    skip_checkov(function, "CKV_AWS_117", NO_VPC_TO_REACH)
    declare_not_applicable(function, "CT.LAMBDA.PR.3", NO_VPC_TO_REACH)


def add_signing_key_pair(
    template: Template,
    *,
    function: Function,
    secret_arn: Any,
    kms_key_arn: Any,
    key_algorithm: Any,
    rotation_token: Any,
    service_timeout_seconds: int,
) -> SigningKeyPair:
    """The custom resource; a new rotation token or algorithm rotates the key pair."""
    return template.add_resource(
        SigningKeyPair(
            "KeyPair",
            ServiceToken=GetAtt(function, "Arn"),
            ServiceTimeout=service_timeout_seconds,
            SecretArn=secret_arn,
            KmsKeyArn=kms_key_arn,
            KeyAlgorithm=key_algorithm,
            RotationToken=rotation_token,
            DependsOn=["KeyPairFunctionInvokeConfig"],
        )
    )


def add_key_group(
    template: Template, *, key_pair: SigningKeyPair, name: Any, comment: Any
) -> KeyGroup:
    """Trusted key group: the current and (after a rotation) the previous public key."""
    return template.add_resource(
        KeyGroup(
            "KeyPairKeyGroup",
            KeyGroupConfig=KeyGroupConfig(
                Name=name,
                Comment=comment,
                Items=Split(",", GetAtt(key_pair, "KeyGroupItems")),
            ),
        )
    )


def build(options: KeyPairOptions | None = None) -> ProductTemplate:
    """The standalone key pair product."""
    options = options or KeyPairOptions()
    product = ProductTemplate(
        "Signed URLs - key pair: CloudFront signing key pair generated in the account by KMS, "
        "private key in the secret, public keys in a trusted key group, rotation on demand"
    )
    parameters = product.add_parameter_groups(PARAMETERS)
    template = product.template
    _add_conditions(template, parameters)
    secret_arn = Ref(parameters["SecretArn"])
    kms_key_arn = Ref(parameters["KmsKeyArn"])
    function = add_key_pair_function(
        template,
        secret_arn=secret_arn,
        kms_key_arn=kms_key_arn,
        reserved_concurrency=If(RESERVES_CONCURRENCY, RESERVED_CONCURRENCY, NoValue),
        options=options,
    )
    key_pair = add_signing_key_pair(
        template,
        function=function,
        secret_arn=secret_arn,
        kms_key_arn=kms_key_arn,
        key_algorithm=Ref(parameters["KeyAlgorithm"]),
        rotation_token=Ref(parameters["RotationToken"]),
        service_timeout_seconds=options.service_timeout_seconds,
    )
    stack_suffix = names.stack_id_suffix()
    key_group = add_key_group(
        template,
        key_pair=key_pair,
        name=If(
            HAS_KEY_GROUP_NAME,
            Ref(parameters["KeyGroupName"]),
            Sub("${AWS::StackName}-${Suffix}", Suffix=stack_suffix),
        ),
        comment=If(HAS_KEY_GROUP_COMMENT, Ref(parameters["KeyGroupComment"]), NoValue),
    )
    _add_outputs(product, key_pair=key_pair, key_group=key_group, secret_arn=secret_arn)
    check_template_size(product, options)
    return product


def _add_conditions(template: Template, parameters: dict[str, Any]) -> None:
    template.add_condition(HAS_KEY_GROUP_NAME, Not(Equals(Ref(parameters["KeyGroupName"]), "")))
    template.add_condition(
        HAS_KEY_GROUP_COMMENT, Not(Equals(Ref(parameters["KeyGroupComment"]), ""))
    )
    template.add_condition(
        RESERVES_CONCURRENCY, Equals(Ref(parameters["ReserveConcurrency"]), "true")
    )


def _add_outputs(
    product: ProductTemplate, *, key_pair: SigningKeyPair, key_group: KeyGroup, secret_arn: Ref
) -> None:
    product.add_output(
        "PublicKeyId",
        GetAtt(key_pair, "PublicKeyId"),
        "Current CloudFront public key ID. Changes on every rotation, so it is not exported; "
        "read keyPairId from the secret instead",
        exported=False,
    )
    product.add_output("KeyGroupId", Ref(key_group), "CloudFront key group to trust")
    product.add_output("SecretArn", secret_arn, "Secret holding the current private key")


def check_template_size(product: ProductTemplate, options: KeyPairOptions) -> None:
    """Refuse a template CloudFormation could not load from S3 (the inlined source counts)."""
    size = len(product.to_yaml().encode("utf-8"))
    if size > TEMPLATE_URL_MAX_BYTES:
        raise GeneratorOptionError(
            f"key_pair: function_source {options.function_source} makes the template {size} "
            f"bytes; CloudFormation loads templates from S3 up to {TEMPLATE_URL_MAX_BYTES} "
            "bytes (1 MB template size limit)"
        )
