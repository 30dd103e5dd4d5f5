"""deploy_stack against moto: templates over the TemplateBody limit go through S3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from portfolio.bootstrap.stack_deployment import (
    TEMPLATE_BODY_MAX_BYTES,
    Polling,
    StackDeploymentFailed,
    deploy_stack,
    s3_template_upload,
)

FAST = Polling(delay=0, attempts=5)


def _large_template(marker: str) -> str:
    """A valid template whose size is above the TemplateBody limit."""
    padding = "x" * (TEMPLATE_BODY_MAX_BYTES + 100)
    return yaml.safe_dump(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": marker,
            "Metadata": {"Padding": padding},
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
        }
    )


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket="deploy-templates",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )
        yield {
            "cloudformation": boto3.client("cloudformation", region_name="eu-west-1"),
            "s3": s3,
        }


def test_large_template_without_a_bucket_is_refused(aws: dict[str, Any]) -> None:
    with pytest.raises(StackDeploymentFailed, match="exceeds 51200 bytes; deploy it through S3"):
        deploy_stack(aws["cloudformation"], "big", _large_template("v1"), polling=FAST)
    assert aws["cloudformation"].list_stacks()["StackSummaries"] == []


def test_large_template_is_deployed_from_s3_and_uploaded_only_when_needed(
    aws: dict[str, Any],
) -> None:
    uploads: list[str] = []
    to_s3 = s3_template_upload(aws["s3"], "deploy-templates")

    def counting_upload(body: str) -> str:
        uploads.append(body)
        return to_s3(body)

    lines: list[str] = []
    outputs = deploy_stack(
        aws["cloudformation"],
        "big",
        _large_template("v1"),
        polling=FAST,
        upload=counting_upload,
        report=lines.append,
    )
    assert "QueueUrl" in outputs
    assert lines[-1] == "big: created"
    assert len(uploads) == 1
    [stored] = aws["s3"].list_objects_v2(Bucket="deploy-templates")["Contents"]
    assert stored["Key"].startswith("templates/") and stored["Key"].endswith(".yaml")

    deploy_stack(
        aws["cloudformation"],
        "big",
        _large_template("v1"),
        polling=FAST,
        upload=counting_upload,
        report=lines.append,
    )
    assert lines[-1] == "big: unchanged"
    assert len(uploads) == 1, "an unchanged stack uploads nothing"

    deploy_stack(
        aws["cloudformation"],
        "big",
        _large_template("v2"),
        polling=FAST,
        upload=counting_upload,
        report=lines.append,
    )
    assert lines[-1] == "big: updated"
    assert len(uploads) == 2
