"""Real-account smoke test: provision the products, upload and download through signed URLs.

Runs only with SIGNED_URLS_E2E=1 and working AWS credentials (AWS_PROFILE / AWS_REGION or the
usual chain); otherwise it is skipped before any network call. It creates, in one Region:
secret -> key pair -> bucket -> distribution -> bucket update (DistributionArn) -> integration
role (trusting this account), then:

- PUTs an object through a signed URL on /uploads/ with only a Content-Type header (the
  onboarding guide requires nothing else; if only an x-amz-content-sha256 header makes it work,
  the test fails saying so);
- checks that the inbox cannot be read back (405) and that a download URL cannot PUT (403);
- publishes the upload with the guide's publish_upload() under the integration role, GETs the
  published copy through a signed URL, and checks that an unsigned GET is refused;

and deletes everything it made, including what the templates retain (bucket, secret, KMS key:
scheduled for deletion after 7 days). A CloudFront distribution takes several minutes each way.

The account needs the bootstrap stack in that Region (``portfolio bootstrap``): product roles
carry its permissions boundary. The test checks for the boundary first and says so if missing.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from signed_urls import Signer, SigningKey
from signed_urls.smoke import SmokeTarget, run_smoke

from portfolio.bootstrap.stack_deployment import (
    Polling,
    StackDeploymentFailed,
    delete_stack,
    deploy_stack,
    s3_template_upload,
)
from products.building_blocks.capability_names import BOUNDARY_POLICY_NAME_PREFIX, ROLE_PATH
from products.catalog import PRODUCTS
from tests.support.onboarding_example import promote_example
from tests.support.real_account import Account, real_account

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def account() -> Account:
    found = real_account()
    _require_the_permissions_boundary(found)
    return found


def _require_the_permissions_boundary(account: Account) -> None:
    """Product roles name the bootstrap stack's boundary: without it every role fails."""
    identity = account.client("sts").get_caller_identity()
    partition = identity["Arn"].split(":")[1]
    name = f"{BOUNDARY_POLICY_NAME_PREFIX}-{account.region}"
    arn = f"arn:{partition}:iam::{identity['Account']}:policy{ROLE_PATH}{name}"
    try:
        account.client("iam").get_policy(PolicyArn=arn)
    except account.client("iam").exceptions.NoSuchEntityException:
        pytest.fail(
            f"no permissions boundary {arn}: run `portfolio bootstrap --region {account.region}` "
            "in this account first"
        )


@dataclass
class Provisioned:
    """Stacks and retained resources created so far, cleaned up in reverse order."""

    account: Account
    template_bucket: str
    stacks: list[str] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def deploy(self, stack_name: str, slug: str, parameters: dict[str, str]) -> dict[str, str]:
        [spec] = [spec for spec in PRODUCTS if spec.slug == slug]
        if stack_name not in self.stacks:
            self.stacks.append(stack_name)
        return deploy_stack(
            self.account.client("cloudformation"),
            stack_name,
            spec.build().to_yaml(),
            parameters=parameters,
            tags={"signed-urls:component": "e2e"},
            polling=Polling(delay=15, attempts=160),  # CloudFront can take 20+ minutes
            report=print,
            upload=s3_template_upload(self.account.client("s3"), self.template_bucket),
        )

    def clean_up(self) -> list[str]:
        """Delete everything; return one line per failure (cleanup goes on past failures)."""
        problems = []
        for stack_name in reversed(self.stacks):
            try:
                delete_stack(
                    self.account.client("cloudformation"),
                    stack_name,
                    polling=Polling(delay=15, attempts=160),
                )
            except StackDeploymentFailed as error:
                problems.append(str(error))
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # report every leftover, then fail
                problems.append(f"{cleanup.__doc__}: {error}")
        return problems


@pytest.fixture
def provisioned(account: Account) -> Iterator[Provisioned]:
    """Templates over CloudFormation's inline limit go through a scratch bucket made here."""
    template_bucket = f"signed-urls-e2e-{uuid.uuid4().hex[:12]}"
    s3 = account.client("s3")
    location = (
        {}
        if account.region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": account.region}}
    )
    s3.create_bucket(Bucket=template_bucket, **location)
    created = Provisioned(account, template_bucket)
    created.cleanups.append(_retained_bucket(account, template_bucket))
    try:
        yield created
    finally:
        problems = created.clean_up()
        assert not problems, "cleanup left resources behind: " + " | ".join(problems)


def _retained_bucket(account: Account, bucket: str) -> Callable[[], None]:
    def empty_and_delete_bucket() -> None:
        """empty and delete the retained bucket"""
        s3 = account.client("s3")
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)

    return empty_and_delete_bucket


def _retained_secret(account: Account, secret_arn: str, key_arn: str) -> Callable[[], None]:
    def delete_secret_and_key() -> None:
        """delete the retained secret and schedule its KMS key for deletion"""
        account.client("secretsmanager").delete_secret(
            SecretId=secret_arn, ForceDeleteWithoutRecovery=True
        )
        account.client("kms").schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)

    return delete_secret_and_key


def _signed_url(url: str, secret: dict[str, Any], minutes: int = 10) -> str:
    """Signed with the kit (kit/, the onboarding guide's signer): SHA-256, canned policy."""
    key = SigningKey.from_pem(secret["privateKey"], secret["keyPairId"])
    return Signer(key).url(url, expires_in=minutes * 60)


