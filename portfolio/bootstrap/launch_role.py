"""What the launch role may do: IAM grants for every resource type the product templates declare.

``RESOURCE_TYPE_GRANTS`` maps each type to the actions CloudFormation's handlers call to create,
update, delete, describe and tag it, scoped to the names Service Catalog and the products use;
a type missing from the table fails the build. ``SCHEMA_ACTIONS_NOT_GRANTED`` says why each
other action those handlers declare is left out (the unit tests diff both tables against the
schemas cfn-lint bundles). ``launch_role_statements`` turns the grants for the current products
into IAM statements, and ``pack_statements`` fits them into managed policies.

The launch role creates and changes roles only with the capability's permissions boundary
attached (``_with_boundary``), so no parameter value can give a product role more than the
boundary (``boundary``) allows.
"""

from __future__ import annotations

import copy
import functools
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
    ForAnyValueStringLike,
    PolicyDocument,
    Statement,
    StringEquals,
    StringEqualsIfExists,
    StringLike,
)
from troposphere import AccountId, Sub, encode_to_dict

from portfolio.names import PRODUCT_ROLE_PATH
from products.building_blocks import capability_names as names
from products.building_blocks.errors import TemplateDefinitionError

#: Service Catalog names a provisioned product's stack ``SC-<account>-pp-<id>``.
SERVICE_CATALOG_STACK_PREFIX = "SC-"

#: The bucket product names its bucket ``signed-urls-<account>-...`` (``capability_names``).
PRODUCT_BUCKET_PREFIX = f"{names.BUCKET_NAME_PREFIX}${{AWS::AccountId}}-"

#: Product versions before 2.0.0 left the name to CloudFormation, which starts it with the
#: lowercased stack name: their stacks must stay updatable until they move to 2.0.0.
LEGACY_BUCKET_PREFIX = "sc-${AWS::AccountId}-pp-"

#: Every KMS alias a product creates starts with this.
PRODUCT_KMS_ALIAS_PREFIX = names.KMS_ALIAS_PREFIX

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
    condition: ConditionElement | tuple[ConditionElement, ...] | None = None
    why: str = ""

    def __post_init__(self) -> None:
        if _ANY in self.resources and not self.why.strip():
            raise TemplateDefinitionError(f"grant {self.actions[0]}: Resource '*' needs a reason")


def _arn(service: str, resource: str, *, regional: bool = True) -> str:
    scope = _REGIONAL if regional else ":${AWS::AccountId}"
    return f"{_PARTITION}:{service}:{scope}:{resource}"


_S3_PRODUCT_BUCKETS = (
    f"{_PARTITION}:s3:::{PRODUCT_BUCKET_PREFIX}*",
    f"{_PARTITION}:s3:::{LEGACY_BUCKET_PREFIX}*",
)
_CLOUDFRONT_NO_ARN = "CloudFront accepts no resource ARN for these actions"
_KMS_KEYS = (_arn("kms", "key/*"),)
_PRODUCT_ROLES = (f"{_PARTITION}:iam::${{AWS::AccountId}}:role{PRODUCT_ROLE_PATH}*",)
_PRODUCT_INSTANCE_PROFILES = (
    f"{_PARTITION}:iam::${{AWS::AccountId}}:instance-profile{PRODUCT_ROLE_PATH}*",
)
#: Products leave function names to CloudFormation, which starts them with the stack name: under
#: Service Catalog, SC-<account>-pp-<id>. Log groups are named under the capability's prefix
#: (before 2.0.0, by CloudFormation: those are deleted when their stacks move to 2.0.0).
_LAMBDA_FUNCTIONS = (_arn("lambda", f"function:{SERVICE_CATALOG_STACK_PREFIX}*"),)
_LOG_GROUPS = (
    _arn("logs", f"log-group:{names.LOG_GROUP_NAME_PREFIX}*"),
    _arn("logs", f"log-group:{SERVICE_CATALOG_STACK_PREFIX}*"),
)

