"""What the pipeline's roles may do (``portfolio.bootstrap.ci_roles`` builds the roles).

- ``PLAN_GRANTS`` / ``PUBLISH_GRANTS``: exactly the calls ``portfolio plan`` (reads only) and
  ``portfolio publish`` make: Service Catalog, the artifact buckets' templates, the bootstrap
  stack's outputs. ``OPERATION_ACTIONS`` says which IAM actions each boto3 operation needs; the
  tests find every operation the publisher (``portfolio/publish``) can call, require it here,
  and require every granted action to be used.
- ``TASKCAT_RUNNER_GRANTS``: what ``taskcat test run`` calls with the credentials it is given
  (taskcat 0.9 source: its staging bucket, stacks named ``tCaT-*``, the SSM parameters
  ``.taskcat.yml`` reads, passing the stack role to CloudFormation).
- ``taskcat_stack_statements()``: what CloudFormation may do while it creates and deletes the
  products in taskcat's stacks: the launch role's grants (``launch_role.grants_for``), moved
  from Service Catalog's stack names to taskcat's and from one Region to any.

Resource strings are ``Fn::Sub`` text; ``${BootstrapStackName}`` is the CI roles template's
parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from awacs.aws import StringEquals
from troposphere import encode_to_dict

from portfolio.bootstrap.launch_role import (
    Grant,
    grants_for,
    launch_role_statements,
    product_resources,
    product_templates,
)
from portfolio.names import LAUNCH_ROLE_NAME_PREFIX, LEASE_KEY
from portfolio.publish.planner import template_key

_PARTITION = "arn:${AWS::Partition}"
_ANY = "*"

#: CloudFormation names a bucket it creates ``<stack name>-<logical ID>-<random>``, lowercased
#: (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html):
#: the bootstrap stack's ``ArtifactBucket`` in every Region matches this. The template's
#: parameter only accepts lowercase stack names, so the prefix is exact.
ARTIFACT_BUCKET_LOGICAL_ID = "ArtifactBucket"
ARTIFACT_BUCKETS = (
    f"{_PARTITION}:s3:::${{BootstrapStackName}}-{ARTIFACT_BUCKET_LOGICAL_ID.lower()}-*"
)
#: The publisher stores templates under content-addressed keys (``planner.template_key``).
ARTIFACT_TEMPLATES = f"{ARTIFACT_BUCKETS}/{template_key(_ANY)}"
#: Each region's publish lease (``portfolio.publish.lease``): one writer at a time.
ARTIFACT_LEASES = f"{ARTIFACT_BUCKETS}/{LEASE_KEY.format(region=_ANY)}"
#: The bootstrap stack in any Region of the account (DescribeStacks names it, no other stack).
BOOTSTRAP_STACKS = (
    f"{_PARTITION}:cloudformation:*:${{AWS::AccountId}}:stack/${{BootstrapStackName}}/*"
)
#: Each Region's launch role (``bootstrap.template``: ``<prefix>-<region>``).
LAUNCH_ROLES = f"{_PARTITION}:iam::${{AWS::AccountId}}:role/{LAUNCH_ROLE_NAME_PREFIX}-*"

#: boto3 operation -> the IAM actions it needs, for the operations whose action is not simply
#: ``<service prefix>:<operation>``. HeadObject needs s3:ListBucket too, or a missing key
#: answers 403 instead of 404 and the publisher cannot tell "not uploaded yet" from "refused"
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
OPERATION_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {
        "HeadObject": ("s3:GetObject", "s3:ListBucket"),
        "GetObject": ("s3:GetObject", "s3:ListBucket"),
        "PutObject": ("s3:PutObject",),
        "DeleteObject": ("s3:DeleteObject",),
    },
}
_SERVICE_PREFIXES = {"servicecatalog": "servicecatalog", "cloudformation": "cloudformation"}


def iam_actions_for(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions a boto3 ``operation`` (API name, e.g. ``PutObject``) of ``service``
    needs; KeyError for an S3 operation nobody mapped yet."""
    if service in OPERATION_ACTIONS:
        return OPERATION_ACTIONS[service][operation]
    return (f"{_SERVICE_PREFIXES[service]}:{operation}",)


def _actions(service: str, names: str) -> tuple[str, ...]:
    return tuple(f"{service}:{name}" for name in names.split())


#: Service Catalog has no resource ARN for List*/Search*/GetAWSOrganizationsAccessStatus, and
#: the portfolio's and products' IDs exist only once the publisher created them.
_CATALOG_WHY = (
    "the publisher finds the portfolio and its products by listing (IDs are generated at "
    "creation); List*, Search* and GetAWSOrganizationsAccessStatus accept no resource ARN"
)

