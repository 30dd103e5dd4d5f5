"""The publisher's bootstrap stack: the artifact bucket and the least-privilege launch role.

Service Catalog reads a product template from ``LoadTemplateFromURL`` with the credentials of
whoever calls CreateProduct/CreateProvisioningArtifact (the publisher) and copies it into a
service-owned bucket; at launch it assumes the launch role, which reads that copy (objects tagged
``servicecatalog:provisioning=true``) and runs CloudFormation on stacks named ``SC-*``. So the
artifact bucket needs no grant to a Service Catalog service principal: same-account publisher
principals read it through their IAM policies, and the bucket policy only denies requests
without TLS 1.2 or later.

The launch role may create exactly the resource types the generated product templates declare
(``portfolio.bootstrap.launch_role``), and roles only with the permissions boundary this stack
also creates (``portfolio.bootstrap.boundary``); ``portfolio.bootstrap.stack_deployment``
deploys the stack.
"""

from __future__ import annotations

from typing import Any

from awacs.aws import (
    Allow,
    Condition,
    Deny,
    NumericLessThan,
    Policy,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import AccountId, Equals, GetAtt, If, Not, NoValue, Ref, Sub
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
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from portfolio.bootstrap.boundary import add_boundary_policy
from portfolio.bootstrap.launch_role import (
    MANAGED_POLICY_MAX_CHARS,
    MAX_ATTACHED_POLICIES,
    PACKING_HEADROOM,
    UNSCOPED_POLICY_SKIPS,
    Grant,
    grants_for,
    iam_action,
    launch_role_statements,
    pack_statements,
    product_resources,
    product_templates,
    service_catalog_grants,
)
from portfolio.names import (
    ARTIFACT_BUCKET_OUTPUT,
    BOUNDARY_POLICY_OUTPUT,
    BUCKET_NAME,
    LAUNCH_ROLE_ARN_OUTPUT,
    LAUNCH_ROLE_NAME_OUTPUT,
    LAUNCH_ROLE_NAME_PREFIX,
)
from products.building_blocks.checkov import skip_checkov
from products.building_blocks.control_tower import declare_not_applicable
from products.building_blocks.errors import TemplateDefinitionError
from products.building_blocks.private_bucket import (
    accept_objects_arn_join,
    block_all_public_access,
    bucket_and_objects_arns,
    bucket_owner_enforced,
    deny_without_tls,
    events_to_eventbridge,
)
from products.building_blocks.product_template import ProductTemplate

TRUST_SOURCE_ACCOUNT_ONLY = "LaunchRoleTrustsSourceAccountOnly"
HAS_ACCESS_LOG = "ArtifactBucketHasAccessLog"
_ANY = "*"

#: Why a launch role policy may hold ``cloudformation:*`` (Control Tower's CT.IAM.PR.3). The
#: launch constraint guide asks for the AWSCloudFormationFullAccess managed policy:
#: https://docs.aws.amazon.com/servicecatalog/latest/adminguide/constraints-launch.html
SERVICE_CATALOG_STACKS_REASON = (
    "Service Catalog's launch role needs full CloudFormation access (the launch constraint "
    "guide asks for AWSCloudFormationFullAccess); here cloudformation:* is limited to stacks "
    "named SC-*, the ones Service Catalog creates"
)


def add_artifact_bucket(
    template: Any, *, noncurrent_days: Any, access_log_bucket: Any, has_access_log: str
) -> Bucket:
    """Private, encrypted, versioned bucket for product templates; TLS-only."""
    bucket = template.add_resource(
        Bucket(
            "ArtifactBucket",
            PublicAccessBlockConfiguration=block_all_public_access(),
            OwnershipControls=bucket_owner_enforced(),
            BucketEncryption=_sse_s3(),
            VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
            LoggingConfiguration=If(
                has_access_log,
                LoggingConfiguration(
                    DestinationBucketName=access_log_bucket,
                    LogFilePrefix=Sub("${AWS::StackName}/artifact-bucket/"),
                ),
                NoValue,
            ),
            LifecycleConfiguration=_expire_noncurrent_versions(noncurrent_days),
            NotificationConfiguration=events_to_eventbridge(),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    _declare_artifact_bucket_controls_not_applicable(bucket)
    template.add_resource(_tls_only_policy(bucket))
    return bucket


def _sse_s3() -> BucketEncryption:
    """SSE-S3: templates are not secret, and Service Catalog's copy then needs no KMS
    permissions from the publisher."""
    return BucketEncryption(
        ServerSideEncryptionConfiguration=[
            ServerSideEncryptionRule(
                ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(SSEAlgorithm="AES256")
            )
        ]
    )


def _expire_noncurrent_versions(noncurrent_days: Any) -> LifecycleConfiguration:
    """Replaced template versions expire after ``noncurrent_days``; stalled uploads after 7."""
    return LifecycleConfiguration(
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
    )


def _tls_only_policy(bucket: Bucket) -> BucketPolicy:
    """The bucket policy only denies requests without TLS, or with TLS older than 1.2."""
    policy = BucketPolicy(
        "ArtifactBucketPolicy",
        Bucket=Ref(bucket),
        PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[
                deny_without_tls(bucket),
                Statement(
                    Sid="DenyTlsOlderThan12",
                    Effect=Deny,
                    Principal=Principal("*"),
                    Action=[iam_action("s3:*")],
                    Resource=bucket_and_objects_arns(bucket),
                    Condition=Condition(NumericLessThan({"s3:TlsVersion": "1.2"})),
                ),
            ],
        ),
    )
    return accept_objects_arn_join(policy)


def _declare_artifact_bucket_controls_not_applicable(bucket: Bucket) -> None:
    declare_not_applicable(
        bucket,
        "CT.S3.PR.9",
        "Object Lock (write once, read many) cannot be turned off and would only keep template "
        "versions the lifecycle rule expires on purpose; Service Catalog keeps its own copy of "
        "every published version",
    )
    # The key policy of an AWS managed key such as aws/s3 is S3's, not ours to change:
    # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying.html
    declare_not_applicable(
        bucket,
        "CT.S3.PR.10",
        "Templates are not secret: SSE-KMS with the AWS managed aws/s3 key (its policy is S3's) "
        "adds no access control over SSE-S3, and a customer-managed key would make every "
        "publisher and the launch role need kms:Decrypt",
    )


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
                Action=[iam_action("sts:AssumeRole")],
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
        raise TemplateDefinitionError(
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
            for check_id, reason in UNSCOPED_POLICY_SKIPS.items():
                skip_checkov(policy, check_id, reason)
        if any(_has_service_wildcard(statement) for statement in pack):
            declare_not_applicable(policy, "CT.IAM.PR.3", SERVICE_CATALOG_STACKS_REASON)
        policies.append(policy)
    return role, policies


def _has_service_wildcard(statement: Statement) -> bool:
    """True for an action such as ``cloudformation:*`` (every action of one service)."""
    return any(action.JSONrepr().endswith(":*") for action in statement.Action)


def build_bootstrap(templates: dict[str, dict[str, Any]] | None = None) -> ProductTemplate:
    """The bootstrap template for the given product templates (default: every product)."""
    templates = product_templates() if templates is None else templates
    grants = grants_for(product_resources(templates.values())) + service_catalog_grants()
    bootstrap = ProductTemplate(
        "Signed URLs - bootstrap: artifact bucket for product templates, the least-privilege "
        "Service Catalog launch role and the permissions boundary of every product role"
    )
    noncurrent_days, access_log_bucket = _add_parameters(bootstrap)
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
    boundary = add_boundary_policy(bootstrap.template, templates=templates.values())
    bootstrap.add_output(ARTIFACT_BUCKET_OUTPUT, Ref(bucket), "Bucket the publisher uploads to")
    bootstrap.add_output(LAUNCH_ROLE_ARN_OUTPUT, GetAtt(role, "Arn"), "Launch constraint role ARN")
    bootstrap.add_output(LAUNCH_ROLE_NAME_OUTPUT, Ref(role), "Launch constraint role name")
    bootstrap.add_output(
        BOUNDARY_POLICY_OUTPUT, Ref(boundary), "Permissions boundary of every product role"
    )
    return bootstrap


def _add_parameters(bootstrap: ProductTemplate) -> tuple[Any, Any]:
    """The stack's parameters, and the conditions they drive; returns the noncurrent version
    expiry and access log bucket parameters (the trust one only sets its condition)."""
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
        AllowedPattern=f"^$|^{BUCKET_NAME}$",
        ConstraintDescription="empty, or a bucket name (3-63 lowercase letters, digits, . and -)",
    )
    bootstrap.template.add_condition(HAS_ACCESS_LOG, Not(Equals(Ref(access_log_bucket), "")))
    return noncurrent_days, access_log_bucket


def render_bootstrap_template() -> str:
    """The bootstrap template as YAML (what `portfolio bootstrap` deploys; lint-gate input)."""
    return build_bootstrap().to_yaml()
