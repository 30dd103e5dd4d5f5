"""The guide's publish_upload() works against S3 and needs nothing the integration role lacks.

It runs the very block of docs/onboarding.md against moto's S3, records every S3 call it makes,
and checks each call's IAM actions against the integration role's policy (launched with the
bucket) and against the permissions boundary the role carries, so the guide, the role and the
boundary cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from portfolio.bootstrap.template import build_bootstrap
from products.integration_role import build
from tests.support.bootstrap_template import boundary_statements
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.iam_evaluation import ALLOW, decision
from tests.support.onboarding_example import promote_example

ACCOUNT = "111122223333"
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::Region": "eu-west-1"}
#: Named as the bucket product names its bucket.
BUCKET = f"signed-urls-{ACCOUNT}-eu-west-1-1a2b3c4d"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture
def s3(no_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def _actions(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """IAM (action, object key) pairs an S3 operation needs (service authorization reference)."""
    if operation == "GetObject":
        action = "s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"
        return [(action, params["Key"])]
    if operation == "CopyObject":
        source = params["CopySource"]
        read = "s3:GetObjectVersion" if source.get("VersionId") else "s3:GetObject"
        return [(read, source["Key"]), ("s3:PutObject", params["Key"])]
    if operation == "DeleteObject":
        return [("s3:DeleteObject", params["Key"])]
    raise AssertionError(f"publish_upload made an unexpected call: {operation}")


def _record_calls(client: Any) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.extend(_actions(model.name, params))

    client.meta.events.register("provide-client-params.s3.*", record)
    return calls


def _role_statements() -> list[dict[str, Any]]:
    template = ResolvedTemplate(
        build().template.to_dict(),
        {
            **PSEUDO,
            "TrustedService": "lambda.amazonaws.com",
            "SecretArn": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:"
            "signed-urls/signing-AbCdEf",
            "KmsKeyArn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-12345678",
            "BucketArn": f"arn:aws:s3:::{BUCKET}",
        },
    )
    [policy] = template.resources()["IntegrationRole"]["Properties"]["Policies"]
    return policy["PolicyDocument"]["Statement"]


def _boundary_statements() -> list[dict[str, Any]]:
    bootstrap = build_bootstrap().template.to_dict()
    return ResolvedTemplate(bootstrap, PSEUDO).value(boundary_statements(bootstrap))


def test_a_valid_upload_is_published_with_the_type_found_and_left_the_inbox(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="uploads/3f2a.jpg", Body=JPEG, ContentType="text/html")
    served = promote_example()["publish_upload"](BUCKET, "uploads/3f2a.jpg", s3=s3)
    assert served == "files/3f2a.jpg"
    published = s3.get_object(Bucket=BUCKET, Key=served)
    assert published["Body"].read() == JPEG
    assert published["ContentType"] == "image/jpeg"
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [item["Key"] for item in listed] == ["files/3f2a.jpg"]


def test_a_rejected_upload_is_deleted_and_never_served(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="uploads/evil.jpg", Body=HTML, ContentType="image/jpeg")
    assert promote_example()["publish_upload"](BUCKET, "uploads/evil.jpg", s3=s3) is None
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_the_checked_version_is_the_one_published(s3: Any) -> None:
    """An upload replaced after the check is not what gets copied."""
    s3.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=JPEG)
    publish = promote_example()["publish_upload"]
    original_get = s3.get_object

    def get_then_overwrite(**kwargs: Any) -> Any:
        checked = original_get(**kwargs)
        s3.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=HTML)  # a second PUT
        return checked

    s3.get_object = get_then_overwrite
    served = publish(BUCKET, "uploads/a.jpg", s3=s3)
    s3.get_object = original_get
    assert s3.get_object(Bucket=BUCKET, Key=served)["Body"].read() == JPEG


def test_every_call_is_allowed_to_the_integration_role(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="uploads/3f2a.jpg", Body=JPEG)
    calls = _record_calls(s3)
    promote_example()["publish_upload"](BUCKET, "uploads/3f2a.jpg", s3=s3)
    assert {action for action, _ in calls} == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    statements, boundary = _role_statements(), _boundary_statements()
    context = {"aws:ResourceAccount": ACCOUNT}
    for action, key in calls:
        resource = f"arn:aws:s3:::{BUCKET}/{key}"
        assert decision(statements, action=action, resource=resource) == ALLOW, (action, key)
        assert decision(boundary, action=action, resource=resource, context=context) == ALLOW, (
            "boundary",
            action,
            key,
        )
