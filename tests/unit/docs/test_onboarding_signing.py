"""The signing example in docs/onboarding.md works: run that very block, verify its signatures."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from moto import mock_aws

from tests.support.onboarding_example import signing_example


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return signing_example()


def _private_key(algorithm: str) -> Any:
    if algorithm == "RSA_2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _secret_value(key: Any, algorithm: str) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "formatVersion": 1,
            "keyPairId": "K2JCJMDEHXQW5F",
            "privateKey": pem,
            "algorithm": algorithm,
        }
    )


def _cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def _verify(url: str, policy: bytes, public_key: Any) -> None:
    """The guide's check: the signature covers the policy statement, hashed with SHA-256."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["Key-Pair-Id"] == "K2JCJMDEHXQW5F"
    assert query["Hash-Algorithm"] == "SHA256"
    signature = _cloudfront_b64decode(query["Signature"])
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA256())
    else:
        public_key.verify(signature, policy, ec.ECDSA(hashes.SHA256()))


def _signer(example: dict[str, Any], key: Any, algorithm: str) -> Any:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(
            Name="signed-urls/photos/cloudfront-signing-key",
            SecretString=_secret_value(key, algorithm),
        )["ARN"]
        return example["make_signer"](arn, secrets)


@pytest.mark.parametrize("algorithm", ["RSA_2048", "ECDSA_P256"])
def test_example_signs_a_url_cloudfront_can_verify(example: dict[str, Any], algorithm: str) -> None:
    key = _private_key(algorithm)
    signer = _signer(example, key, algorithm)
    before = int(time.time())
    url = example["signed_url"](signer, "https://files.example.com/", "/photos/my cat+1.jpg")

    parts = urlsplit(url)
    assert parts.path == "/photos/my%20cat%2B1.jpg"
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    expires = int(query["Expires"])
    assert before + 300 <= expires <= int(time.time()) + 300
    resource = url.split("?", 1)[0]
    policy = (
        '{"Statement":[{"Resource":"'
        + resource
        + '","Condition":{"DateLessThan":{"AWS:EpochTime":'
        + str(expires)
        + "}}}]}"
    ).encode()
    _verify(url, policy, key.public_key())


@pytest.mark.parametrize("algorithm", ["RSA_2048", "ECDSA_P256"])
def test_example_signs_a_gallery_with_one_policy(example: dict[str, Any], algorithm: str) -> None:
    key = _private_key(algorithm)
    signer = _signer(example, key, algorithm)
    keys = [f"spaces/42/{name}.jpg" for name in ("a", "b c", "ü")]
    urls = example["gallery_urls"](signer, "https://files.example.com", "spaces/42", keys)
    assert len(urls) == 3 and len({url.split("Policy=")[1] for url in urls}) == 1
    for url in urls:
        query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
        policy = _cloudfront_b64decode(query["Policy"])
        statement = json.loads(policy)["Statement"][0]
        assert statement["Resource"] == "https://files.example.com/spaces/42/*"
        assert statement["Condition"]["DateLessThan"]["AWS:EpochTime"] > time.time() + 600
        _verify(url, policy, key.public_key())


def test_example_refuses_keys_cloudfront_does_not_trust(example: dict[str, Any]) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from signed_urls import SecretFormatError

    with pytest.raises(SecretFormatError, match="RSA-2048 and ECDSA P-256"):
        _signer(example, ed25519.Ed25519PrivateKey.generate(), "ED25519")
