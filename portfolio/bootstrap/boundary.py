"""The permissions boundary every product role carries: the most any of them can ever do.

A boundary caps a role: an action is allowed only when both the role's own policies and the
boundary allow it (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
The launch role may create and change roles only with this boundary attached (``launch_role``),
and every product sets it from its fixed name (``capability_names.boundary_policy_arn``), so
whatever ARN a launcher passes, a product role reaches only this capability's resources in this
account: its secrets, buckets, tables and log groups by name prefix, KMS keys only as the
services use them for those resources (the encryption context names the resource), and the
CloudFront public keys and stack status the key pair function needs.

``BOUNDARY_SCOPES`` says where each action may ever apply. The boundary holds, per scope,
exactly the actions the products' roles use there (read from the generated templates): an
action a role uses that no scope covers fails the build, so the boundary never silently caps a
product, and nothing a role does not use is in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from awacs.aws import ConditionElement, PolicyDocument, StringEquals, StringLike
from troposphere import AccountId, Sub
from troposphere.iam import ManagedPolicy

from portfolio.bootstrap.launch_role import Grant, grant_statement
from products.building_blocks import capability_names as names
from products.building_blocks.checkov import skip_checkov
from products.building_blocks.errors import TemplateDefinitionError

_PARTITION = "arn:${AWS::Partition}"
_ACCOUNT = "${AWS::AccountId}"
_ANY = "*"

#: Resources of this capability in this account, any Region (a role is global, and a product
#: may use a secret, table or key of another Region: kms:ViaService names that Region).
CAPABILITY_SECRETS = f"{_PARTITION}:secretsmanager:*:{_ACCOUNT}:secret:{names.SECRET_NAME_PREFIX}*"
#: Bucket names carry the account ID; ``aws:ResourceAccount`` also refuses a bucket of that
#: name owned by another account (bucket names are global).
CAPABILITY_BUCKETS = f"{_PARTITION}:s3:::{names.BUCKET_NAME_PREFIX}{_ACCOUNT}-*"
CAPABILITY_TABLES = f"{_PARTITION}:dynamodb:*:{_ACCOUNT}:table/{names.TABLE_NAME_PREFIX}*"
CAPABILITY_LOG_GROUPS = f"{_PARTITION}:logs:*:{_ACCOUNT}:log-group:{names.LOG_GROUP_NAME_PREFIX}*"
THIS_ACCOUNTS_KEYS = f"{_PARTITION}:kms:*:{_ACCOUNT}:key/*"
THIS_ACCOUNTS_STACKS = f"{_PARTITION}:cloudformation:*:{_ACCOUNT}:stack/*"

#: The key pair function generates these specs only (the secret product's key policy agrees).
KEY_PAIR_SPECS = ("RSA_2048", "ECC_NIST_P256")


def _actions(service: str, names_: str) -> tuple[str, ...]:
    return tuple(f"{service}:{name}" for name in names_.split())


def _through(service: str, context: dict[str, Any]) -> ConditionElement:
    """The key is used by ``service`` (any Region) for a resource the encryption context names.

    A KMS key's policy is the team's; the capability cannot tag or alias keys it did not
    create, and an alias takes up to five minutes to authorize a new key
    (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html). The
    encryption context the service sends names the capability's resource instead: Secrets
    Manager ``SecretARN``
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html),
    S3 ``aws:s3:arn``, the bucket's ARN with a bucket key
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html),
    DynamoDB ``aws:dynamodb:tableName``
    (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
    """
    return StringLike({"kms:ViaService": f"{service}.*.amazonaws.com", **context})


@dataclass(frozen=True)
class Scope:
    """Where a family of actions may apply; ``via``: the service that must use the KMS key."""

    grant: Grant
    via: str | None = None


#: Statement Sid -> the actions it may ever hold, where, and under which conditions.
BOUNDARY_SCOPES: dict[str, Scope] = {
    "CapabilitySecrets": Scope(
        Grant(
            _actions("secretsmanager", "GetSecretValue DescribeSecret PutSecretValue"),
            (CAPABILITY_SECRETS,),
        )
    ),
    "CapabilitySecretKeysThroughSecretsManager": Scope(
        Grant(
            _actions("kms", "Decrypt GenerateDataKey"),
            (THIS_ACCOUNTS_KEYS,),
            condition=_through(
                "secretsmanager", {"kms:EncryptionContext:SecretARN": Sub(CAPABILITY_SECRETS)}
            ),
        ),
        via="secretsmanager",
    ),
    # The key pair function names the secret as the pair's encryption context; the pair is
    # fresh key material and its encrypted copy is not kept.
    "SigningKeyPairsForCapabilitySecrets": Scope(
        Grant(
            ("kms:GenerateDataKeyPair",),
            (THIS_ACCOUNTS_KEYS,),
            condition=(
                StringEquals({"kms:DataKeyPairSpec": list(KEY_PAIR_SPECS)}),
                StringLike({"kms:EncryptionContext:SecretARN": Sub(CAPABILITY_SECRETS)}),
            ),
        )
    ),
    "CapabilityBucketObjects": Scope(
        Grant(
            _actions("s3", "GetObject GetObjectVersion PutObject DeleteObject"),
            (f"{CAPABILITY_BUCKETS}/*",),
            condition=StringEquals({"aws:ResourceAccount": AccountId}),
        )
    ),
    "CapabilityBucketKeysThroughS3": Scope(
        Grant(
            _actions("kms", "Decrypt GenerateDataKey"),
            (THIS_ACCOUNTS_KEYS,),
            condition=_through("s3", {"kms:EncryptionContext:aws:s3:arn": Sub(CAPABILITY_BUCKETS)}),
        ),
        via="s3",
    ),
    "CapabilityTableItems": Scope(
        Grant(
            _actions(
                "dynamodb",
                "GetItem PutItem UpdateItem DeleteItem Query BatchGetItem BatchWriteItem "
                "ConditionCheckItem",
            ),
            (CAPABILITY_TABLES,),  # ends in '*': also the tables' indexes
        )
    ),
    "CapabilityTableKeysThroughDynamoDB": Scope(
        Grant(
            _actions("kms", "Decrypt Encrypt GenerateDataKey GenerateDataKeyWithoutPlaintext"),
            (THIS_ACCOUNTS_KEYS,),
            condition=(
                _through(
                    "dynamodb",
                    {"kms:EncryptionContext:aws:dynamodb:tableName": f"{names.TABLE_NAME_PREFIX}*"},
                ),
                StringEquals({"kms:EncryptionContext:aws:dynamodb:subscriberId": AccountId}),
            ),
        ),
        via="dynamodb",
    ),
    "CloudFrontPublicKeys": Scope(
        Grant(
            _actions("cloudfront", "CreatePublicKey GetPublicKey DeletePublicKey ListPublicKeys"),
            (_ANY,),
            why="the service authorization reference lists no resource type for CloudFront "
            "public key actions",
        )
    ),
    "StackStatus": Scope(Grant(("cloudformation:DescribeStacks",), (THIS_ACCOUNTS_STACKS,))),
    "CapabilityLogs": Scope(
        Grant(_actions("logs", "CreateLogStream PutLogEvents"), (CAPABILITY_LOG_GROUPS,))
    ),
}

#: checkov's reason for the one statement on Resource '*'.
UNSCOPED_BOUNDARY_SKIPS = {
    "CKV_AWS_111": "Only CloudFront public key actions, which accept no resource ARN, are on "
    "'*'; a boundary grants nothing by itself, it caps the products' roles",
}


@dataclass(frozen=True)
class RoleStatement:
    """One Allow statement of a product role: its actions and the service using a KMS key."""

    actions: frozenset[str]
    via: str | None


def _statements_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every policy statement under ``node``, in every ``Fn::If`` branch."""
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            yield node
            return
        for value in node.values():
            yield from _statements_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements_in(value)


def _via_service(statement: dict[str, Any]) -> str | None:
    """The service named by the statement's ``kms:ViaService`` condition (a Sub text), if any."""
    for values in statement.get("Condition", {}).values():
        if isinstance(values, dict) and "kms:ViaService" in values:
            text = re.search(r"[a-z0-9-]+(?=\.)", str(values["kms:ViaService"]))
            return text.group(0) if text else None
    return None


def product_role_statements(templates: Iterable[dict[str, Any]]) -> list[RoleStatement]:
    """The Allow statements of every IAM role (and role policy) the product templates declare."""
    found = []
    for template in templates:
        for resource in template.get("Resources", {}).values():
            if resource["Type"] not in ("AWS::IAM::Role", "AWS::IAM::Policy"):
                continue
            properties = resource.get("Properties", {})
            documents = [policy.get("PolicyDocument") for policy in properties.get("Policies", [])]
            for statement in _statements_in([*documents, properties.get("PolicyDocument")]):
                if statement["Effect"] == "Allow":
                    actions = statement["Action"]
                    found.append(
                        RoleStatement(
                            frozenset([actions] if isinstance(actions, str) else actions),
                            _via_service(statement),
                        )
                    )
    return found


def boundary_grants(templates: Iterable[dict[str, Any]]) -> list[tuple[str, Grant]]:
    """(Sid, grant) per scope the product roles use, holding just the actions they use there."""
    statements = product_role_statements(templates)
    used: dict[str, set[str]] = {sid: set() for sid in BOUNDARY_SCOPES}
    for statement in statements:
        for action in statement.actions:
            scopes = [
                sid
                for sid, scope in BOUNDARY_SCOPES.items()
                if action in scope.grant.actions and scope.via == statement.via
            ]
            if not scopes:
                via = f" through {statement.via}" if statement.via else ""
                raise TemplateDefinitionError(
                    f"bootstrap: a product role uses {action}{via}, which the permissions "
                    "boundary does not cover: add it to BOUNDARY_SCOPES in "
                    "portfolio/bootstrap/boundary.py"
                )
            for sid in scopes:
                used[sid].add(action)
    return [
        (
            sid,
            Grant(
                tuple(sorted(used[sid])),
                scope.grant.resources,
                scope.grant.condition,
                scope.grant.why,
            ),
        )
        for sid, scope in BOUNDARY_SCOPES.items()
        if used[sid]
    ]


def add_boundary_policy(template: Any, *, templates: Iterable[dict[str, Any]]) -> ManagedPolicy:
    """The boundary managed policy, at its fixed path and name (products compute its ARN)."""
    statements = [grant_statement(grant, sid) for sid, grant in boundary_grants(templates)]
    policy = template.add_resource(
        ManagedPolicy(
            "PermissionsBoundary",
            ManagedPolicyName=Sub(names.BOUNDARY_POLICY_NAME),
            Path=names.ROLE_PATH,
            Description="Signed URLs: the most any product role may do (its permissions "
            "boundary): this capability's resources in this account only",
            PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=statements),
        )
    )
    if any(_ANY in statement.Resource for statement in statements):
        for check_id, reason in UNSCOPED_BOUNDARY_SKIPS.items():
            skip_checkov(policy, check_id, reason)
    return policy
