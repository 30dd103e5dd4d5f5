"""Signer.from_secret: cache, refresh, threads, and the rotation rule of the secret format doc."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto import mock_aws
from signed_urls import KeyPairNotReady, SecretFormatError, Signer, SigningKey, verify_url
from signed_urls.secret import SecretKeySource

BASE = "https://cdn.example.com"
PLACEHOLDER = '{"status":"AWAITING_KEY_PAIR"}'
#: Named as the secret product names its secret (signed-urls/<SecretName>).
SECRET_NAME = "signed-urls/photos/signing"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def new_key(key_pair_id: str) -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP256R1()), key_pair_id)


def value(key: SigningKey, created: float, previous: str | None) -> str:
    """A secret version exactly as the key pair product writes it."""
    pem = key.private_key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "formatVersion": 1,
            "keyPairId": key.key_pair_id,
            "privateKey": pem,
            "publicKey": key.public_key_pem(),
            "algorithm": "ECDSA_P256",
            "createdAt": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "previousKeyPairId": previous,
            "rotationToken": "t",
        }
    )


class CountingClient:
    """A Secrets Manager client that counts reads (moto underneath)."""

    def __init__(self, client: Any) -> None:
        self.client, self.reads = client, 0

    def get_secret_value(self, **kwargs: Any) -> Any:
        self.reads += 1
        return self.client.get_secret_value(**kwargs)


@pytest.fixture
def secrets() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name=SECRET_NAME, SecretString=PLACEHOLDER)
        yield client


def put(secrets: Any, text: str) -> None:
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString=text)


def signer_over(secrets: Any, clock: Clock, cache: float = 300) -> tuple[Signer, SecretKeySource]:
    source = SecretKeySource(SECRET_NAME, client=secrets, cache_seconds=cache, clock=clock)
    return Signer(source), source


def key_id_of(signer: Signer) -> str:
    return signer.url(f"{BASE}/a.jpg", expires_in=60).rsplit("Key-Pair-Id=", 1)[1].split("&")[0]


def test_placeholder_is_a_clear_error(secrets: Any) -> None:
    with pytest.raises(KeyPairNotReady, match="key pair product has not run yet"):
        Signer.from_secret(SECRET_NAME, client=secrets)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ('{"formatVersion": 2, "keyPairId": "K1"}', "formatVersion 2"),
        ('{"formatVersion": 1, "privateKey": "x"}', "keyPairId is missing"),
        ('{"formatVersion": 1, "keyPairId": "K1", "privateKey": "nope"}', "privateKey|PEM"),
    ],
)
def test_a_secret_in_another_format_names_the_field(secrets: Any, text: str, message: str) -> None:
    put(secrets, text)
    with pytest.raises(SecretFormatError, match=message):
        Signer.from_secret(SECRET_NAME, client=secrets)


def test_after_create_signs_with_the_new_key(secrets: Any) -> None:
    """First create: AWSPREVIOUS is the placeholder, so even a fresh key is used at once."""
    clock, k1 = Clock(), new_key("K1AAAA")
    put(secrets, value(k1, clock.now, None))
    signer, _ = signer_over(secrets, clock)
    assert key_id_of(signer) == "K1AAAA"
    signed = signer.url(f"{BASE}/a.jpg", expires_in=60)
    assert verify_url(signed, {"K1AAAA": k1.public_key_pem()}).ok


def test_rotation_window_then_the_new_key(secrets: Any) -> None:
    clock, k1, k2 = Clock(), new_key("K1AAAA"), new_key("K2BBBB")
    put(secrets, value(k1, clock.now - 86400, None))
    signer, _ = signer_over(secrets, clock, cache=0)
    assert key_id_of(signer) == "K1AAAA"
    put(secrets, value(k2, clock.now, "K1AAAA"))  # rotation: K1 moves to AWSPREVIOUS
    assert key_id_of(signer) == "K1AAAA", "inside the window the trusted key signs"
    clock.now += 299
    assert key_id_of(signer) == "K1AAAA"
    clock.now += 2
    assert key_id_of(signer) == "K2BBBB", "after the window the new key signs"


def test_the_window_ends_even_while_cached(secrets: Any) -> None:
    clock, k1, k2 = Clock(), new_key("K1AAAA"), new_key("K2BBBB")
    put(secrets, value(k1, clock.now - 86400, None))
    put(secrets, value(k2, clock.now, "K1AAAA"))
    counting = CountingClient(secrets)
    source = SecretKeySource(SECRET_NAME, client=counting, cache_seconds=3600, clock=clock)
    assert source.signing_key().key_pair_id == "K1AAAA"
    clock.now += 301
    assert source.signing_key().key_pair_id == "K2BBBB"
    assert counting.reads == 2, "AWSCURRENT and AWSPREVIOUS, once"


def test_rollback_signs_with_the_restored_key(secrets: Any) -> None:
    """Rollback writes the earlier value back: AWSPREVIOUS then holds the failed key, which
    the current value's previousKeyPairId does not name, so AWSCURRENT signs."""
    clock, k1, k2 = Clock(), new_key("K1AAAA"), new_key("K2BBBB")
    k1_value = value(k1, clock.now - 86400, None)
    put(secrets, k1_value)
    put(secrets, value(k2, clock.now - 60, "K1AAAA"))
    put(secrets, k1_value)  # the rollback's restore
    signer, _ = signer_over(secrets, clock)
    assert key_id_of(signer) == "K1AAAA"


