"""Fixtures for the kit's tests: keys of both types, made once per session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from signed_urls import SigningKey
from signed_urls.testing import LocalEdge

KEY_ID = "K2JCJMDEHXQW5F"


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), KEY_ID)


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP256R1()), KEY_ID)


@pytest.fixture(params=["RSA_2048", "ECDSA_P256"])
def key(request: pytest.FixtureRequest, rsa_key: SigningKey, ec_key: SigningKey) -> SigningKey:
    return rsa_key if request.param == "RSA_2048" else ec_key


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1: the S3 origin (and Secrets Manager) for the edge."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake credentials for moto, also for CLI subprocesses."""
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def bucket(moto_endpoint: str, aws_env: dict[str, str]) -> tuple[Any, str]:
    """A fresh private bucket on the moto server and an S3 client for it, named as the bucket
    product names its bucket (signed-urls-<account>-<region>-<8 hex digits>)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    name = f"signed-urls-123456789012-us-east-1-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    return s3, name


@pytest.fixture
def edge(bucket: tuple[Any, str], ec_key: SigningKey) -> Iterator[LocalEdge]:
    s3, name = bucket
    with LocalEdge(s3, name, {ec_key.key_pair_id: ec_key.public_key_pem()}) as running:
        yield running
