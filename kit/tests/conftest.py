"""Fixtures for the kit's tests: keys of both types, made once per session."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from signed_urls import SigningKey

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
