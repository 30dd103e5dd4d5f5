"""The publisher's bootstrap stack: the artifact bucket and the least-privilege launch role.

Service Catalog reads a product template from ``LoadTemplateFromURL`` with the credentials of
whoever calls CreateProduct/CreateProvisioningArtifact (the publisher) and copies it into a
service-owned bucket; at launch it assumes the launch role, which reads that copy (objects tagged
``servicecatalog:provisioning=true``) and runs CloudFormation on stacks named ``SC-*``. So the
artifact bucket needs no grant to a Service Catalog service principal: same-account publisher
principals read it through their IAM policies, and the bucket policy only denies requests
without TLS 1.2 or later.

The launch role may create exactly the resource types the generated product templates declare:
``RESOURCE_TYPE_GRANTS`` maps each type to the IAM actions CloudFormation's handlers call to
create, update, delete, describe and tag it; a type missing from the table fails the build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from awacs.aws import (
    Action,
    Allow,
    Bool,
    Condition,
    ConditionElement,
    Deny,
    ForAllValuesStringEquals,
    NumericLessThan,
    Policy,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
    StringEqualsIfExists,
)
from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from troposphere import AccountId, Equals, GetAtt, If, Not, NoValue, Ref, Sub, encode_to_dict
from troposphere.iam import ManagedPolicy, Role
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    LoggingConfiguration,
    NoncurrentVersionExpiration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from products.errors import GeneratorOptionError
from products.product_template import ProductTemplate
from products.security_scan import skip_checkov

DEFAULT_STACK_NAME = "signed-urls-portfolio-bootstrap"

#: The launch role's name is this plus ``-<region>``: IAM is global and every region has its
#: own bootstrap stack; LAUNCH constraints name it with ``local_role_name:
#: signed-urls-portfolio-launch-{region}`` so each shared account resolves its own copy.
LAUNCH_ROLE_NAME_PREFIX = "signed-urls-portfolio-launch"

#: Path of every IAM role and instance profile the products create (the launch role may create,
#: change and pass only roles under it).
PRODUCT_ROLE_PATH = "/signed-urls/"

#: Service Catalog names a provisioned product's stack ``SC-<account>-pp-<id>``.
SERVICE_CATALOG_STACK_PREFIX = "SC-"

#: Names CloudFormation generates for a bucket of such a stack start with the lowercased stack name.
SERVICE_CATALOG_BUCKET_PREFIX = "sc-${AWS::AccountId}-pp-"

#: Every KMS alias a product creates starts with this.
PRODUCT_KMS_ALIAS_PREFIX = "alias/signed-urls/"

#: IAM counts a managed policy's characters without whitespace; 6,144 is the hard quota.
MANAGED_POLICY_MAX_CHARS = 6144

#: Resolving ``Fn::Sub`` shortens pseudo parameters but may lengthen ``${ArtifactBucket.Arn}``
#: (21 characters) to a 76-character bucket ARN: pack with this much to spare.
PACKING_HEADROOM = 128

#: Managed policies attached to one role (default quota).
MAX_ATTACHED_POLICIES = 10

#: CloudFormation refuses a TemplateBody larger than this (bytes).
TEMPLATE_BODY_MAX_BYTES = 51_200

TRUST_SOURCE_ACCOUNT_ONLY = "LaunchRoleTrustsSourceAccountOnly"
HAS_ACCESS_LOG = "ArtifactBucketHasAccessLog"

_PARTITION = "arn:${AWS::Partition}"
_REGIONAL = "${AWS::Region}:${AWS::AccountId}"
_ANY = "*"


@dataclass(frozen=True)
class Grant:
    """Actions allowed on resource ARN patterns (``Fn::Sub`` strings), optionally conditioned.

    ``resources == ("*",)`` is only for actions that accept no resource ARN (service
    authorization reference) or whose resource is not ours to name; ``why`` must say which.
    """

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: ConditionElement | None = None
    why: str = ""

    def __post_init__(self) -> None:
        if _ANY in self.resources and not self.why.strip():
            raise GeneratorOptionError(f"grant {self.actions[0]}: Resource '*' needs a reason")


def _arn(service: str, resource: str, *, regional: bool = True) -> str:
    scope = _REGIONAL if regional else ":${AWS::AccountId}"
    return f"{_PARTITION}:{service}:{scope}:{resource}"


_S3_PRODUCT_BUCKETS = (f"{_PARTITION}:s3:::{SERVICE_CATALOG_BUCKET_PREFIX}*",)
_CLOUDFRONT_NO_ARN = "CloudFront accepts no resource ARN for these actions"
_KMS_KEYS = (_arn("kms", "key/*"),)
_PRODUCT_ROLES = (f"{_PARTITION}:iam::${{AWS::AccountId}}:role{PRODUCT_ROLE_PATH}*",)
_PRODUCT_INSTANCE_PROFILES = (
    f"{_PARTITION}:iam::${{AWS::AccountId}}:instance-profile{PRODUCT_ROLE_PATH}*",
)
#: Products leave function and log group names to CloudFormation, which starts them with the
#: stack name: under Service Catalog, SC-<account>-pp-<id>.
_LAMBDA_FUNCTIONS = (_arn("lambda", f"function:{SERVICE_CATALOG_STACK_PREFIX}*"),)
_LOG_GROUPS = (_arn("logs", f"log-group:{SERVICE_CATALOG_STACK_PREFIX}*"),)


def _actions(service: str, names: str) -> tuple[str, ...]:
    """``_actions("s3", "GetObject PutObject")`` -> ("s3:GetObject", "s3:PutObject")."""
    return tuple(f"{service}:{name}" for name in names.split())


def _via(service: str) -> ConditionElement:
    """Condition: the KMS key is used by ``service`` in this Region on our behalf."""
    return StringEquals({"kms:ViaService": Sub(f"{service}.${{AWS::Region}}.amazonaws.com")})


#: Resource type -> what CloudFormation needs to create, update, delete, describe and tag it.
#: Actions come from the type's handler permissions in the CloudFormation resource provider
#: schema, limited to the features our products use (no replication, website, object lock...).
RESOURCE_TYPE_GRANTS: dict[str, tuple[Grant, ...]] = {
    "AWS::S3::Bucket": (
        Grant(
            _actions(
                "s3",
                "CreateBucket DeleteBucket ListBucket GetBucketAcl PutBucketTagging "
                "GetBucketTagging TagResource UntagResource ListTagsForResource "
                "PutEncryptionConfiguration GetEncryptionConfiguration PutBucketVersioning "
                "GetBucketVersioning PutLifecycleConfiguration GetLifecycleConfiguration "
                "PutBucketPublicAccessBlock GetBucketPublicAccessBlock "
                "PutBucketOwnershipControls GetBucketOwnershipControls PutBucketCORS "
                "GetBucketCORS PutBucketLogging GetBucketLogging GetAccelerateConfiguration "
                "GetAnalyticsConfiguration GetBucketNotification "
                "GetBucketObjectLockConfiguration GetBucketWebsite "
                "GetIntelligentTieringConfiguration GetInventoryConfiguration "
                "GetMetricsConfiguration GetReplicationConfiguration",
            ),  # Read handler: describes every configuration, used or not.
            _S3_PRODUCT_BUCKETS,
        ),
    ),
    "AWS::S3::BucketPolicy": (
        Grant(
            ("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
            _S3_PRODUCT_BUCKETS,
        ),
    ),
    "AWS::CloudFront::Distribution": (
        Grant(("cloudfront:CreateDistribution",), (_ANY,), why=_CLOUDFRONT_NO_ARN),
        Grant(
            _actions(
                "cloudfront",
                "GetDistribution GetDistributionConfig UpdateDistribution DeleteDistribution "
                "TagResource UntagResource ListTagsForResource",
            ),
            (_arn("cloudfront", "distribution/*", regional=False),),
        ),
        # Standard logging: CloudFront makes the caller grant itself the log bucket's ACL. The log
        # bucket is the team's own (any name), so only its account can be pinned.
        Grant(
            ("s3:GetBucketAcl", "s3:PutBucketAcl"),
            (f"{_PARTITION}:s3:::*",),
            condition=StringEquals({"aws:ResourceAccount": AccountId}),
        ),
        # An optional WAF web ACL (CloudFront scope lives in us-east-1).
        Grant(
            ("wafv2:GetWebACL",),
            (f"{_PARTITION}:wafv2:us-east-1:${{AWS::AccountId}}:global/webacl/*",),
        ),
    ),
    "AWS::CloudFront::OriginAccessControl": (
        Grant(("cloudfront:CreateOriginAccessControl",), (_ANY,), why=_CLOUDFRONT_NO_ARN),
        Grant(
            _actions(
                "cloudfront",
                "GetOriginAccessControl UpdateOriginAccessControl DeleteOriginAccessControl",
            ),
            (_arn("cloudfront", "origin-access-control/*", regional=False),),
        ),
    ),
    "AWS::CloudFront::CachePolicy": (
        Grant(("cloudfront:CreateCachePolicy",), (_ANY,), why=_CLOUDFRONT_NO_ARN),
        Grant(
            _actions("cloudfront", "GetCachePolicy UpdateCachePolicy DeleteCachePolicy"),
            (_arn("cloudfront", "cache-policy/*", regional=False),),
        ),
    ),
    "AWS::CloudFront::OriginRequestPolicy": (
        Grant(("cloudfront:CreateOriginRequestPolicy",), (_ANY,), why=_CLOUDFRONT_NO_ARN),
        Grant(
            _actions(
                "cloudfront",
                "GetOriginRequestPolicy UpdateOriginRequestPolicy DeleteOriginRequestPolicy",
            ),
            (_arn("cloudfront", "origin-request-policy/*", regional=False),),
        ),
    ),
    "AWS::CloudFront::ResponseHeadersPolicy": (
        Grant(("cloudfront:CreateResponseHeadersPolicy",), (_ANY,), why=_CLOUDFRONT_NO_ARN),
        Grant(
            _actions(
                "cloudfront",
                "GetResponseHeadersPolicy UpdateResponseHeadersPolicy DeleteResponseHeadersPolicy",
            ),
            (_arn("cloudfront", "response-headers-policy/*", regional=False),),
        ),
    ),
    "AWS::CloudFront::KeyGroup": (
        Grant(
            _actions("cloudfront", "CreateKeyGroup GetKeyGroup UpdateKeyGroup DeleteKeyGroup"),
            (_ANY,),
            why=_CLOUDFRONT_NO_ARN,
        ),
    ),
    "AWS::CloudFront::PublicKey": (
        Grant(
            _actions("cloudfront", "CreatePublicKey GetPublicKey UpdatePublicKey DeletePublicKey"),
            (_ANY,),
            why=_CLOUDFRONT_NO_ARN,
        ),
    ),
    "AWS::Route53::RecordSet": (
        Grant(
            ("route53:GetHostedZone", "route53:ListResourceRecordSets"),
            (f"{_PARTITION}:route53:::hostedzone/*",),
        ),
        Grant(("route53:GetChange",), (f"{_PARTITION}:route53:::change/*",)),
        Grant(("route53:ListHostedZones",), (_ANY,), why="ListHostedZones accepts no resource"),
        # route53:ChangeResourceRecordSets is added per record type by record_change_grant().
    ),
    "AWS::CloudWatch::Alarm": (
        Grant(
            _actions(
                "cloudwatch",
                "PutMetricAlarm DescribeAlarms DeleteAlarms TagResource UntagResource "
                "ListTagsForResource",
            ),
            (_arn("cloudwatch", "alarm:*"),),
        ),
    ),
    "AWS::KMS::Key": (
        Grant(("kms:CreateKey",), (_ANY,), why="a key's ARN exists only after CreateKey"),
        Grant(
            _actions(
                "kms",
                "DescribeKey GetKeyPolicy PutKeyPolicy GetKeyRotationStatus EnableKeyRotation "
                "DisableKeyRotation EnableKey DisableKey UpdateKeyDescription TagResource "
                "UntagResource ListResourceTags ScheduleKeyDeletion",
            ),
            _KMS_KEYS,
        ),
    ),
    "AWS::KMS::Alias": (
        Grant(
            ("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"),
            (_arn("kms", f"{PRODUCT_KMS_ALIAS_PREFIX}*"), *_KMS_KEYS),
        ),
        Grant(("kms:ListAliases",), (_ANY,), why="ListAliases accepts no resource"),
    ),
    "AWS::SecretsManager::Secret": (
        Grant(
            _actions(
                "secretsmanager",
                "CreateSecret DescribeSecret UpdateSecret DeleteSecret TagResource UntagResource "
                "GetSecretValue",
            ),  # CloudFormation's update handler reads the current value to compare it.
            (_arn("secretsmanager", "secret:*"),),
        ),
        # Secrets Manager encrypts the value with the caller's rights on the product's key.
        Grant(
            ("kms:GenerateDataKey", "kms:Decrypt"),
            _KMS_KEYS,
            condition=_via("secretsmanager"),
        ),
    ),
    "AWS::DynamoDB::Table": (
        Grant(
            _actions(
                "dynamodb",
                "CreateTable DescribeTable UpdateTable DeleteTable DescribeTimeToLive "
                "UpdateTimeToLive DescribeContinuousBackups UpdateContinuousBackups "
                "DescribeContributorInsights DescribeKinesisStreamingDestination "
                "GetResourcePolicy ListTagsOfResource TagResource UntagResource",
            ),
            (_arn("dynamodb", "table/*"),),
        ),
        # Server-side encryption with a KMS key: DynamoDB creates a grant as the caller.
        Grant(
            ("kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt"),
            _KMS_KEYS,
            condition=_via("dynamodb"),
        ),
    ),
    "AWS::IAM::Role": (
        Grant(
            _actions(
                "iam",
                "CreateRole GetRole UpdateRole UpdateRoleDescription UpdateAssumeRolePolicy "
                "DeleteRole PutRolePolicy GetRolePolicy DeleteRolePolicy ListRolePolicies "
                "ListAttachedRolePolicies PutRolePermissionsBoundary "
                "DeleteRolePermissionsBoundary TagRole UntagRole ListRoleTags",
            ),
            _PRODUCT_ROLES,
        ),
    ),
    "AWS::IAM::InstanceProfile": (
        Grant(
            _actions(
                "iam",
                "CreateInstanceProfile GetInstanceProfile DeleteInstanceProfile "
                "AddRoleToInstanceProfile RemoveRoleFromInstanceProfile",
            ),
            _PRODUCT_INSTANCE_PROFILES,
        ),
    ),
    "AWS::IAM::Policy": (
        Grant(
            ("iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"),
            _PRODUCT_ROLES,
        ),
    ),
    "AWS::Lambda::Function": (
        Grant(
            _actions(
                "lambda",
                "CreateFunction GetFunction UpdateFunctionCode UpdateFunctionConfiguration "
                "DeleteFunction PutFunctionConcurrency DeleteFunctionConcurrency "
                "GetFunctionCodeSigningConfig GetFunctionRecursionConfig "
                "GetRuntimeManagementConfig ListTags TagResource UntagResource",
            ),
            _LAMBDA_FUNCTIONS,
        ),
    ),
    "AWS::Lambda::Permission": (
        Grant(
            ("lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"),
            _LAMBDA_FUNCTIONS,
        ),
    ),
    "AWS::Logs::LogGroup": (
        Grant(
            _actions(
                "logs",
                "CreateLogGroup DeleteLogGroup PutRetentionPolicy DeleteRetentionPolicy "
                "AssociateKmsKey DisassociateKmsKey GetDataProtectionPolicy TagResource "
                "UntagResource ListTagsForResource",
            ),
            _LOG_GROUPS,
        ),
        Grant(
            (
                "logs:DescribeLogGroups",
                "logs:DescribeIndexPolicies",
                "logs:DescribeResourcePolicies",
            ),
            (_ANY,),
            why="CloudWatch Logs describe calls accept no resource ARN",
        ),
    ),
    "AWS::Lambda::EventInvokeConfig": (
        Grant(
            _actions(
                "lambda",
                "PutFunctionEventInvokeConfig GetFunctionEventInvokeConfig "
                "UpdateFunctionEventInvokeConfig DeleteFunctionEventInvokeConfig",
            ),
            _LAMBDA_FUNCTIONS,
        ),
    ),
    # The key pair product's Lambda-backed custom resource: CloudFormation invokes the function
    # with the launch role's credentials.
    "Custom::SigningKeyPair": (Grant(("lambda:InvokeFunction",), _LAMBDA_FUNCTIONS),),
}


#: Resource types that hand a product role to a service while being created (iam:PassRole).
ROLE_PASSED_TO = {
    "AWS::Lambda::Function": "lambda.amazonaws.com",
    "AWS::IAM::InstanceProfile": "ec2.amazonaws.com",
}


@dataclass(frozen=True)
class ProductResources:
    """What the launch role must be able to create: resource types and DNS record types."""

    resource_types: frozenset[str]
    record_types: frozenset[str]

    @property
    def passed_to_services(self) -> frozenset[str]:
        """Services that receive a product role while CloudFormation creates a resource."""
        return frozenset(
            ROLE_PASSED_TO[resource_type]
            for resource_type in self.resource_types
            if resource_type in ROLE_PASSED_TO
        )


def product_templates() -> dict[str, dict[str, Any]]:
    """Product slug -> generated template data, for every product in the catalog."""
    from products.catalog import PRODUCTS

    return {spec.slug: spec.build().template.to_dict() for spec in PRODUCTS}


def product_resources(templates: Iterable[dict[str, Any]]) -> ProductResources:
    """Collect, from generated template data, what the launch role must be able to create."""
    types: set[str] = set()
    record_types: set[str] = set()
    for template in templates:
        for name, resource in template.get("Resources", {}).items():
            types.add(resource["Type"])
            if resource["Type"] == "AWS::Route53::RecordSet":
                record_type = resource.get("Properties", {}).get("Type")
                if not isinstance(record_type, str):
                    raise GeneratorOptionError(
                        f"bootstrap: record set {name} needs a literal Type "
                        "(the launch role is scoped to the record types products declare)"
                    )
                record_types.add(record_type)
    return ProductResources(frozenset(types), frozenset(record_types))


def grants_for(resources: ProductResources) -> list[tuple[str, Grant]]:
    """(Sid, grant) pairs for these product resources; unknown types are refused."""
    unknown = sorted(resources.resource_types - RESOURCE_TYPE_GRANTS.keys())
    if unknown:
        raise GeneratorOptionError(
            f"bootstrap: no launch role permissions for resource type {', '.join(unknown)}: "
            "add it to RESOURCE_TYPE_GRANTS in portfolio/bootstrap.py"
        )
    named: list[tuple[str, Grant]] = []
    for resource_type in sorted(resources.resource_types):
        type_grants = RESOURCE_TYPE_GRANTS[resource_type]
        base = _sid(resource_type.removeprefix("AWS::"))
        for index, grant in enumerate(type_grants, start=1):
            named.append((base if len(type_grants) == 1 else f"{base}{index}", grant))
    if resources.record_types:
        named.append(("Route53RecordSetChanges", record_change_grant(resources.record_types)))
    if resources.passed_to_services:
        named.append(("PassProductRoles", pass_role_grant(resources.passed_to_services)))
    return named


def record_change_grant(record_types: Iterable[str]) -> Grant:
    """ChangeResourceRecordSets only for the record types the products declare."""
    return Grant(
        ("route53:ChangeResourceRecordSets",),
        (f"{_PARTITION}:route53:::hostedzone/*",),
        condition=ForAllValuesStringEquals(
            {"route53:ChangeResourceRecordSetsRecordTypes": sorted(record_types)}
        ),
    )


def pass_role_grant(services: Iterable[str]) -> Grant:
    """PassRole for product roles only, only to the services product resources hand them to.

    ``IfExists``: adding a role to an instance profile passes it with no target service.
    """
    return Grant(
        ("iam:PassRole",),
        _PRODUCT_ROLES,
        condition=StringEqualsIfExists({"iam:PassedToService": sorted(services)}),
    )


def service_catalog_grants() -> list[tuple[str, Grant]]:
    """What Service Catalog itself needs from the launch role, whatever the products are."""
    return [
        (
            "ServiceCatalogStacks",
            Grant(
                ("cloudformation:*",),
                (_arn("cloudformation", f"stack/{SERVICE_CATALOG_STACK_PREFIX}*"),),
            ),
        ),
        (
            "InspectTemplates",
            Grant(
                ("cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"),
                (_ANY,),
                why="called on a template before any stack exists",
            ),
        ),
        ("ReadArtifactBucketTemplates", Grant(("s3:GetObject",), ("${ArtifactBucket.Arn}/*",))),
        (
            "ReadServiceCatalogTemplateCopies",
            Grant(
                ("s3:GetObject",),
                (_ANY,),
                condition=StringEquals(
                    {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}
                ),
                why="Service Catalog's own copy of the template sits in a service-owned bucket "
                "whose name we cannot know; only objects it tags for provisioning are readable",
            ),
        ),
    ]


def _statement(grant: Grant, sid: str) -> Statement:
    return Statement(
        Sid=sid,
        Effect=Allow,
        Action=[_action(action) for action in grant.actions],
        Resource=[resource if resource == _ANY else Sub(resource) for resource in grant.resources],
        **({"Condition": Condition(grant.condition)} if grant.condition else {}),
    )


def _compact_size(statements: list[Statement]) -> int:
    document = PolicyDocument(Version="2012-10-17", Statement=statements)
    return len(json.dumps(encode_to_dict(document), separators=(",", ":")))


def pack_statements(statements: list[Statement], limit: int) -> list[list[Statement]]:
    """Greedy, order-preserving packing into documents of at most ``limit`` characters.

    Sizes are measured before ``Fn::Sub`` resolves; see PACKING_HEADROOM for why that is safe.
    """
    packs: list[list[Statement]] = []
    for statement in statements:
        if _compact_size([statement]) > limit:
            raise GeneratorOptionError(
                f"bootstrap: statement {statement.Sid} alone exceeds {limit}"
            )
        if packs and _compact_size([*packs[-1], statement]) <= limit:
            packs[-1].append(statement)
        else:
            packs.append([statement])
    return packs


def _sid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def launch_role_statements(
    named_grants: list[tuple[str, Grant]],
) -> tuple[list[Statement], list[Statement]]:
    """(statements on scoped ARNs, statements on Resource '*')."""
    scoped: list[Statement] = []
    unscoped: list[Statement] = []
    for sid, grant in named_grants:
        (unscoped if _ANY in grant.resources else scoped).append(_statement(grant, sid))
    return scoped, unscoped


_UNSCOPED_POLICY_SKIPS = {
    "CKV_AWS_111": "Only actions that accept no resource ARN (CloudFront Create*, key groups and "
    "public keys, kms:CreateKey) are on '*'; every other write is scoped to ARNs",
}


def add_artifact_bucket(
    template: Any, *, noncurrent_days: Any, access_log_bucket: Any, has_access_log: str
) -> Bucket:
    """Private, encrypted, versioned bucket for product templates; TLS-only."""
    bucket = template.add_resource(
        Bucket(
            "ArtifactBucket",
            PublicAccessBlockConfiguration=PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            OwnershipControls=OwnershipControls(
                Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
            BucketEncryption=BucketEncryption(
                ServerSideEncryptionConfiguration=[
                    ServerSideEncryptionRule(
                        # SSE-S3: templates are not secret, and Service Catalog's copy then
                        # needs no KMS permissions from the publisher.
                        ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                            SSEAlgorithm="AES256"
                        )
                    )
                ]
            ),
            VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
            LoggingConfiguration=If(
                has_access_log,
                LoggingConfiguration(
                    DestinationBucketName=access_log_bucket,
                    LogFilePrefix=Sub("${AWS::StackName}/artifact-bucket/"),
                ),
                NoValue,
            ),
            LifecycleConfiguration=LifecycleConfiguration(
                Rules=[
                    LifecycleRule(
                        Id="ExpireNoncurrentTemplateVersions",
                        Status="Enabled",
                        NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                            NoncurrentDays=noncurrent_days
                        ),
                        AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                            DaysAfterInitiation=7
                        ),
                    )
                ]
            ),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    template.add_resource(
        BucketPolicy(
            "ArtifactBucketPolicy",
            Bucket=Ref(bucket),
            PolicyDocument=PolicyDocument(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Sid="DenyRequestsWithoutTls",
                        Effect=Deny,
                        Principal=Principal("*"),
                        Action=[_action("s3:*")],
                        Resource=[GetAtt(bucket, "Arn"), Sub("${ArtifactBucket.Arn}/*")],
                        Condition=Condition(Bool({"aws:SecureTransport": "false"})),
                    ),
                    Statement(
                        Sid="DenyTlsOlderThan12",
                        Effect=Deny,
                        Principal=Principal("*"),
                        Action=[_action("s3:*")],
                        Resource=[GetAtt(bucket, "Arn"), Sub("${ArtifactBucket.Arn}/*")],
                        Condition=Condition(NumericLessThan({"s3:TlsVersion": "1.2"})),
                    ),
                ],
            ),
        )
    )
    return bucket


def launch_role_trust(*, source_account_only: bool) -> Policy:
    """Service Catalog may assume the role; optionally only on behalf of this account."""
    condition = {"Condition": Condition(StringEquals({"aws:SourceAccount": AccountId}))}
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="AssumedByServiceCatalog",
                Effect=Allow,
                Principal=Principal("Service", "servicecatalog.amazonaws.com"),
                Action=[_action("sts:AssumeRole")],
                **(condition if source_account_only else {}),
            )
        ],
    )


def add_launch_role(
    template: Any, *, grants: list[tuple[str, Grant]], source_account_only_condition: str
) -> tuple[Role, list[ManagedPolicy]]:
    """The role Service Catalog assumes to launch products, with its packed managed policies."""
    role = template.add_resource(
        Role(
            "LaunchRole",
            RoleName=Sub(f"{LAUNCH_ROLE_NAME_PREFIX}-${{AWS::Region}}"),
            Description="Service Catalog launch role for the signed URLs portfolio",
            AssumeRolePolicyDocument=If(
                source_account_only_condition,
                launch_role_trust(source_account_only=True),
                launch_role_trust(source_account_only=False),
            ),
        )
    )
    scoped, unscoped = launch_role_statements(grants)
    limit = MANAGED_POLICY_MAX_CHARS - PACKING_HEADROOM
    packs = pack_statements(scoped, limit) + pack_statements(unscoped, limit)
    if len(packs) > MAX_ATTACHED_POLICIES:
        raise GeneratorOptionError(
            f"bootstrap: launch role needs {len(packs)} managed policies, quota is "
            f"{MAX_ATTACHED_POLICIES}"
        )
    policies = []
    for index, pack in enumerate(packs, start=1):
        on_any = any(_ANY in statement.Resource for statement in pack)
        policy = template.add_resource(
            ManagedPolicy(
                f"LaunchRolePolicy{index}",
                Description=f"Signed URLs launch role permissions, part {index}",
                Roles=[Ref(role)],
                PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=pack),
            )
        )
        if on_any:
            for check_id, reason in _UNSCOPED_POLICY_SKIPS.items():
                skip_checkov(policy, check_id, reason)
        policies.append(policy)
    return role, policies


def _action(name: str) -> Action:
    prefix, action = name.split(":", 1)
    return Action(prefix, action)


def build_bootstrap(templates: dict[str, dict[str, Any]] | None = None) -> ProductTemplate:
    """The bootstrap template for the given product templates (default: every product)."""
    templates = product_templates() if templates is None else templates
    grants = grants_for(product_resources(templates.values())) + service_catalog_grants()
    bootstrap = ProductTemplate(
        "Signed URLs - bootstrap: artifact bucket for product templates and the least-privilege "
        "Service Catalog launch role"
    )
    noncurrent_days = bootstrap.add_parameter(
        "NoncurrentVersionExpirationDays",
        group="Artifact bucket",
        label="Keep replaced template versions (days)",
        Type="Number",
        Description="Days a replaced or deleted template version is kept before it expires.",
        Default=90,
        MinValue=1,
        MaxValue=3650,
        ConstraintDescription="a whole number of days from 1 to 3650",
    )
    trust_this_account_only = bootstrap.add_parameter(
        "TrustSourceAccountOnly",
        group="Launch role",
        label="Require aws:SourceAccount in the trust policy",
        Description="true: Service Catalog may assume the launch role only for this account "
        "(aws:SourceAccount). Verify Service Catalog sends the key in your partition first.",
        Default="false",
        AllowedValues=["true", "false"],
        ConstraintDescription="true or false",
    )
    bootstrap.template.add_condition(
        TRUST_SOURCE_ACCOUNT_ONLY, Equals(Ref(trust_this_account_only), "true")
    )
    access_log_bucket = bootstrap.add_parameter(
        "AccessLogBucketName",
        group="Artifact bucket",
        label="Access log bucket (optional)",
        Description="Existing bucket that receives S3 server access logs of the artifact bucket; "
        "empty: no access logs (CloudTrail still records who changed templates).",
        Default="",
        AllowedPattern=r"^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        ConstraintDescription="empty, or a bucket name (3-63 lowercase letters, digits, . and -)",
    )
    bootstrap.template.add_condition(HAS_ACCESS_LOG, Not(Equals(Ref(access_log_bucket), "")))
    bucket = add_artifact_bucket(
        bootstrap.template,
        noncurrent_days=Ref(noncurrent_days),
        access_log_bucket=Ref(access_log_bucket),
        has_access_log=HAS_ACCESS_LOG,
    )
    role, _ = add_launch_role(
        bootstrap.template,
        grants=grants,
        source_account_only_condition=TRUST_SOURCE_ACCOUNT_ONLY,
    )
    bootstrap.add_output("ArtifactBucketName", Ref(bucket), "Bucket the publisher uploads to")
    bootstrap.add_output("LaunchRoleArn", GetAtt(role, "Arn"), "Launch constraint role ARN")
    bootstrap.add_output("LaunchRoleName", Ref(role), "Launch constraint role name")
    return bootstrap


def render_bootstrap_template() -> str:
    """The bootstrap template as YAML (what `portfolio bootstrap` deploys; lint-gate input)."""
    return build_bootstrap().to_yaml()


# --- deploy ---------------------------------------------------------------------------------

STACK_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_NO_UPDATES = "No updates are to be performed"
_USER_INITIATED = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"}


class BootstrapFailed(Exception):
    """A stack could not be created, updated or deleted; the message is one line with why."""


@dataclass(frozen=True)
class Polling:
    """Bounded polling of stack status: ``delay`` seconds apart, at most ``attempts`` times."""

    delay: int = 10
    attempts: int = 180


def deploy_bootstrap(
    session_or_client: Any,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str | None = None,
    *,
    endpoint_url: str | None = None,
    parameters: dict[str, str] | None = None,
    polling: Polling = Polling(),
    report: Callable[[str], None] = lambda line: None,
) -> dict[str, str]:
    """Create or update the bootstrap stack and return its outputs.

    ``session_or_client`` is a boto3 Session (a CloudFormation client is made for ``region``
    and ``endpoint_url``) or a CloudFormation client. An unchanged template and parameters
    cause no update. Raises BootstrapFailed with the stack's status reason, on one line.
    """
    try:
        client = _cloudformation(session_or_client, region, endpoint_url)
    except BotoCoreError as error:
        raise BootstrapFailed(f"stack {stack_name}: {_one_line(str(error))}") from error
    return deploy_stack(
        client,
        stack_name,
        render_bootstrap_template(),
        parameters=parameters,
        tags={"signed-urls:component": "bootstrap"},
        polling=polling,
        report=report,
    )


def deploy_stack(
    client: Any,
    stack_name: str,
    template_body: str,
    *,
    parameters: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    polling: Polling = Polling(),
    report: Callable[[str], None] = lambda line: None,
) -> dict[str, str]:
    """Create ``stack_name`` or bring it to ``template_body``; return its outputs."""
    if len(template_body.encode("utf-8")) > TEMPLATE_BODY_MAX_BYTES:
        raise BootstrapFailed(
            f"stack {stack_name}: template exceeds {TEMPLATE_BODY_MAX_BYTES} bytes"
        )
    request = {
        "StackName": stack_name,
        "TemplateBody": template_body,
        "Parameters": [
            {"ParameterKey": key, "ParameterValue": value}
            for key, value in sorted((parameters or {}).items())
        ],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": key, "Value": value} for key, value in sorted((tags or {}).items())],
    }
    try:
        report(f"{stack_name}: {_create_or_update(client, request, polling, report)}")
        stack = _describe(client, stack_name)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise BootstrapFailed(f"stack {stack_name}: {_one_line(message)}") from error
    except BotoCoreError as error:  # no credentials, endpoint unreachable, no Region...
        raise BootstrapFailed(f"stack {stack_name}: {_one_line(str(error))}") from error
    if stack is None:
        raise BootstrapFailed(f"stack {stack_name} disappeared while deploying")
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def delete_stack(client: Any, stack_name: str, *, polling: Polling = Polling()) -> None:
    """Delete a stack and wait (bounded) until it is gone."""
    try:
        client.delete_stack(StackName=stack_name)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise BootstrapFailed(f"stack {stack_name}: {_one_line(message)}") from error
    _wait(client, "stack_delete_complete", stack_name, polling)


def _create_or_update(
    client: Any, request: dict[str, Any], polling: Polling, report: Callable[[str], None]
) -> str:
    """Bring the stack to ``request``; returns "created", "updated" or "unchanged"."""
    stack_name = request["StackName"]
    existing = _describe(client, stack_name)
    if existing is not None and existing["StackStatus"] == "ROLLBACK_COMPLETE":
        report(f"{stack_name}: deleting what a failed creation left (ROLLBACK_COMPLETE)")
        client.delete_stack(StackName=stack_name)
        _wait(client, "stack_delete_complete", stack_name, polling)
        existing = None
    if existing is None:
        client.create_stack(**request, OnFailure="ROLLBACK")
        _wait(client, "stack_create_complete", stack_name, polling)
        return "created"
    if existing["StackStatus"].endswith("_IN_PROGRESS"):
        raise BootstrapFailed(
            f"stack {stack_name} is busy ({existing['StackStatus']}); try again when it settles"
        )
    if _unchanged(client, existing, request):
        return "unchanged"
    try:
        client.update_stack(**request)
    except ClientError as error:
        if _NO_UPDATES in error.response.get("Error", {}).get("Message", ""):
            return "unchanged"
        raise
    _wait(client, "stack_update_complete", stack_name, polling)
    return "updated"


def _cloudformation(session_or_client: Any, region: str | None, endpoint_url: str | None) -> Any:
    if hasattr(session_or_client, "create_stack"):
        return session_or_client
    return session_or_client.client("cloudformation", region_name=region, endpoint_url=endpoint_url)


def _describe(client: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return None
        raise
    return stacks[0] if stacks else None


def _unchanged(client: Any, stack: dict[str, Any], request: dict[str, Any]) -> bool:
    """Same template text and the same values for the parameters we pass."""
    current = client.get_template(StackName=stack["StackName"], TemplateStage="Original")
    current_values = {
        item["ParameterKey"]: item.get("ParameterValue") for item in stack.get("Parameters", [])
    }
    return current["TemplateBody"] == request["TemplateBody"] and all(
        current_values.get(item["ParameterKey"]) == item["ParameterValue"]
        for item in request["Parameters"]
    )


def _wait(client: Any, waiter_name: str, stack_name: str, polling: Polling) -> None:
    try:
        client.get_waiter(waiter_name).wait(
            StackName=stack_name,
            WaiterConfig={"Delay": polling.delay, "MaxAttempts": polling.attempts},
        )
    except WaiterError as error:
        raise BootstrapFailed(_failure_line(client, stack_name, error)) from error


def _failure_line(client: Any, stack_name: str, error: WaiterError) -> str:
    """One line: the stack status, its reason, and the first failed resource's reason."""
    stack = _describe(client, stack_name)
    if stack is None:
        return f"stack {stack_name}: {_one_line(str(error))}"
    status = stack["StackStatus"]
    if status.endswith("_IN_PROGRESS") and "ROLLBACK" not in status:
        return f"stack {stack_name} still {status} when polling gave up"
    details = [stack.get("StackStatusReason") or "", _first_failed_resource(client, stack_name)]
    reason = "; ".join(detail for detail in details if detail)
    return _one_line(f"stack {stack_name} {status}" + (f": {reason}" if reason else ""))


def _first_failed_resource(client: Any, stack_name: str) -> str:
    """The earliest resource failure of the latest operation (its root cause)."""
    events = client.describe_stack_events(StackName=stack_name)["StackEvents"]  # newest first
    latest_operation = []
    for event in events:
        latest_operation.append(event)
        if (
            event.get("LogicalResourceId") == stack_name
            and event.get("ResourceStatus") in _USER_INITIATED
        ):
            break
    failures = [
        event
        for event in reversed(latest_operation)
        if event.get("ResourceStatus", "").endswith("_FAILED") and event.get("ResourceStatusReason")
    ]
    if not failures:
        return ""
    return f"{failures[0]['LogicalResourceId']}: {failures[0]['ResourceStatusReason']}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
