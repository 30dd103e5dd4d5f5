"""The signed-urls command: round trips, exit codes, one-line errors, smoke on the local edge."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from signed_urls import SigningKey
from signed_urls.testing import ALL_METHODS, Behavior, LocalEdge

EXECUTABLE = shutil.which("signed-urls", path=str(Path(sys.executable).parent)) or "signed-urls"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXECUTABLE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def pem_files(tmp_path: Path, key: SigningKey) -> tuple[str, str]:
    private = tmp_path / "private.pem"
    private.write_bytes(
        key.private_key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = tmp_path / "public.pem"
    public.write_text(key.public_key_pem())
    return str(private), str(public)


def test_url_then_verify_round_trip(tmp_path: Path, key: SigningKey) -> None:
    private, public = pem_files(tmp_path, key)
    signed = run(
        "url",
        "https://cdn.example.com/a%20b.jpg",
        "--private-key",
        private,
        "--key-pair-id",
        key.key_pair_id,
        "--expires-in",
        "120",
        "--output",
        "json",
    )
    assert signed.returncode == 0, signed.stderr
    url = json.loads(signed.stdout)["url"]
    ok = run("verify", url, "--public-key", f"{key.key_pair_id}={public}")
    assert (ok.returncode, ok.stdout.strip()) == (0, "ok: signature and policy accepted")
    refused = run("verify", url.replace("a%20b", "a%20c"), "--public-key", public)
    assert refused.returncode == 1 and refused.stdout.startswith("refused: ")


def test_cookies_then_verify(tmp_path: Path, key: SigningKey) -> None:
    private, public = pem_files(tmp_path, key)
    made = run(
        "cookies",
        "--resource",
        "https://cdn.example.com/g/*",
        "--private-key",
        private,
        "--key-pair-id",
        key.key_pair_id,
        "--output",
        "json",
    )
    assert made.returncode == 0, made.stderr
    cookies = json.loads(made.stdout)["cookies"]
    options = [f"--cookie={name}={value}" for name, value in cookies.items()]
    ok = run("verify", "https://cdn.example.com/g/1.jpg", "--public-key", public, *options)
    assert ok.returncode == 0, ok.stdout + ok.stderr


BAD_INPUT = [
    (["url", "/relative.jpg"], "URL: "),
    (["url", "https://cdn.example.com/a.jpg", "--expires-at", "1000000000"], "--expires-at: "),
    (["url", "https://cdn.example.com/a.jpg", "--ip-range", "2001:db8::1"], "--ip-range: "),
    (["cookies", "--resource", "cdn.example.com/*"], "--resource: "),
    (["url", "https://cdn.example.com/a.jpg", "--expires-in", "soon"], "--expires-in"),
    (
        ["verify", "https://cdn.example.com/a.jpg", "--public-key", "/no/such/file"],
        "--public-key: cannot read",
    ),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_INPUT)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, rsa_key: SigningKey, arguments: list[str], message: str
) -> None:
    private, _ = pem_files(tmp_path, rsa_key)
    key_options = (
        []
        if arguments[0] == "verify"
        else ["--private-key", private, "--key-pair-id", rsa_key.key_pair_id]
    )
    result = run(*arguments, *key_options)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_cloudfront_does_not_trust_is_bad_input(tmp_path: Path) -> None:
    private = tmp_path / "rsa3072.pem"
    private.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=3072).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    result = run(
        "url", "https://cdn.example.com/a.jpg", "--private-key", str(private), "--key-pair-id", "K1"
    )
    assert result.returncode == 2 and "--private-key: CloudFront trusts RSA-2048" in result.stderr


def test_the_placeholder_secret_is_bad_input(moto_endpoint: str, aws_env: dict[str, str]) -> None:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    arn = secrets.create_secret(
        Name="signed-urls/cli-placeholder", SecretString='{"status":"AWAITING_KEY_PAIR"}'
    )["ARN"]
    result = run(
        "url",
        "https://cdn.example.com/a.jpg",
        "--secret-arn",
        arn,
        "--endpoint-url",
        moto_endpoint,
        env=aws_env,
    )
    assert result.returncode == 2
    assert "key pair product has not run yet" in result.stderr and result.stderr.count("\n") == 1


def _secret_arn(moto_endpoint: str, key: SigningKey, name: str) -> str:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    pem = key.private_key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    document = {
        "formatVersion": 1,
        "keyPairId": key.key_pair_id,
        "privateKey": pem,
        "createdAt": "2020-01-01T00:00:00Z",
        "previousKeyPairId": None,
    }
    return str(secrets.create_secret(Name=name, SecretString=json.dumps(document))["ARN"])


def test_smoke_passes_on_the_local_edge(
    edge: LocalEdge, ec_key: SigningKey, bucket: Any, moto_endpoint: str, aws_env: dict[str, str]
) -> None:
    """The seeds' manual test, through the CLI: secret from Secrets Manager, S3 from moto."""
    _, bucket_name = bucket
    arn = _secret_arn(moto_endpoint, ec_key, f"signed-urls/smoke-{bucket_name}")
    result = run(
        "smoke",
        "--base-url",
        edge.base_url,
        "--bucket",
        bucket_name,
        "--bucket-url",
        f"{moto_endpoint}/{bucket_name}",
        "--secret-arn",
        arn,
        "--endpoint-url",
        moto_endpoint,
        "--expiry-seconds",
        "2",
        "--output",
        "json",
        env=aws_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    names = [check["name"] for check in report["checks"]]
    assert report["ok"] and "expired URL refused" in names and "direct bucket URL refused" in names


def test_smoke_reads_stack_outputs(
    edge: LocalEdge, ec_key: SigningKey, bucket: Any, moto_endpoint: str, aws_env: dict[str, str]
) -> None:
    _, bucket_name = bucket
    arn = _secret_arn(moto_endpoint, ec_key, f"signed-urls/stack-{bucket_name}")
    outputs = {"BaseUrl": edge.base_url, "SecretArn": arn, "BucketName": bucket_name}
    template = {
        "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    cloudformation = boto3.client("cloudformation", endpoint_url=moto_endpoint)
    cloudformation.create_stack(StackName=f"smoke-{bucket_name}", TemplateBody=json.dumps(template))
    result = run(
        "smoke",
        "--stack",
        f"smoke-{bucket_name}",
        "--endpoint-url",
        moto_endpoint,
        "--expiry-seconds",
        "1",
        env=aws_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "PASS signed upload lands: HTTP 200"


def test_smoke_fails_when_uploads_are_not_signed(
    bucket: Any, ec_key: SigningKey, tmp_path: Path, moto_endpoint: str, aws_env: dict[str, str]
) -> None:
    s3, bucket_name = bucket
    keys = {ec_key.key_pair_id: ec_key.public_key_pem()}
    private, _ = pem_files(tmp_path, ec_key)
    misconfigured = (Behavior("/uploads/*", signed=False, methods=ALL_METHODS), Behavior("*"))
    with LocalEdge(s3, bucket_name, keys, behaviors=misconfigured) as open_edge:
        result = run(
            "smoke",
            "--base-url",
            open_edge.base_url,
            "--bucket",
            bucket_name,
            "--endpoint-url",
            moto_endpoint,
            "--private-key",
            private,
            "--key-pair-id",
            ec_key.key_pair_id,
            "--expiry-seconds",
            "1",
            "--upload-prefix",
            "uploads",
        )
    assert result.returncode == 1
    failed = {line.split(":")[0] for line in result.stdout.splitlines() if line.startswith("FAIL")}
    assert failed == {  # the custom-policy PUT also overwrote the upload it then publishes
        "FAIL custom-policy URL cannot upload",
        "FAIL upload inbox is not readable",
        "FAIL signed download returns the object",
    }