CATALOG_READS = _actions(
    "servicecatalog",
    "ListPortfolios DescribePortfolio SearchProductsAsAdmin ListPortfoliosForProduct "
    "ListProvisioningArtifacts DescribeProvisioningArtifact ListConstraintsForPortfolio "
    "ListPrincipalsForPortfolio DescribePortfolioShares DescribePortfolioShareStatus "
    "ListTagOptions GetAWSOrganizationsAccessStatus DescribeProductAsAdmin DescribeConstraint "
    "ListPortfolioAccess",
)
CATALOG_WRITES = _actions(
    "servicecatalog",
    "CreatePortfolio UpdatePortfolio CreateProduct UpdateProduct AssociateProductWithPortfolio "
    "CreateProvisioningArtifact UpdateProvisioningArtifact CreateConstraint UpdateConstraint "
    "DeleteConstraint CreateTagOption UpdateTagOption AssociateTagOptionWithResource "
    "DisassociateTagOptionFromResource AssociatePrincipalWithPortfolio "
    "DisassociatePrincipalFromPortfolio CreatePortfolioShare UpdatePortfolioShare "
    "DeletePortfolioShare",
)

#: ``portfolio plan``: reads only.
PLAN_GRANTS: tuple[tuple[str, Grant], ...] = (
    ("ReadCatalog", Grant(CATALOG_READS, (_ANY,), why=_CATALOG_WHY)),
    ("FindArtifactBucket", Grant(("cloudformation:DescribeStacks",), (BOOTSTRAP_STACKS,))),
    ("ListArtifactBuckets", Grant(("s3:ListBucket",), (ARTIFACT_BUCKETS,))),
    ("ReadStoredTemplates", Grant(("s3:GetObject",), (ARTIFACT_TEMPLATES,))),
)

#: ``portfolio publish``: the plan's reads, the catalog's writes, template uploads, and naming
#: the launch role in LAUNCH constraints. Service Catalog's launch constraint guide lists
#: iam:PassRole and iam:Get* among what assigning a role takes
#: (https://docs.aws.amazon.com/servicecatalog/latest/adminguide/constraints-launch.html): only
#: the launch roles, only to Service Catalog. Service Catalog reads ``LoadTemplateFromURL``
#: with the caller's credentials (ReadStoredTemplates).
PUBLISH_GRANTS: tuple[tuple[str, Grant], ...] = (
    *PLAN_GRANTS,
    ("ChangeCatalog", Grant(CATALOG_WRITES, (_ANY,), why=_CATALOG_WHY)),
    ("UploadTemplates", Grant(("s3:PutObject",), (ARTIFACT_TEMPLATES,))),
    (
        "HoldTheLease",
        Grant(("s3:GetObject", "s3:PutObject", "s3:DeleteObject"), (ARTIFACT_LEASES,)),
    ),
    (
        "NameLaunchRoles",
        Grant(
            ("iam:GetRole", "iam:PassRole"),
            (LAUNCH_ROLES,),
            condition=StringEquals({"iam:PassedToService": "servicecatalog.amazonaws.com"}),
        ),
    ),
)

# --- taskcat ------------------------------------------------------------------------------------

#: taskcat names its stacks ``tCaT-<project>-<test>-<id>`` and its buckets ``tcat-...``
#: (taskcat 0.9: ``TestObj.stack_name``, ``generate_bucket_name``).
TASKCAT_STACK_PREFIX = "tCaT-"
TASKCAT_BUCKET_PREFIX = "tcat-"
#: The SSM parameters ``.taskcat.yml`` reads with ``$[taskcat_ssm_...]``.
TASKCAT_SSM_PREFIX = "/signed-urls/taskcat/"
#: The role CloudFormation creates taskcat's stacks with (``.taskcat.yml`` ``role_name``;
#: taskcat builds ``arn:...:role/<role_name>``, so the role has no path).
TASKCAT_STACK_ROLE_NAME = "signed-urls-portfolio-taskcat-stacks"

_TASKCAT_STACKS = (
    f"{_PARTITION}:cloudformation:*:${{AWS::AccountId}}:stack/{TASKCAT_STACK_PREFIX}*/*"
)
_TASKCAT_BUCKETS = f"{_PARTITION}:s3:::{TASKCAT_BUCKET_PREFIX}*"
_TASKCAT_OBJECTS = f"{_TASKCAT_BUCKETS}/*"

#: ``taskcat test run`` with a stack role: it stages the project in its bucket, creates and
#: deletes its stacks (CloudFormation acts with the stack role), follows their events and
#: resources, and reads the SSM parameters the tests name.
TASKCAT_RUNNER_GRANTS: tuple[tuple[str, Grant], ...] = (
    (
        "TaskcatStacks",
        Grant(
            _actions(
                "cloudformation",
                "CreateStack DeleteStack DescribeStacks DescribeStackEvents "
                "DescribeStackResources ListStackResources GetTemplate",
            ),
            (_TASKCAT_STACKS,),
        ),
    ),
    (
        "ListStacks",
        Grant(
            ("cloudformation:DescribeStacks",),
            (_ANY,),
            why="taskcat lists every stack (DescribeStacks without a name) to find nested ones",
        ),
    ),
    (
        "PassStackRole",
        Grant(
            ("iam:PassRole",),
            (f"{_PARTITION}:iam::${{AWS::AccountId}}:role/{TASKCAT_STACK_ROLE_NAME}",),
            condition=StringEquals({"iam:PassedToService": "cloudformation.amazonaws.com"}),
        ),
    ),
    (
        "StagingBucket",
        Grant(
            _actions(
                "s3",
                "CreateBucket DeleteBucket GetBucketLocation GetBucketTagging PutBucketTagging "
                "PutBucketPolicy ListBucket",
            ),
            (_TASKCAT_BUCKETS,),
        ),
    ),
    (
        "StagedFiles",
        Grant(_actions("s3", "PutObject PutObjectAcl GetObject DeleteObject"), (_TASKCAT_OBJECTS,)),
    ),
    (
        "TestParameters",
        Grant(
            ("ssm:GetParameter",),
            (f"{_PARTITION}:ssm:*:${{AWS::AccountId}}:parameter{TASKCAT_SSM_PREFIX}*",),
        ),
    ),
)

