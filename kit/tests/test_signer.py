"""Signer: every form verifies independently; botocore agreement; tampering; bad input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.exceptions import InvalidSignature
from guide_reference import reference_verify_cookies, reference_verify_url
from signed_urls import Policy, Signer, SigningInputError, SigningKey, object_url, verify_url

BASE = "https://cdn.example.com"
AWKWARD_KEYS = ["photos/my cat+1.jpg", "photos/Ωμέγα ünïcode.png", "a b/c%d?e#f.txt"]


def test_canned_rsa_sha1_url_is_byte_identical_to_botocore(rsa_key: SigningKey) -> None:
    """Same inputs, same bytes: botocore signs with our key through its rsa_signer callback."""
    expires = datetime(2035, 1, 1, tzinfo=UTC)
    reference = CloudFrontSigner(rsa_key.key_pair_id, lambda m: rsa_key.sign(m, "SHA1"))
    for url in (f"{BASE}/photos/cat.jpg", f"{BASE}/a%20b.jpg?size=large&v=2"):
        ours = Signer(rsa_key, hash_algorithm="SHA1").url(url, expires_at=expires)
        assert ours == reference.generate_presigned_url(url, date_less_than=expires)


@pytest.mark.parametrize("hash_algorithm", ["SHA256", "SHA1"])
@pytest.mark.parametrize("object_key", AWKWARD_KEYS)
def test_canned_urls_verify_independently(
    key: SigningKey, hash_algorithm: str, object_key: str
) -> None:
    url = object_url(BASE, object_key) + "?download=1&v=%C3%A9"
    signed = Signer(key, hash_algorithm=hash_algorithm).url(url, expires_in=300)
    assert signed.startswith(url + "&Expires=")
    assert ("Hash-Algorithm=SHA256" in signed) is (hash_algorithm == "SHA256")
    statement = reference_verify_url(signed, key.private_key.public_key(), time.time())
    assert statement["Resource"] == url
    assert verify_url(signed, {key.key_pair_id: key.public_key_pem()}).ok


@pytest.mark.parametrize("hash_algorithm", ["SHA256", "SHA1"])
def test_custom_policy_urls_verify_independently(key: SigningKey, hash_algorithm: str) -> None:
    policy = Policy(
        resource=f"{BASE}/spaces/42/*",
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
        not_before=int(time.time()) - 60,
        ip_range="192.0.2.0/24",
    )
    signer = Signer(key, hash_algorithm=hash_algorithm)
    for object_key in ("spaces/42/a.jpg", "spaces/42/sub/my cat+1.jpg"):
        signed = signer.url(object_url(BASE, object_key), policy=policy)
        statement = reference_verify_url(signed, key.private_key.public_key(), time.time())
        assert statement["Resource"] == f"{BASE}/spaces/42/*"
        assert statement["Condition"]["IpAddress"] == {"AWS:SourceIp": "192.0.2.0/24"}
        keys = {key.key_pair_id: key.public_key_pem()}
        assert verify_url(signed, keys, client_ip="192.0.2.7").ok
        assert not verify_url(signed, keys, client_ip="198.51.100.7").ok


@pytest.mark.parametrize("hash_algorithm", ["SHA256", "SHA1"])
def test_cookies_verify_independently(key: SigningKey, hash_algorithm: str) -> None:
    signer = Signer(key, hash_algorithm=hash_algorithm)
    custom = signer.cookies(Policy(f"{BASE}/spaces/42/*", expires_at=int(time.time()) + 60))
    assert set(custom) >= {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert ("CloudFront-Hash-Algorithm" in custom) is (hash_algorithm == "SHA256")
    reference_verify_cookies(
        f"{BASE}/spaces/42/x.jpg", custom, key.private_key.public_key(), time.time()
    )
    exact = object_url(BASE, "photos/my cat.jpg")
    canned = signer.cookies(Policy(exact, expires_at=int(time.time()) + 60))
    assert "CloudFront-Expires" in canned and "CloudFront-Policy" not in canned
    reference_verify_cookies(exact, canned, key.private_key.public_key(), time.time())


class CountingKey(SigningKey):
    """A SigningKey that records every message it signs."""

    def __init__(self, key: SigningKey) -> None:
        super().__init__(key.private_key, key.key_pair_id)
        self.signed: list[bytes] = []

    def sign(self, message: bytes, hash_algorithm: str = "SHA256") -> bytes:
        self.signed.append(message)
        return super().sign(message, hash_algorithm)


def test_one_signature_serves_a_whole_gallery(rsa_key: SigningKey) -> None:
    key = CountingKey(rsa_key)
    signer = Signer(key)
    policy = Policy(f"{BASE}/spaces/7/*", expires_at=int(time.time()) + 60)
    urls = signer.urls([f"{BASE}/spaces/7/{i}.jpg" for i in range(100)], policy=policy)
    cookies = signer.cookies(policy)
    assert len(key.signed) == 1 and len(set(urls)) == 100
    for url in urls[:3]:
        reference_verify_url(url, rsa_key.private_key.public_key(), time.time())
    reference_verify_cookies(
        f"{BASE}/spaces/7/99.jpg", cookies, rsa_key.private_key.public_key(), time.time()
    )
    with pytest.raises(SigningInputError, match=r"^url: .* not covered by policy.resource"):
        signer.url(f"{BASE}/spaces/8/x.jpg", policy=policy)


def test_a_rotated_key_signs_the_policy_again(rsa_key: SigningKey, ec_key: SigningKey) -> None:
    """The policy cache is per key: after a key change the new key signs."""

    class Switchable:
        def __init__(self) -> None:
            self.current = rsa_key

        def signing_key(self) -> SigningKey:
            return self.current

        def refresh(self) -> None:
            return None

    source = Switchable()
    signer = Signer(source)
    policy = Policy(f"{BASE}/g/*", expires_at=int(time.time()) + 60)
    before = signer.url(f"{BASE}/g/1.jpg", policy=policy)
    source.current = SigningKey(ec_key.private_key, "K3D5EWEUDCCXON")
    after = signer.url(f"{BASE}/g/1.jpg", policy=policy)
    assert "Key-Pair-Id=K2JCJMDEHXQW5F" in before and "Key-Pair-Id=K3D5EWEUDCCXON" in after
    reference_verify_url(after, ec_key.private_key.public_key(), time.time())


BAD_INPUT = [
    ({"url": "/relative/path.jpg", "expires_in": 60}, "^url: "),
    ({"url": f"{BASE}/a b.jpg", "expires_in": 60}, "^url: .*percent-encoded"),
    ({"url": f"{BASE}/ünï.jpg", "expires_in": 60}, "^url: "),
    ({"url": f"{BASE}/a.jpg#top", "expires_in": 60}, "^url: .*fragment"),
    ({"url": f"{BASE}/a.jpg?Signature=x", "expires_in": 60}, "^url: .*CloudFront parameter"),
    ({"url": f"{BASE}/a.jpg"}, "^expires_at: .*needs an expiry"),
    ({"url": f"{BASE}/a.jpg", "expires_at": 1_000_000_000}, "^expires_at: .*not in the future"),
    ({"url": f"{BASE}/a.jpg", "expires_at": datetime(2035, 1, 1)}, "^expires_at: .*naive"),
    ({"url": f"{BASE}/a.jpg", "expires_at": "tomorrow"}, "^expires_at: .*epoch seconds"),
    ({"url": f"{BASE}/a.jpg", "expires_in": -5}, "^expires_in: "),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_INPUT)
def test_bad_url_input_names_the_argument(
    rsa_key: SigningKey, arguments: dict[str, object], message: str
) -> None:
    url = arguments.pop("url")
    with pytest.raises(SigningInputError, match=message):
        Signer(rsa_key).url(url, **arguments)  # type: ignore[arg-type]


BAD_POLICIES = [
    ({"resource": "cdn.example.com/*"}, "^resource: "),
    ({"resource": f"{BASE}/a b/*"}, "^resource: "),
    ({"resource": f'{BASE}/"quoted"'}, "^resource: "),
    ({"expires_at": None}, "^expires_at: .*needs an expiry"),
    ({"expires_at": int(time.time()) - 10}, "^expires_at: .*not in the future"),
    ({"not_before": int(time.time()) + 7200}, "^not_before: .*before expires_at"),
    ({"ip_range": "2001:db8::/32"}, "^ip_range: .*IPv6"),
    ({"ip_range": "not-an-ip"}, "^ip_range: "),
]


@pytest.mark.parametrize(("change", "message"), BAD_POLICIES)
def test_bad_policy_input_names_the_argument(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"resource": f"{BASE}/x/*", "expires_at": time.time() // 1}
    arguments["expires_at"] = int(time.time()) + 3600
    arguments.update(change)
    with pytest.raises(SigningInputError, match=message):
        Policy(**arguments)  # type: ignore[arg-type]


def test_keys_cloudfront_does_not_trust_are_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    others = [
        rsa.generate_private_key(public_exponent=65537, key_size=3072),
        ec.generate_private_key(ec.SECP384R1()),
        ed25519.Ed25519PrivateKey.generate(),
    ]
    for other in others:
        with pytest.raises(SigningInputError, match=r"^private_key: .*RSA-2048 and ECDSA P-256"):
            SigningKey(other, "K2JCJMDEHXQW5F")
    with pytest.raises(SigningInputError, match=r"^private_key_pem: "):
        SigningKey.from_pem("-----BEGIN PRIVATE KEY-----\nnope\n", "K2JCJMDEHXQW5F")


def test_key_pair_id_and_hash_algorithm_are_checked(rsa_key: SigningKey) -> None:
    with pytest.raises(SigningInputError, match=r"^key_pair_id: .*not the key group"):
        SigningKey(rsa_key.private_key, "3f0c2f52-key-group")
    with pytest.raises(SigningInputError, match=r"^hash_algorithm: "):
        Signer(rsa_key, hash_algorithm="MD5")


def test_an_expired_policy_is_not_signed_again(rsa_key: SigningKey) -> None:
    policy = Policy(f"{BASE}/x/*", expires_at=int(time.time()) + 1)
    signer = Signer(rsa_key)
    signer.url(f"{BASE}/x/1.jpg", policy=policy)
    time.sleep(1.1)
    with pytest.raises(SigningInputError, match=r"^policy: expired"):
        signer.url(f"{BASE}/x/1.jpg", policy=policy)


def test_invalid_signature_is_caught_by_the_reference(rsa_key: SigningKey) -> None:
    """The independent check can fail: a URL signed by another key does not pass it."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = Signer(rsa_key).url(f"{BASE}/a.jpg", expires_in=60)
    with pytest.raises(InvalidSignature):
        reference_verify_url(signed, other.public_key(), time.time())
