"""`portfolio bootstrap` against moto's in-process CloudFormation, S3 and IAM (no network).

moto creates the bucket and the role from the template; it silently ignores the bucket policy
and several bucket properties, which the unit tests assert on the template instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from portfolio.bootstrap.stack_deployment import Polling, deploy_bootstrap
from portfolio.bootstrap.template import build_bootstrap
from portfolio.cli import main
from portfolio.names import BOOTSTRAP_STACK_NAME
from portfolio.publish.clients import MISSING_CREDENTIALS
from portfolio.publish.lease import LeaseHeld, acquire, new_record, release

NO_WAIT = Polling(delay=0, attempts=5)

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    """Fake credentials, no profile files, everything answered in-process by moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def _events(session: boto3.Session, region: str = "us-east-1") -> list[dict[str, Any]]:
    cloudformation = session.client("cloudformation", region_name=region)
    return cloudformation.describe_stack_events(StackName=BOOTSTRAP_STACK_NAME)["StackEvents"]


def test_deploy_creates_the_bucket_and_the_launch_role(aws: boto3.Session) -> None:
    reported: list[str] = []
    outputs = deploy_bootstrap(aws, region="us-east-1", polling=NO_WAIT, report=reported.append)

    assert reported == [f"{BOOTSTRAP_STACK_NAME}: created"]
    assert set(outputs) == {
        "ArtifactBucketName",
        "LaunchRoleArn",
        "LaunchRoleName",
        "PermissionsBoundaryArn",
    }
    s3 = aws.client("s3")
    s3.head_bucket(Bucket=outputs["ArtifactBucketName"])
    [rule] = s3.get_bucket_encryption(Bucket=outputs["ArtifactBucketName"])[
        "ServerSideEncryptionConfiguration"
    ]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    iam = aws.client("iam")
    role = iam.get_role(RoleName=outputs["LaunchRoleName"])["Role"]
    assert role["Arn"] == outputs["LaunchRoleArn"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "servicecatalog.amazonaws.com"}

    attached = iam.list_attached_role_policies(RoleName=outputs["LaunchRoleName"])
    declared = [
        name
        for name, resource in build_bootstrap().template.to_dict()["Resources"].items()
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and resource["Properties"].get("Roles")
    ]
    assert len(attached["AttachedPolicies"]) == len(declared)
    # The boundary exists at the fixed path and name products compute, attached to no one.
    account = aws.client("sts").get_caller_identity()["Account"]
    boundary = iam.get_policy(PolicyArn=outputs["PermissionsBoundaryArn"])["Policy"]
    assert outputs["PermissionsBoundaryArn"] == (
        f"arn:aws:iam::{account}:policy/signed-urls/signed-urls-portfolio-boundary-us-east-1"
    )
    assert boundary["AttachmentCount"] == 0


def test_launch_role_policies_resolve_to_this_account(aws: boto3.Session) -> None:
    outputs = deploy_bootstrap(aws, region="us-east-1", polling=NO_WAIT)
    iam = aws.client("iam")
    account = aws.client("sts").get_caller_identity()["Account"]
    resources: list[str] = []
    for attached in iam.list_attached_role_policies(RoleName=outputs["LaunchRoleName"])[
        "AttachedPolicies"
    ]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(
            PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"]
        )
        for statement in version["PolicyVersion"]["Document"]["Statement"]:
            resources += statement["Resource"]
    assert f"arn:aws:cloudformation:us-east-1:{account}:stack/SC-*" in resources
    assert f"arn:aws:s3:::{outputs['ArtifactBucketName']}/*" in resources
    assert not [resource for resource in resources if "${" in resource]


def test_second_deploy_changes_nothing(aws: boto3.Session) -> None:
    first = deploy_bootstrap(aws, region="us-east-1", polling=NO_WAIT)
    events_before = _events(aws)
    reported: list[str] = []

    second = deploy_bootstrap(aws, region="us-east-1", polling=NO_WAIT, report=reported.append)

    assert second == first
    assert reported == [f"{BOOTSTRAP_STACK_NAME}: unchanged"]
    assert _events(aws) == events_before


def test_changed_parameter_updates_the_stack(aws: boto3.Session) -> None:
    deploy_bootstrap(aws, region="us-east-1", polling=NO_WAIT)
    reported: list[str] = []
    deploy_bootstrap(
        aws,
        region="us-east-1",
        parameters={"NoncurrentVersionExpirationDays": "30"},
        polling=NO_WAIT,
        report=reported.append,
    )
    assert reported == [f"{BOOTSTRAP_STACK_NAME}: updated"]
    stack = aws.client("cloudformation").describe_stacks(StackName=BOOTSTRAP_STACK_NAME)
    parameters = {
        item["ParameterKey"]: item["ParameterValue"] for item in stack["Stacks"][0]["Parameters"]
    }
    assert parameters["NoncurrentVersionExpirationDays"] == "30"


def test_cli_deploys_every_region_and_prints_outputs(
    aws: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bootstrap", "--region", "us-east-1,eu-west-1", "--region", "us-east-1"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed.count(f"us-east-1: {BOOTSTRAP_STACK_NAME}: created") == 1
    assert printed.count(f"eu-west-1: {BOOTSTRAP_STACK_NAME}: created") == 1
    assert sum(line.startswith("  LaunchRoleArn = arn:aws:iam::") for line in printed) == 2
    for region in ("us-east-1", "eu-west-1"):
        stacks = aws.client("cloudformation", region_name=region).describe_stacks(
            StackName=BOOTSTRAP_STACK_NAME
        )
        assert stacks["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    assert main(["bootstrap", "--region", "eu-west-1"]) == 0
    assert f"eu-west-1: {BOOTSTRAP_STACK_NAME}: unchanged" in capsys.readouterr().out


@pytest.mark.usefixtures("no_credentials")
def test_cli_without_credentials_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """No credentials anywhere (and no instance metadata lookup): a failure, not bad input,
    found before any call, with how to configure them."""
    assert main(["bootstrap", "--region", "us-east-1"]) == 1
    error = capsys.readouterr().err
    assert error == f"portfolio bootstrap: error: {MISSING_CREDENTIALS}\n"
    assert "aws configure" in error and "--profile" in error and "AWS_ACCESS_KEY_ID" in error


def test_updating_the_stack_takes_the_lease_a_publish_would_hold(
    aws: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    """Creating the stack needs no lease (there is no bucket yet; CloudFormation refuses a
    second stack of the name); changing it never runs while a publish does."""
    assert main(["bootstrap", "--region", "us-east-1"]) == 0
    bucket = re.search(r"ArtifactBucketName = (\S+)", capsys.readouterr().out)
    assert bucket is not None
    s3 = aws.client("s3")
    holder = acquire(s3, bucket.group(1), "us-east-1", new_record("publish", 600))
    assert main(["bootstrap", "--region", "us-east-1"]) == 1
    held = str(LeaseHeld("us-east-1", holder.record))
    assert capsys.readouterr().err == f"portfolio bootstrap: error: {held}\n"
    release(s3, holder)
    assert main(["bootstrap", "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert "us-east-1: lease " in out and f"{BOOTSTRAP_STACK_NAME}: unchanged" in out
    assert s3.list_objects_v2(Bucket=bucket.group(1), Prefix="leases/")["KeyCount"] == 0