#: The capability's permissions boundary (``portfolio.bootstrap.boundary``), by its fixed name.
BOUNDARY_ATTACHED = StringEquals({"iam:PermissionsBoundary": Sub(names.BOUNDARY_POLICY_ARN)})
_BOUNDARY_IF_ANY = StringEqualsIfExists({"iam:PermissionsBoundary": Sub(names.BOUNDARY_POLICY_ARN)})


def _actions(service: str, names: str) -> tuple[str, ...]:
    """``_actions("s3", "GetObject PutObject")`` -> ("s3:GetObject", "s3:PutObject")."""
    return tuple(f"{service}:{name}" for name in names.split())


def _via(service: str) -> ConditionElement:
    """Condition: the KMS key is used by ``service`` in this Region on our behalf."""
    return StringEquals({"kms:ViaService": Sub(f"{service}.${{AWS::Region}}.amazonaws.com")})


def _via_for(service: str, context_key: str, resources: str) -> tuple[ConditionElement, ...]:
    """The KMS key is used by ``service`` for one of ``resources`` (its encryption context)."""
    return (_via(service), StringLike({f"kms:EncryptionContext:{context_key}": Sub(resources)}))


#: Secrets CloudFormation created in a Service Catalog stack of this account and Region: the
#: secret type's schema sets ``cloudFormationSystemTags``, so every such secret carries
#: ``aws:cloudformation:stack-id`` from creation on, and nobody can set or change an ``aws:`` tag:
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html
#: Secrets Manager evaluates ``aws:ResourceTag`` on every action on a secret:
#: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
_IN_SERVICE_CATALOG_STACK = StringLike(
    {
        "aws:ResourceTag/aws:cloudformation:stack-id": Sub(
            f"arn:${{AWS::Partition}}:cloudformation:{_REGIONAL}:stack/"
            f"{SERVICE_CATALOG_STACK_PREFIX}*"
        )
    }
)

#: KMS keys that carry a product alias. Only for update-time calls: KMS may take five minutes to
#: authorize by a new alias, and a product creates its key before the alias.
#: https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html
_PRODUCT_KEY = ForAnyValueStringLike({"kms:ResourceAliases": f"{PRODUCT_KMS_ALIAS_PREFIX}*"})


#: ``_with_boundary``: creating a role or changing what it may do needs the boundary attached,
#: by the actions that support the iam:PermissionsBoundary condition key (service
#: authorization reference, "Actions defined by AWS Identity and Access Management":
#: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html,
#: and the delegation pattern in
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html). No
#: DeleteRolePermissionsBoundary and no AttachRolePolicy (SCHEMA_ACTIONS_NOT_GRANTED).
#: DeleteRolePolicy also runs on roles created before the boundary existed (product versions
#: before 2.0.0), so their stacks stay deletable: removing an inline policy never adds a
#: permission, and a role with another boundary is still refused.
def _with_boundary(names_: str) -> tuple[Grant, ...]:
    """Role writes ``names_`` (space-separated iam actions) only with the boundary attached."""
    actions = _actions("iam", names_)
    bounded = tuple(action for action in actions if action != "iam:DeleteRolePolicy")
    grants = (Grant(bounded, _PRODUCT_ROLES, condition=BOUNDARY_ATTACHED),) if bounded else ()
    if "iam:DeleteRolePolicy" in actions:
        grants += (Grant(("iam:DeleteRolePolicy",), _PRODUCT_ROLES, condition=_BOUNDARY_IF_ANY),)
    return grants