def _request(
    method: str, url: str, body: bytes | None = None, *, payload_hash: bool = False
) -> tuple[int, bytes]:
    """One request; an upload sends a Content-Type, plus x-amz-content-sha256 on demand."""
    headers = {}
    if body is not None:
        headers = {"Content-Type": "image/png"}
        if payload_hash:
            headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except urllib.error.URLError as error:  # a new *.cloudfront.net name may not resolve yet
        return 0, str(error.reason).encode()


def _until_ok(method: str, sign: Callable[[], str], body: bytes | None = None) -> bytes:
    """Bounded retries (a fresh signature each time) while a new distribution propagates."""
    status, content, url = 0, b"", ""
    for _ in range(40):
        url = sign()
        status, content = _request(method, url, body)
        if status == 200:
            return content
        time.sleep(15)
    raise AssertionError(f"{method} {url.split('?')[0]}: HTTP {status} {content[:200]!r}")


def _upload_without_payload_hash(sign: Callable[[], str], body: bytes) -> None:
    """The documented upload (no x-amz-content-sha256); if it never works, say whether the
    header would have made it work. AWS documents the header for Lambda function URL origins
    only: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html
    """
    try:
        _until_ok("PUT", sign, body)
    except AssertionError as failure:
        status, content = _request("PUT", sign(), body, payload_hash=True)
        if status == 200:
            raise AssertionError(
                "uploads through OAC to S3 need x-amz-content-sha256 after all: make "
                "docs/onboarding.md require it again"
            ) from failure
        raise AssertionError(
            f"{failure}; with x-amz-content-sha256: HTTP {status} {content[:200]!r}"
        ) from failure


def _role_session(account: Account, role_arn: str) -> Any:
    """A boto3 session as the integration role (IAM may take a while to trust a new role)."""
    import boto3
    from botocore.exceptions import ClientError

    sts = account.client("sts")
    for attempt in range(20):
        try:
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="signed-urls-e2e")[
                "Credentials"
            ]
            break
        except ClientError:
            if attempt == 19:
                raise
            time.sleep(15)
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=account.region,
    )


def test_upload_and_download_through_signed_urls(
    account: Account, provisioned: Provisioned
) -> None:
    run = f"e2e{uuid.uuid4().hex[:8]}"
    stack = f"signed-urls-{run}"

    secret = provisioned.deploy(f"{stack}-secret", "secret", {"SecretName": run})
    provisioned.cleanups.append(_retained_secret(account, secret["SecretArn"], secret["KmsKeyArn"]))
    key_pair = provisioned.deploy(
        f"{stack}-key-pair",
        "key-pair",
        {
            "SecretArn": secret["SecretArn"],
            "KmsKeyArn": secret["KmsKeyArn"],
            "KeyAlgorithm": "RSA_2048",
        },
    )
    bucket = provisioned.deploy(f"{stack}-bucket", "bucket", {})
    provisioned.cleanups.append(_retained_bucket(account, bucket["BucketName"]))
    distribution = provisioned.deploy(
        f"{stack}-distribution",
        "distribution",
        {"BucketName": bucket["BucketName"], "KeyGroupId": key_pair["KeyGroupId"]},
    )
    provisioned.deploy(
        f"{stack}-bucket", "bucket", {"DistributionArn": distribution["DistributionArn"]}
    )

    signing_secret = json.loads(
        account.client("secretsmanager").get_secret_value(SecretId=secret["SecretArn"])[
            "SecretString"
        ]
    )
    assert signing_secret["keyPairId"] == key_pair["PublicKeyId"]
    content = b"\x89PNG\r\n\x1a\n" + f"signed-urls smoke test {run}\n".encode()
    upload_url = f"{distribution['BaseUrl']}/uploads/{run}.png"
    served_url = f"{distribution['BaseUrl']}/files/{run}.png"

    _upload_without_payload_hash(lambda: _signed_url(upload_url, signing_secret), content)
    inbox_status, _ = _request("GET", _signed_url(upload_url, signing_secret))
    assert inbox_status == 405, "the upload inbox must never be read through CloudFront"
    write_status, _ = _request("PUT", _signed_url(served_url, signing_secret), b"overwrite")
    assert write_status == 403, "a download URL must not be able to write"

    role = provisioned.deploy(
        f"{stack}-integration-role",
        "integration-role",
        {
            "TrustedPrincipal": "root",  # this account (the test's caller assumes the role)
            "SecretArn": secret["SecretArn"],
            "KmsKeyArn": secret["KmsKeyArn"],
            "BucketArn": f"arn:aws:s3:::{bucket['BucketName']}",
        },
    )
    as_role = _role_session(account, role["RoleArn"]).client("s3")
    publish_upload = promote_example()["publish_upload"]
    assert publish_upload(bucket["BucketName"], f"uploads/{run}.png", s3=as_role) == (
        f"files/{run}.png"
    )

    assert _until_ok("GET", lambda: _signed_url(served_url, signing_secret)) == content
    unsigned_status, _ = _request("GET", served_url)
    assert unsigned_status == 403, "an unsigned download must be refused"

    signer = Signer.from_secret(secret["SecretArn"], client=account.client("secretsmanager"))
    target = SmokeTarget(
        distribution["BaseUrl"],
        bucket["BucketName"],
        bucket_url=f"https://{bucket['BucketRegionalDomainName']}",
    )
    checks = run_smoke(signer, target, as_role, expiry_seconds=20)
    assert all(check.ok for check in checks), [check for check in checks if not check.ok]