def test_an_undone_write_with_a_fresh_value_signs_with_current(secrets: Any) -> None:
    """A fresh current value whose previousKeyPairId is not AWSPREVIOUS's key: no window."""
    clock, k0, k1, k2 = Clock(), new_key("K0CCCC"), new_key("K1AAAA"), new_key("K2BBBB")
    put(secrets, value(k0, clock.now - 90000, None))
    put(secrets, value(k2, clock.now - 30, "K0CCCC"))
    put(secrets, value(k1, clock.now - 10, "K0CCCC"))
    signer, _ = signer_over(secrets, clock)
    assert key_id_of(signer) == "K1AAAA"


def test_cache_and_refresh(secrets: Any) -> None:
    clock, k1, k3 = Clock(), new_key("K1AAAA"), new_key("K3DDDD")
    put(secrets, value(k1, clock.now - 86400, None))
    counting = CountingClient(secrets)
    source = SecretKeySource(SECRET_NAME, client=counting, cache_seconds=300, clock=clock)
    signer = Signer(source)
    for _ in range(50):
        key_id_of(signer)
    assert counting.reads == 1
    put(secrets, value(k3, clock.now - 3600, None))  # a change not in the window
    assert key_id_of(signer) == "K1AAAA", "cached"
    signer.refresh()
    assert key_id_of(signer) == "K3DDDD"
    clock.now += 301
    key_id_of(signer)
    assert counting.reads == 3


def test_a_failed_re_read_keeps_the_cached_key(secrets: Any) -> None:
    clock, k1 = Clock(), new_key("K1AAAA")
    put(secrets, value(k1, clock.now - 86400, None))
    signer, source = signer_over(secrets, clock, cache=10)
    key_id_of(signer)
    secrets.delete_secret(SecretId=SECRET_NAME, ForceDeleteWithoutRecovery=True)
    clock.now += 11
    assert key_id_of(signer) == "K1AAAA"
    with pytest.raises(Exception, match="ResourceNotFound"):
        source.refresh()


def test_threads_share_one_read(secrets: Any) -> None:
    clock, k1 = Clock(), new_key("K1AAAA")
    put(secrets, value(k1, clock.now - 86400, None))
    counting = CountingClient(secrets)
    signer = Signer(SecretKeySource(SECRET_NAME, client=counting, clock=clock))
    seen: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                seen.append(key_id_of(signer))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and set(seen) == {"K1AAAA"} and len(seen) == 160
    assert counting.reads == 1
