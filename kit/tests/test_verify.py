"""verify_url / verify_cookies: what CloudFront refuses, and why."""

from __future__ import annotations

import time

import pytest
from cryptography.exceptions import InvalidSignature
from guide_reference import reference_verify_cookies, reference_verify_url
from signed_urls import Policy, Signer, SigningKey, verify_cookies, verify_url

BASE = "https://cdn.example.com"


def _keys(key: SigningKey) -> dict[str, str]:
    return {key.key_pair_id: key.public_key_pem()}


def _replace_param(url: str, name: str, change: str) -> str:
    head, _, tail = url.partition(f"{name}=")
    value, sep, rest = tail.partition("&")
    return f"{head}{name}={change if change else value[:-1]}{sep}{rest}"


def _flip(text: str, index: int) -> str:
    return text[:index] + ("B" if text[index] != "B" else "C") + text[index + 1 :]


def _tampered(url: str) -> dict[str, str]:
    """Every part of a signed URL changed, one at a time."""
    query = url.partition("?")[2]
    pairs = dict(pair.split("=", 1) for pair in query.split("&"))
    out = {
        "path": url.replace("/spaces/42/a.jpg", "/spaces/42/b.jpg", 1),
        "host": url.replace("cdn.example.com", "cdn2.example.com", 1),
        "own query": url.replace("size=large", "size=small", 1),
        "signature": _replace_param(url, "Signature", _flip(pairs["Signature"], 5)),
        "hash algorithm": url.replace("&Hash-Algorithm=SHA256", "")
        if "Hash-Algorithm" in pairs
        else url + "&Hash-Algorithm=SHA256",
    }
    if "Expires" in pairs:
        out["expires"] = _replace_param(url, "Expires", str(int(pairs["Expires"]) + 1))
    else:
        out["policy"] = _replace_param(url, "Policy", _flip(pairs["Policy"], 30))
    return out


@pytest.mark.parametrize("hash_algorithm", ["SHA256", "SHA1"])
@pytest.mark.parametrize("form", ["canned", "custom"])
def test_tampering_with_any_part_fails(key: SigningKey, hash_algorithm: str, form: str) -> None:
    signer = Signer(key, hash_algorithm=hash_algorithm)
    url = f"{BASE}/spaces/42/a.jpg?size=large"
    if form == "canned":
        signed = signer.url(url, expires_in=300)
    else:
        policy = Policy(f"{BASE}/spaces/4?/a.jpg?size=large", expires_at=int(time.time()) + 300)
        signed = signer.url(url, policy=policy)
    public = key.private_key.public_key()
    assert verify_url(signed, _keys(key)).ok
    for part, changed in _tampered(signed).items():
        verdict = verify_url(changed, _keys(key))
        assert not verdict.ok, part
        assert verdict.error_code == "AccessDenied", part
        with pytest.raises((InvalidSignature, AssertionError, ValueError, KeyError)):
            reference_verify_url(changed, public, time.time())


@pytest.mark.parametrize("form", ["canned", "custom"])
def test_tampered_cookies_fail(key: SigningKey, form: str) -> None:
    signer = Signer(key)
    resource = f"{BASE}/g/1.jpg" if form == "canned" else f"{BASE}/g/*"
    cookies = signer.cookies(Policy(resource, expires_at=int(time.time()) + 300))
    assert verify_cookies(f"{BASE}/g/1.jpg", cookies, _keys(key)).ok
    for name in cookies:
        if name == "CloudFront-Key-Pair-Id":
            continue
        changed = dict(cookies)
        changed[name] = _flip(changed[name], 3) if name != "CloudFront-Expires" else "1999999999"
        assert not verify_cookies(f"{BASE}/g/1.jpg", changed, _keys(key)).ok, name
        with pytest.raises((InvalidSignature, AssertionError, ValueError, KeyError)):
            reference_verify_cookies(
                f"{BASE}/g/1.jpg", changed, key.private_key.public_key(), time.time()
            )
    if form == "canned":  # a canned cookie grants its one URL only
        assert not verify_cookies(f"{BASE}/g/2.jpg", cookies, _keys(key)).ok


def test_expiry_and_start(key: SigningKey) -> None:
    now = int(time.time())
    signed = Signer(key).url(f"{BASE}/a.jpg", expires_at=now + 60)
    assert verify_url(signed, _keys(key), now=now + 59).ok
    expired = verify_url(signed, _keys(key), now=now + 60)
    assert not expired.ok and expired.reason.startswith("expired")
    policy = Policy(f"{BASE}/*", expires_at=now + 600, not_before=now + 100)
    later = Signer(key).url(f"{BASE}/a.jpg", policy=policy)
    assert not verify_url(later, _keys(key), now=now + 50).ok
    assert verify_url(later, _keys(key), now=now + 101).ok


def test_missing_and_unknown_keys_have_cloudfront_codes(key: SigningKey) -> None:
    signed = Signer(key).url(f"{BASE}/a.jpg", expires_in=60)
    missing = verify_url(signed.split("&Key-Pair-Id")[0], _keys(key))
    assert (missing.ok, missing.error_code) == (False, "MissingKey")
    assert missing.reason == "Missing Key-Pair-Id query parameter or cookie value"
    unknown = verify_url(signed, {"KOTHERKEY": key.public_key_pem()})
    assert (unknown.ok, unknown.error_code) == (False, "InvalidKey")
    assert verify_url(f"{BASE}/a.jpg", _keys(key)).error_code == "MissingKey"
    assert verify_cookies(f"{BASE}/a.jpg", {}, _keys(key)).error_code == "MissingKey"


def test_wildcards_follow_the_guide(key: SigningKey) -> None:
    """'*' matches any run (slashes too), '?' exactly one character, anywhere."""
    now = int(time.time())
    cases = [
        (f"{BASE}/*game_download.zip*", f"{BASE}/test_game_download.zip?license=temp", True),
        (f"{BASE}/*game_download.zip*", f"{BASE}/game_download.zip", True),
        (f"{BASE}/v?/a.jpg", f"{BASE}/v1/a.jpg", True),
        (f"{BASE}/v?/a.jpg", f"{BASE}/v12/a.jpg", False),
        (f"{BASE}/spaces/42/*", f"{BASE}/spaces/420/a.jpg", False),
        ("https://*", f"{BASE}/anything/at/all.jpg", True),
    ]
    for resource, url, expected in cases:
        cookies = Signer(key).cookies(Policy(resource, expires_at=now + 60))
        assert verify_cookies(url, cookies, _keys(key)).ok is expected, (resource, url)


def test_signature_from_another_key_with_the_same_id_fails(rsa_key: SigningKey) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    impostor = SigningKey(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), rsa_key.key_pair_id
    )
    signed = Signer(impostor).url(f"{BASE}/a.jpg", expires_in=60)
    verdict = verify_url(signed, _keys(rsa_key))
    assert not verdict.ok and "Signature" in verdict.reason


def test_duplicate_or_conflicting_parameters_fail(key: SigningKey) -> None:
    signed = Signer(key).url(f"{BASE}/a.jpg", expires_in=60)
    assert not verify_url(signed + "&Expires=1", _keys(key)).ok
    assert not verify_url(signed + "&Policy=e30_", _keys(key)).ok
