"""What the launch role may do: IAM grants for every resource type the product templates declare.

``RESOURCE_TYPE_GRANTS`` maps each type to the actions CloudFormation's handlers call to create,
update, delete, describe and tag it, scoped to the names Service Catalog and the products use;
a type missing from the table fails the build. ``launch_role_statements`` turns the grants for
the current products into IAM statements, and ``pack_statements`` fits them into managed policies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from awacs.aws import (
    Action,
    Allow,
    Condition,
    ConditionElement,
    ForAllValuesStringEquals,
    PolicyDocument,
    Statement,
    StringEquals,
    StringEqualsIfExists,
)
from troposphere import AccountId, Sub, encode_to_dict

from products.building_blocks.errors import GeneratorOptionError

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
                "GetAnalyticsConfiguration GetBucketNotification PutBucketNotification "
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
    "AWS::CloudFront::Function": (
        Grant(("cloudfront:CreateFunction",), (_ANY,), why=_CLOUDFRONT_NO_ARN),
        Grant(
            _actions(
                "cloudfront",
                "DescribeFunction GetFunction PublishFunction UpdateFunction DeleteFunction "
                "TagResource UntagResource ListTagsForResource",
            ),
            (_arn("cloudfront", "function/*", regional=False),),
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
            "add it to RESOURCE_TYPE_GRANTS in portfolio/launch_role_permissions.py"
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
        Action=[iam_action(action) for action in grant.actions],
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


UNSCOPED_POLICY_SKIPS = {
    "CKV_AWS_111": "Only actions that accept no resource ARN (CloudFront Create*, key groups and "
    "public keys, kms:CreateKey) are on '*'; every other write is scoped to ARNs",
}


def iam_action(name: str) -> Action:
    """``"service:Name"`` as an awacs Action."""
    prefix, action = name.split(":", 1)
    return Action(prefix, action)