#: The launch role is scoped to Service Catalog's stack names; taskcat's stacks get the same
#: grants under taskcat's names. Every occurrence is rewritten (the tests fail on any left).
_STACK_NAME_REWRITES = (
    ("sc-${AWS::AccountId}-pp-", TASKCAT_BUCKET_PREFIX),  # buckets named after their stack
    ("SC-", TASKCAT_STACK_PREFIX),  # stacks, and functions and log groups named after them
)
#: The launch role exists once per Region and names it in ARNs and kms:ViaService values;
#: the taskcat stack role serves every Region ``.taskcat.yml`` lists.
_REGION = "${AWS::Region}"
_LIKE = {
    "StringEquals": "StringLike",
    "StringEqualsIfExists": "StringLikeIfExists",
    "ForAnyValue:StringEquals": "ForAnyValue:StringLike",
    "ForAllValues:StringEquals": "ForAllValues:StringLike",
    "ArnEquals": "ArnLike",
    "StringLike": "StringLike",
    "StringLikeIfExists": "StringLikeIfExists",
    "ForAnyValue:StringLike": "ForAnyValue:StringLike",
    "ForAllValues:StringLike": "ForAllValues:StringLike",
    "ArnLike": "ArnLike",
}


def _rewrite_text(text: str) -> str:
    for old, new in _STACK_NAME_REWRITES:
        text = text.replace(old, new)
    return text.replace(_REGION, _ANY)


def _rewrite(node: Any) -> Any:
    """Every string in ``node`` (JSON-like data) rewritten for taskcat's stacks."""
    if isinstance(node, str):
        return _rewrite_text(node)
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            text = _rewrite_text(node["Fn::Sub"])
            return {"Fn::Sub": text} if "${" in text else text
        return {key: _rewrite(value) for key, value in node.items()}
    return node


def _mentions_region(node: Any) -> bool:
    return _REGION in json.dumps(node)


def _rewrite_condition(condition: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Keys whose values named the Region move to the wildcard-matching operator."""
    result: dict[str, dict[str, Any]] = {}
    for operator, keys in condition.items():
        for key, value in keys.items():
            target = operator
            if _mentions_region(value):
                if operator not in _LIKE:
                    raise ValueError(f"condition {operator} {key}: cannot widen to any Region")
                target = _LIKE[operator]
            if key in result.setdefault(target, {}):
                raise ValueError(f"condition {target} {key}: two values after widening")
            result[target][key] = _rewrite(value)
    return result


def taskcat_statement(statement: dict[str, Any]) -> dict[str, Any]:
    """A launch role statement (JSON data) for taskcat's stacks in any Region."""
    rewritten = {key: _rewrite(value) for key, value in statement.items() if key != "Condition"}
    if "Condition" in statement:
        rewritten["Condition"] = _rewrite_condition(statement["Condition"])
    return rewritten


def statements_json(named_grants: Iterable[tuple[str, Grant]]) -> list[dict[str, Any]]:
    """IAM statements (JSON data) for ``(Sid, grant)`` pairs, scoped ones first."""
    scoped, unscoped = launch_role_statements(list(named_grants))
    return [encode_to_dict(statement) for statement in [*scoped, *unscoped]]


def taskcat_stack_statements() -> list[dict[str, Any]]:
    """What CloudFormation may do in taskcat's stacks: create, update, delete, describe and tag
    the products' resources (the launch role's grants), and read the staged templates."""
    grants = grants_for(product_resources(product_templates().values()))
    staged = ("ReadStagedTemplates", Grant(("s3:GetObject",), (_TASKCAT_OBJECTS,)))
    return [taskcat_statement(statement) for statement in statements_json([*grants, staged])]


def leftover_service_catalog_names(statements: Iterable[dict[str, Any]]) -> list[str]:
    """Strings that still name Service Catalog's stacks or one Region (for the tests)."""
    text = json.dumps(list(statements))
    pattern = r"[^\"]*(?:SC-|sc-\$\{AWS::AccountId\}-pp-|\$\{AWS::Region\})[^\"]*"
    return sorted(set(re.findall(pattern, text)))