#: Resource type -> what CloudFormation needs to create, update, delete, describe and tag it.
#: Actions come from the type's handler permissions in the CloudFormation resource provider
#: schema, limited to the features our products use (no replication, website, object lock...).
RESOURCE_TYPE_GRANTS: dict[str, tuple[Grant, ...]] = {
    "AWS::S3::Bucket": (
        Grant(
            _actions(
                "s3",
                "CreateBucket ListBucket GetBucketAcl PutBucketTagging "
                "GetBucketTagging TagResource UntagResource ListTagsForResource "
                "PutEncryptionConfiguration GetEncryptionConfiguration PutBucketVersioning "
                "GetBucketVersioning PutLifecycleConfiguration GetLifecycleConfiguration "
                "PutBucketPublicAccessBlock GetBucketPublicAccessBlock "
                "PutBucketOwnershipControls GetBucketOwnershipControls PutBucketCORS "
                "GetBucketCORS PutBucketLogging GetBucketLogging PutBucketNotification "
                "GetAccelerateConfiguration "
                "GetAnalyticsConfiguration GetBucketNotification "
                "GetBucketObjectLockConfiguration GetBucketWebsite "
                "GetIntelligentTieringConfiguration GetInventoryConfiguration "
                "GetMetricsConfiguration GetReplicationConfiguration GetBucketAbac "
                "GetBucketMetadataTableConfiguration",
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
        # Standard logging (legacy) needs s3:GetBucketAcl and s3:PutBucketAcl on the log bucket:
        # CloudFront adds the awslogsdelivery account to its ACL with the caller's rights.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
        # The log bucket is the team's (LoggingBucketName; its ACLs enabled, which product
        # buckets never have): named signed-urls-logs-..., in this account. Standard logging v2
        # (AWS::Logs::DeliverySource/DeliveryDestination/Delivery) needs no ACL: moving the
        # distribution product to it would let this grant go.
        # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
        Grant(
            ("s3:GetBucketAcl", "s3:PutBucketAcl"),
            (f"{_PARTITION}:s3:::{names.LOG_BUCKET_NAME_PREFIX}*",),
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
        # Read handler, and what the create handler calls before the product alias exists.
        Grant(
            _actions(
                "kms",
                "DescribeKey GetKeyPolicy GetKeyRotationStatus ListResourceTags "
                "EnableKeyRotation TagResource",
            ),
            _KMS_KEYS,
        ),
        # Update handler only: keys with a product alias. No ScheduleKeyDeletion (product keys
        # are retained), no EnableKey or DisableKey (products never set Enabled): see
        # SCHEMA_ACTIONS_NOT_GRANTED.
        Grant(
            _actions("kms", "PutKeyPolicy DisableKeyRotation UpdateKeyDescription UntagResource"),
            _KMS_KEYS,
            condition=_PRODUCT_KEY,
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
        # Product secrets are named signed-urls/<SecretName>; CreateSecret sends the tags, which
        # exist only once it succeeds.
        Grant(
            ("secretsmanager:CreateSecret", "secretsmanager:TagResource"),
            (_arn("secretsmanager", f"secret:{names.SECRET_NAME_PREFIX}*"),),
        ),
        # The read handler calls GetSecretValue: only on secrets of Service Catalog stacks.
        # No DeleteSecret: product secrets are retained (SCHEMA_ACTIONS_NOT_GRANTED).
        Grant(
            _actions("secretsmanager", "DescribeSecret GetSecretValue UpdateSecret UntagResource"),
            (_arn("secretsmanager", "secret:*"),),
            condition=_IN_SERVICE_CATALOG_STACK,
        ),
        # Secrets Manager encrypts and decrypts the value with the caller's rights on the
        # product's key (created in the same launch, alias not yet effective, no CloudFormation
        # tags), so the key cannot be named: only this account's secrets, through Secrets Manager.
        # https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
        Grant(
            ("kms:GenerateDataKey", "kms:Decrypt"),
            _KMS_KEYS,
            condition=_via_for(
                "secretsmanager",
                "SecretARN",
                f"arn:${{AWS::Partition}}:secretsmanager:{_REGIONAL}:secret:*",
            ),
        ),
    ),
    "AWS::DynamoDB::Table": (
        Grant(
            _actions(
                "dynamodb",
                "CreateTable DescribeTable UpdateTable DescribeTimeToLive "
                "UpdateTimeToLive DescribeContinuousBackups UpdateContinuousBackups "
                "DescribeContributorInsights DescribeKinesisStreamingDestination "
                "GetResourcePolicy ListTagsOfResource TagResource UntagResource",
            ),  # No DeleteTable: product tables are retained (SCHEMA_ACTIONS_NOT_GRANTED).
            (_arn("dynamodb", "table/*"),),
        ),
        # Server-side encryption with the team's KMS key (TableKmsKeyArn, any key of the
        # account): DynamoDB uses it, and creates and revokes its grants, as the caller.
        Grant(
            _actions("kms", "CreateGrant RevokeGrant DescribeKey Decrypt Encrypt"),
            _KMS_KEYS,
            condition=_via("dynamodb"),
        ),
        Grant(("kms:ListAliases",), (_ANY,), why="ListAliases accepts no resource"),
    ),
    "AWS::IAM::Role": (
        Grant(
            _actions(
                "iam",
                "GetRole UpdateRole UpdateRoleDescription UpdateAssumeRolePolicy DeleteRole "
                "GetRolePolicy ListRolePolicies ListAttachedRolePolicies TagRole UntagRole "
                "ListRoleTags",
            ),
            _PRODUCT_ROLES,
        ),
        *_with_boundary("CreateRole PutRolePolicy PutRolePermissionsBoundary DeleteRolePolicy"),
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
        Grant(("iam:GetRolePolicy",), _PRODUCT_ROLES),
        *_with_boundary("PutRolePolicy DeleteRolePolicy"),
    ),
    "AWS::Lambda::Function": (
        Grant(
            _actions(
                "lambda",
                "CreateFunction GetFunction UpdateFunctionCode UpdateFunctionConfiguration "
                "DeleteFunction PutFunctionConcurrency DeleteFunctionConcurrency "
                "GetFunctionCodeSigningConfig GetFunctionRecursionConfig "
                "GetFunctionScalingConfig GetRuntimeManagementConfig ListTags TagResource "
                "UntagResource",
            ),
            _LAMBDA_FUNCTIONS,
        ),
        # Read handler: reading a function whose environment a customer managed key encrypts
        # (products set no KmsKeyArn, so this never applies today).
        Grant(
            ("kms:Decrypt",),
            _KMS_KEYS,
            condition=_via_for("lambda", "aws:lambda:FunctionArn", _LAMBDA_FUNCTIONS[0]),
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
class Omission:
    """Why the launch role lacks an action a type's handler schema declares, and what keeps it so.

    The schema test checks every claim: no product resource of the type sets an
    ``unused_properties`` name, and every one sets each ``kept_properties`` name;
    ``only_in`` is the only handler declaring the action (``delete`` also means every product
    resource of the type is retained); ``not_an_iam_action`` names are absent from the service
    authorization reference and ``authorized_by`` actions are granted.
    """

    reason: str
    unused_properties: tuple[str, ...] = ()
    kept_properties: tuple[str, ...] = ()
    only_in: str = ""
    not_an_iam_action: bool = False
    authorized_by: tuple[str, ...] = ()


def _unused(feature: str, *properties: str) -> Omission:
    return Omission(f"{feature}: no product sets {' or '.join(properties)}", properties)


def _authorized_by(*actions: str) -> Omission:
    return Omission(
        f"not an IAM action: IAM authorizes the call as {' and '.join(actions)}",
        not_an_iam_action=True,
        authorized_by=actions,
    )


#: List handlers serve resource discovery (Cloud Control ListResources), not stack operations:
#: https://docs.aws.amazon.com/cloudcontrolapi/latest/userguide/resource-operations-list.html
_LIST_ONLY = Omission(
    "list handler only: it serves resource discovery, never a stack operation", only_in="list"
)
#: Retain keeps a resource on stack deletion, on removal from the template and even when its own
#: creation is rolled back (RetainExceptOnCreate exists to change that last case);
#: UpdateReplacePolicy Retain keeps a replaced one:
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
_RETAINED = Omission(
    "delete handler only, and every product resource of the type has DeletionPolicy and "
    "UpdateReplacePolicy Retain, so CloudFormation never deletes one",
    only_in="delete",
)
_NOT_IN_REFERENCE = Omission(
    "not an IAM action (absent from the service authorization reference): nothing to grant",
    not_an_iam_action=True,
)
_S3_METADATA = _unused("S3 Metadata tables", "MetadataConfiguration", "MetadataTableConfiguration")
_S3_REPLICATION = _unused("replication", "ReplicationConfiguration")
_S3_OBJECT_LOCK = _unused("Object Lock", "ObjectLockConfiguration", "ObjectLockEnabled")
_S3_OBJECTS = Omission("object-level: the launch role must never change objects in product buckets")
_DYNAMODB_IMPORT = _unused(
    "import from S3 (reads S3, logs to CloudWatch)", "ImportSourceSpecification"
)
_DYNAMODB_KINESIS = _unused("Kinesis streaming", "KinesisStreamSpecification")
_DYNAMODB_ITEMS = Omission("item data: the launch role manages tables, never their items")
_DYNAMODB_REPLICAS = Omission(
    "global table replicas: products declare single-Region tables, no AWS::DynamoDB::GlobalTable"
)
_LAMBDA_VPC = _unused("VPC networking", "VpcConfig")
_LAMBDA_FILE_SYSTEMS = _unused("file systems", "FileSystemConfigs")
_LAMBDA_KEY = _unused("customer managed key", "KmsKeyArn", "SourceKMSKeyArn")
_LAMBDA_CODE_SIGNING = _unused("code signing", "CodeSigningConfigArn")
_LAMBDA_S3_CODE = _unused("code from S3 (products inline ZipFile code)", "S3Bucket", "S3Key")
_LOGS_DELIVERY = Omission(
    "log delivery from the group (Firehose, S3): products configure none on their log groups"
)

#: Resource type -> action its handler schema declares -> why the launch role does not have it.
#: Read-handler actions are never here: a read handler runs after every create and update.
SCHEMA_ACTIONS_NOT_GRANTED: dict[str, dict[str, Omission]] = {
    "AWS::CloudFront::CachePolicy": {"cloudfront:ListCachePolicies": _LIST_ONLY},
    "AWS::CloudFront::Distribution": {
        "cloudfront:CreateConnectionGroup": _unused("multi-tenant distributions", "ConnectionMode"),
        "cloudfront:GetConnectionGroup": _unused("multi-tenant distributions", "ConnectionMode"),
        "cloudfront:CreateDistributionWithTags": _authorized_by(
            "cloudfront:CreateDistribution", "cloudfront:TagResource"
        ),
        "cloudfront:GetVpcOrigin": _unused("VPC origins", "VpcOriginConfig"),
        "cloudfront:UpdateDistributionWithStagingConfig": _unused(
            "continuous deployment", "ContinuousDeploymentPolicyId", "Staging"
        ),
        "cloudfront:ListDistributions": _LIST_ONLY,
    },
    "AWS::CloudFront::Function": {"cloudfront:ListFunctions": _LIST_ONLY},
    "AWS::CloudFront::KeyGroup": {"cloudfront:ListKeyGroups": _LIST_ONLY},
    "AWS::CloudFront::OriginAccessControl": {"cloudfront:ListOriginAccessControls": _LIST_ONLY},
    "AWS::CloudFront::OriginRequestPolicy": {"cloudfront:ListOriginRequestPolicies": _LIST_ONLY},
    "AWS::CloudFront::ResponseHeadersPolicy": {
        "cloudfront:ListResponseHeadersPolicies": _LIST_ONLY
    },
    "AWS::DynamoDB::Table": {
        "dynamodb:AssociateTableReplica": _DYNAMODB_REPLICAS,
        "dynamodb:CreateTableReplica": _DYNAMODB_REPLICAS,
        "iam:CreateServiceLinkedRole": Omission(
            "DynamoDB's service-linked roles serve replicas and Kinesis streaming, both unused; "
            "the launch role creates no roles outside the product path",
            ("KinesisStreamSpecification",),
        ),
        **dict.fromkeys(
            _actions("dynamodb", "BatchWriteItem DeleteItem GetItem PutItem Query Scan UpdateItem"),
            _DYNAMODB_ITEMS,
        ),
        **dict.fromkeys(
            (
                *_actions("dynamodb", "DescribeImport ImportTable"),
                *_actions("s3", "GetObject GetObjectMetadata ListBucket"),
                *_actions(
                    "logs",
                    "CreateLogGroup CreateLogStream DescribeLogGroups DescribeLogStreams "
                    "PutLogEvents PutRetentionPolicy",
                ),
            ),
            _DYNAMODB_IMPORT,
        ),
        **dict.fromkeys(
            (
                *_actions(
                    "dynamodb",
                    "EnableKinesisStreamingDestination DisableKinesisStreamingDestination "
                    "UpdateKinesisStreamingDestination",
                ),
                *_actions("kinesis", "DescribeStream PutRecords"),
            ),
            _DYNAMODB_KINESIS,
        ),
        "dynamodb:PutResourcePolicy": _unused("resource policy", "ResourcePolicy"),
        "dynamodb:DeleteResourcePolicy": _unused("resource policy", "ResourcePolicy"),
        "dynamodb:UpdateContributorInsights": _unused(
            "contributor insights", "ContributorInsightsSpecification"
        ),
        "dynamodb:DeleteTable": _RETAINED,
        "dynamodb:ListTables": _LIST_ONLY,
    },
    "AWS::IAM::InstanceProfile": {"iam:ListInstanceProfiles": _LIST_ONLY},
    "AWS::IAM::Role": {
        # The handler removes a boundary only when a template drops PermissionsBoundary; no
        # product does, and the launch role must never lift one.
        "iam:DeleteRolePermissionsBoundary": Omission(
            "would lift the permissions boundary: every product role keeps PermissionsBoundary",
            kept_properties=("PermissionsBoundary",),
        ),
        # Attaching a managed policy (say AdministratorAccess) would widen a product role beyond
        # what its template says.
        "iam:AttachRolePolicy": _unused("managed policies", "ManagedPolicyArns"),
        "iam:DetachRolePolicy": _unused("managed policies", "ManagedPolicyArns"),
        "iam:ListRoles": _LIST_ONLY,
    },
    "AWS::KMS::Key": {
        # A disabled signing key would stop every signature; the handlers call these only when
        # Enabled changes.
        "kms:DisableKey": _unused("disabling keys", "Enabled"),
        "kms:EnableKey": _unused("disabling keys", "Enabled"),
        "kms:ScheduleKeyDeletion": _RETAINED,
        "kms:ListKeys": _LIST_ONLY,
    },
    "AWS::Lambda::EventInvokeConfig": {"lambda:ListFunctionEventInvokeConfigs": _LIST_ONLY},
    "AWS::Lambda::Function": {
        **dict.fromkeys(
            _actions(
                "ec2",
                "DescribeSecurityGroups DescribeSubnets DescribeVpcs DescribeNetworkInterfaces",
            ),
            _LAMBDA_VPC,
        ),
        "elasticfilesystem:DescribeMountTargets": _LAMBDA_FILE_SYSTEMS,
        "s3files:ListMountTargets": _LAMBDA_FILE_SYSTEMS,
        **dict.fromkeys(
            _actions("kms", "CreateGrant DescribeKey Encrypt GenerateDataKey"), _LAMBDA_KEY
        ),
        "lambda:AssociateRuntimeAlias": _NOT_IN_REFERENCE,
        **dict.fromkeys(
            _actions(
                "lambda",
                "GetCodeSigningConfig PutFunctionCodeSigningConfig DeleteFunctionCodeSigningConfig",
            ),
            _LAMBDA_CODE_SIGNING,
        ),
        "lambda:GetLayerVersion": _unused("layers", "Layers"),
        "lambda:PassCapacityProvider": _unused("capacity providers", "CapacityProviderConfig"),
        "lambda:PublishVersion": _unused("publishing versions", "PublishToLatestPublished"),
        "lambda:PutFunctionRecursionConfig": _unused("recursive loop setting", "RecursiveLoop"),
        "lambda:PutFunctionScalingConfig": _unused("scaling config", "FunctionScalingConfig"),
        "lambda:PutRuntimeManagementConfig": _unused(
            "runtime management", "RuntimeManagementConfig"
        ),
        "s3:GetObject": _LAMBDA_S3_CODE,
        "s3:GetObjectVersion": _LAMBDA_S3_CODE,
        "lambda:ListFunctions": _LIST_ONLY,
    },
    "AWS::Logs::LogGroup": {
        "firehose:TagDeliveryStream": _LOGS_DELIVERY,
        "logs:CreateLogDelivery": _LOGS_DELIVERY,
        "s3:REST.PUT.OBJECT": _NOT_IN_REFERENCE,
        "logs:PutBearerTokenAuthentication": _unused(
            "bearer token authentication", "BearerTokenAuthenticationEnabled"
        ),
        "logs:PutDataProtectionPolicy": _unused("data protection", "DataProtectionPolicy"),
        "logs:DeleteDataProtectionPolicy": _unused("data protection", "DataProtectionPolicy"),
        "logs:PutIndexPolicy": _unused("field indexes", "FieldIndexPolicies"),
        "logs:DeleteIndexPolicy": _unused("field indexes", "FieldIndexPolicies"),
        "logs:PutResourcePolicy": _unused("resource policy", "ResourcePolicyDocument"),
        "logs:DeleteResourcePolicy": _unused("resource policy", "ResourcePolicyDocument"),
        "logs:PutLogGroupDeletionProtection": _unused(
            "deletion protection", "DeletionProtectionEnabled"
        ),
    },
    "AWS::S3::Bucket": {
        "iam:PassRole": _S3_REPLICATION,
        **dict.fromkeys(
            (
                *_actions(
                    "s3",
                    "CreateBucketMetadataTableConfiguration "
                    "DeleteBucketMetadataTableConfiguration "
                    "UpdateBucketMetadataAnnotationTableConfiguration "
                    "UpdateBucketMetadataInventoryTableConfiguration "
                    "UpdateBucketMetadataJournalTableConfiguration",
                ),
                *_actions(
                    "s3tables",
                    "CreateNamespace CreateTable CreateTableBucket GetTable "
                    "GetTableMetadataLocation PutTableBucketPolicy PutTableEncryption "
                    "PutTablePolicy UpdateTableMetadataLocation",
                ),
            ),
            _S3_METADATA,
        ),
        "s3:DeleteObject": _S3_OBJECTS,
        "s3:PutObjectAcl": _S3_OBJECTS,
        # ACLs stay disabled on product buckets (ObjectOwnership BucketOwnerEnforced).
        "s3:PutBucketAcl": _unused("canned bucket ACLs", "AccessControl"),
        "s3:PutAccelerateConfiguration": _unused(
            "transfer acceleration", "AccelerateConfiguration"
        ),
        "s3:PutAnalyticsConfiguration": _unused("analytics", "AnalyticsConfigurations"),
        "s3:DeleteBucketAnalyticsConfiguration": _unused("analytics", "AnalyticsConfigurations"),
        "s3:PutBucketAbac": _unused("attribute-based access control", "AbacStatus"),
        "s3:PutBucketObjectLockConfiguration": _S3_OBJECT_LOCK,
        "s3:PutObjectLockConfiguration": _S3_OBJECT_LOCK,
        "s3:PutBucketReplication": _S3_REPLICATION,
        "s3:PutReplicationConfiguration": _S3_REPLICATION,
        "s3:DeleteBucketReplication": _S3_REPLICATION,
        "s3:PutBucketWebsite": _unused("website hosting", "WebsiteConfiguration"),
        "s3:DeleteBucketWebsite": _unused("website hosting", "WebsiteConfiguration"),
        "s3:PutIntelligentTieringConfiguration": _unused(
            "Intelligent-Tiering archive tiers", "IntelligentTieringConfigurations"
        ),
        "s3:PutInventoryConfiguration": _unused("inventory", "InventoryConfigurations"),
        "s3:PutMetricsConfiguration": _unused("request metrics", "MetricsConfigurations"),
        "s3:DeleteBucketMetricsConfiguration": _unused("request metrics", "MetricsConfigurations"),
        "s3:DeleteBucketCors": _authorized_by("s3:PutBucketCORS"),
        "s3:DeleteBucketEncryption": _authorized_by("s3:PutEncryptionConfiguration"),
        "s3:DeleteBucketLifecycle": _authorized_by("s3:PutLifecycleConfiguration"),
        "s3:DeleteBucketTagging": _authorized_by("s3:PutBucketTagging"),
        "s3:DeleteBucket": _RETAINED,
        "s3:ListAllMyBuckets": _LIST_ONLY,
    },
    "AWS::S3::BucketPolicy": {"s3:ListAllMyBuckets": _LIST_ONLY},
    "AWS::SecretsManager::Secret": {
        "secretsmanager:GetRandomPassword": _unused("generated values", "GenerateSecretString"),
        "secretsmanager:ReplicateSecretToRegions": _unused("replica Regions", "ReplicaRegions"),
        "secretsmanager:RemoveRegionsFromReplication": _unused("replica Regions", "ReplicaRegions"),
        "secretsmanager:DeleteSecret": _RETAINED,
        "secretsmanager:ListSecrets": _LIST_ONLY,
    },
}


def action_pattern_matches(pattern: str, action: str) -> bool:
    """IAM matching of a granted action (``*`` and ``?`` wildcards, any case) to an action."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, action, flags=re.IGNORECASE) is not None


def grants_cover(grants: Iterable[Grant], action: str) -> bool:
    """Whether any of ``grants`` allows ``action`` (on some resource, under some condition)."""
    return any(
        action_pattern_matches(pattern, action) for grant in grants for pattern in grant.actions
    )


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
    """Product slug -> generated template data, for every product in the catalog (a copy the
    caller may change)."""
    return copy.deepcopy(_product_templates())


@functools.cache
def _product_templates() -> dict[str, dict[str, Any]]:
    """Generated once per process: the generators are pure, and building every product (the
    size checks render each to YAML) costs far more than copying the result."""
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
                    raise TemplateDefinitionError(
                        f"bootstrap: record set {name} needs a literal Type "
                        "(the launch role is scoped to the record types products declare)"
                    )
                record_types.add(record_type)
    return ProductResources(frozenset(types), frozenset(record_types))


def grants_for(resources: ProductResources) -> list[tuple[str, Grant]]:
    """(Sid, grant) pairs for these product resources; unknown types are refused."""
    unknown = sorted(resources.resource_types - RESOURCE_TYPE_GRANTS.keys())
    if unknown:
        raise TemplateDefinitionError(
            f"bootstrap: no launch role permissions for resource type {', '.join(unknown)}: "
            "add it to RESOURCE_TYPE_GRANTS in portfolio/bootstrap/launch_role.py"
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


#: The hub's launch role reads the artifact bucket's templates; no receiving account has one.
ARTIFACT_BUCKET_GRANT = (
    "ReadArtifactBucketTemplates",
    Grant(("s3:GetObject",), ("${ArtifactBucket.Arn}/*",)),
)


def service_catalog_grants(*, artifact_bucket: bool = True) -> list[tuple[str, Grant]]:
    """What Service Catalog itself needs from the launch role, whatever the products are.

    ``artifact_bucket``: also read templates from the hub's artifact bucket (the hub's own role;
    a receiving account launches from Service Catalog's copy only).
    """
    grants = [
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
        ARTIFACT_BUCKET_GRANT,
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
    return (
        grants if artifact_bucket else [grant for grant in grants if grant != ARTIFACT_BUCKET_GRANT]
    )


def grant_statement(grant: Grant, sid: str) -> Statement:
    """The IAM statement of one grant (resources as ``Fn::Sub``, '*' as is)."""
    condition = grant.condition
    return Statement(
        Sid=sid,
        Effect=Allow,
        Action=[iam_action(action) for action in grant.actions],
        Resource=[resource if resource == _ANY else Sub(resource) for resource in grant.resources],
        **(
            {"Condition": Condition(list(condition) if isinstance(condition, tuple) else condition)}
            if condition
            else {}
        ),
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
            raise TemplateDefinitionError(
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
        (unscoped if _ANY in grant.resources else scoped).append(grant_statement(grant, sid))
    return scoped, unscoped


UNSCOPED_POLICY_SKIPS = {
    "CKV_AWS_111": "Only actions that accept no resource ARN (CloudFront Create*, key groups and "
    "public keys, kms:CreateKey) are on '*'; every other write is scoped to ARNs",
}


def iam_action(name: str) -> Action:
    """``"service:Name"`` as an awacs Action."""
    prefix, action = name.split(":", 1)
    return Action(prefix, action)
