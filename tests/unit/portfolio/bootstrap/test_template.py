"""The bootstrap template: the artifact bucket, the launch role and its managed policies, and
the gates it passes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from portfolio.bootstrap.launch_role import MANAGED_POLICY_MAX_CHARS, MAX_ATTACHED_POLICIES
from portfolio.bootstrap.spokes import bootstrap_templates
from portfolio.bootstrap.stack_deployment import TEMPLATE_BODY_MAX_BYTES
from products.gates.cfn_lint import cfn_lint_findings
from tests.support.bootstrap_template import resources_of

BOOTSTRAP_TEMPLATE_NAMES = ("bootstrap.yaml", "spoke.yaml")


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """The hub and spoke templates as YAML, as `portfolio check` gates them."""
    templates = bootstrap_templates()
    assert set(templates) == set(BOOTSTRAP_TEMPLATE_NAMES)
    return templates


# --- the artifact bucket ----------------------------------------------------------------------


def test_artifact_bucket_is_private_encrypted_and_versioned(bootstrap: dict[str, Any]) -> None:
    bucket = bootstrap["Resources"]["ArtifactBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_artifact_bucket_expires_noncurrent_versions(bootstrap: dict[str, Any]) -> None:
    [rule] = bootstrap["Resources"]["ArtifactBucket"]["Properties"]["LifecycleConfiguration"][
        "Rules"
    ]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "NoncurrentVersionExpirationDays"}
    }
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0
    days = bootstrap["Parameters"]["NoncurrentVersionExpirationDays"]
    assert days["MinValue"] >= 1 and days["Default"] >= days["MinValue"]


def test_artifact_bucket_sends_object_events_to_eventbridge(bootstrap: dict[str, Any]) -> None:
    bucket = bootstrap["Resources"]["ArtifactBucket"]["Properties"]
    assert bucket["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }


def test_artifact_bucket_survives_stack_deletion(bootstrap: dict[str, Any]) -> None:
    bucket = bootstrap["Resources"]["ArtifactBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"


def test_artifact_bucket_policy_only_denies_plain_http_and_old_tls(
    bootstrap: dict[str, Any],
) -> None:
    policy = bootstrap["Resources"]["ArtifactBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ArtifactBucket"}
    statements = policy["PolicyDocument"]["Statement"]
    assert {statement["Effect"] for statement in statements} == {"Deny"}, (
        "Service Catalog reads templates with the publisher's credentials: no Allow needed"
    )
    conditions = [statement["Condition"] for statement in statements]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": "1.2"}} in conditions
    for statement in statements:
        assert statement["Principal"] == "*"
        assert statement["Action"] == ["s3:*"]
        # The objects ARN as Fn::Join: the shape Control Tower's CT.S3.PR.8 recognises.
        assert statement["Resource"] == [
            {"Fn::GetAtt": ["ArtifactBucket", "Arn"]},
            {"Fn::Join": ["", [{"Fn::GetAtt": ["ArtifactBucket", "Arn"]}, "/*"]]},
        ]


# --- the launch role --------------------------------------------------------------------------


def test_launch_role_is_assumed_only_by_service_catalog(bootstrap: dict[str, Any]) -> None:
    trust = bootstrap["Resources"]["LaunchRole"]["Properties"]["AssumeRolePolicyDocument"]
    condition_name, restricted, open_trust = trust["Fn::If"]
    assert bootstrap["Conditions"][condition_name] == {
        "Fn::Equals": [{"Ref": "TrustSourceAccountOnly"}, "true"]
    }
    for document in (restricted, open_trust):
        [statement] = document["Statement"]
        assert statement["Principal"] == {"Service": "servicecatalog.amazonaws.com"}
        assert statement["Action"] == ["sts:AssumeRole"]
        assert statement["Effect"] == "Allow"
    assert restricted["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    assert "Condition" not in open_trust["Statement"][0]


def test_outputs_name_the_bucket_and_the_role(bootstrap: dict[str, Any]) -> None:
    outputs = bootstrap["Outputs"]
    assert outputs["ArtifactBucketName"]["Value"] == {"Ref": "ArtifactBucket"}
    assert outputs["LaunchRoleArn"]["Value"] == {"Fn::GetAtt": ["LaunchRole", "Arn"]}
    assert outputs["LaunchRoleName"]["Value"] == {"Ref": "LaunchRole"}


def test_every_managed_policy_is_attached_to_the_launch_role(bootstrap: dict[str, Any]) -> None:
    """All but the permissions boundary, which products attach as a boundary, to nothing."""
    policies = resources_of(bootstrap, "AWS::IAM::ManagedPolicy")
    boundary = policies.pop("PermissionsBoundary")
    assert not {"Roles", "Users", "Groups"} & boundary["Properties"].keys()
    assert 1 <= len(policies) <= MAX_ATTACHED_POLICIES
    for policy in policies.values():
        assert policy["Properties"]["Roles"] == [{"Ref": "LaunchRole"}]
    assert not resources_of(bootstrap, "AWS::IAM::Policy")
    assert "Policies" not in bootstrap["Resources"]["LaunchRole"]["Properties"]


def test_managed_policies_fit_the_iam_size_quota(bootstrap: dict[str, Any]) -> None:
    for name, policy in resources_of(bootstrap, "AWS::IAM::ManagedPolicy").items():
        document = json.dumps(policy["Properties"]["PolicyDocument"], separators=(",", ":"))
        assert len(document) <= MANAGED_POLICY_MAX_CHARS, name


@pytest.mark.parametrize("name", BOOTSTRAP_TEMPLATE_NAMES)
def test_template_fits_in_a_template_body(rendered: dict[str, str], name: str) -> None:
    """CloudFormation's TemplateBody limit, for stacks and StackSets alike."""
    assert len(rendered[name].encode("utf-8")) <= TEMPLATE_BODY_MAX_BYTES


# --- gates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BOOTSTRAP_TEMPLATE_NAMES)
def test_cfn_lint_reports_nothing(rendered: dict[str, str], name: str) -> None:
    assert cfn_lint_findings(rendered[name]) == []
