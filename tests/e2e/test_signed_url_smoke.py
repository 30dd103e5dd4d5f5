"""Real-account smoke test: provision the products, upload and download through signed URLs.

Runs only with SIGNED_URLS_E2E=1 and working AWS credentials (AWS_PROFILE / AWS_REGION or the
usual chain); otherwise it is skipped before any network call. It creates, in one Region:
secret -> key pair -> bucket -> distribution -> bucket update (DistributionArn), then, signing
with the kit (kit/, ``Signer.from_secret``), PUTs an object through a signed URL on /uploads/
until the new distribution answers, GETs it back, and runs the kit's smoke checks (the same as
``signed-urls smoke``: signed upload, download until expiry and 403 after, unsigned, tampered
and direct bucket URLs refused). Then it deletes everything it made, including what the
templates retain (bucket, secret, KMS key: scheduled for deletion after 7 days). A CloudFront
distribution takes several minutes each way.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from signed_urls import Signer, object_url
from signed_urls.smoke import SmokeTarget, run_smoke

from portfolio.bootstrap.stack_deployment import (
    Polling,
    StackDeploymentFailed,
    delete_stack,
    deploy_stack,
    s3_template_upload,
)
from products.catalog import PRODUCTS
from tests.support.real_account import Account, real_account

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def account() -> Account:
    return real_account()


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


def _request(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    headers = {}
    if body is not None:  # Origin Access Control signs uploads only with the payload hash
        headers = {
            "Content-Type": "text/plain",
            "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
        }
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


def test_upload_and_download_through_signed_urls(
    account: Account, provisioned: Provisioned
) -> None:
    run = f"e2e{uuid.uuid4().hex[:8]}"
    stack = f"signed-urls-{run}"

    secret = provisioned.deploy(f"{stack}-secret", "secret", {"SecretName": f"signed-urls/{run}"})
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

    signer = Signer.from_secret(
        secret["SecretArn"], client=account.client("secretsmanager"), cache_seconds=0
    )
    assert signer.key.key_pair_id == key_pair["PublicKeyId"]
    content = f"signed-urls smoke test {run}\n".encode()
    url = object_url(distribution["BaseUrl"], f"uploads/{run}.txt")

    _until_ok("PUT", lambda: signer.url(url, expires_in=600), content)
    assert _until_ok("GET", lambda: signer.url(url, expires_in=600)) == content
    unsigned_status, _ = _request("GET", url)
    assert unsigned_status == 403, "an unsigned download must be refused"
    target = SmokeTarget(distribution["BaseUrl"], f"https://{bucket['BucketRegionalDomainName']}")
    failed = [check for check in run_smoke(signer, target, expiry_seconds=20) if not check.ok]
    assert not failed, failed
