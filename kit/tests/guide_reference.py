"""An independent check of signed URLs and cookies, written in the tests from the CloudFront
developer guide (not from signed_urls): the statement a canned policy implies, the Policy a
custom one carries, the signature over it, and the expiry.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-custom-policy.html
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

CLOUDFRONT_PARAMETERS = {"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"}


def unbase64(text: str) -> bytes:
    """The guide's table backwards: - to +, _ to =, ~ to /."""
    return base64.b64decode(text.translate(str.maketrans("-_~", "+=/")))


def check_signature(public_key: Any, signature: bytes, message: bytes, sha256: bool) -> None:
    """Raises InvalidSignature unless ``signature`` signs ``message``."""
    digest = hashes.SHA256() if sha256 else hashes.SHA1()
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, message, padding.PKCS1v15(), digest)
    else:
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        public_key.verify(signature, message, ec.ECDSA(digest))


def signed_statement(resource: str, fields: dict[str, str]) -> tuple[bytes, dict[str, Any]]:
    """The bytes that were signed and the statement they hold."""
    if "Policy" in fields:
        raw = unbase64(fields["Policy"])
        return raw, json.loads(raw)["Statement"][0]
    expires = int(fields["Expires"])
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode(), statement


def resource_matches(pattern: str, url: str) -> bool:
    """The guide's wildcards: '*' zero or more characters, '?' exactly one."""
    regex = "".join({"*": ".*", "?": "."}.get(char, re.escape(char)) for char in pattern)
    return re.fullmatch(regex, url, flags=re.DOTALL) is not None


def reference_verify_url(url: str, public_key: Any, now: float) -> dict[str, Any]:
    """Check a signed URL; returns the statement, raises on any mismatch."""
    parts = urlsplit(url)
    # Raw pairs, never percent-decoded: the resource is the URL exactly as sent.
    pairs = [pair.partition("=")[::2] for pair in parts.query.split("&") if pair]
    fields = {name: value for name, value in pairs if name in CLOUDFRONT_PARAMETERS}
    own = "&".join(f"{n}={v}" for n, v in pairs if n not in CLOUDFRONT_PARAMETERS)
    resource = urlunsplit((parts.scheme, parts.netloc, parts.path, own, ""))
    message, statement = signed_statement(resource, fields)
    sha256 = fields.get("Hash-Algorithm") == "SHA256"
    check_signature(public_key, unbase64(fields["Signature"]), message, sha256)
    assert now < statement["Condition"]["DateLessThan"]["AWS:EpochTime"], "expired"
    assert resource_matches(statement["Resource"], resource), "resource"
    return statement


def reference_verify_cookies(
    url: str, cookies: dict[str, str], public_key: Any, now: float
) -> dict[str, Any]:
    fields = {name.removeprefix("CloudFront-"): value for name, value in cookies.items()}
    message, statement = signed_statement(url, fields)
    sha256 = fields.get("Hash-Algorithm") == "SHA256"
    check_signature(public_key, unbase64(fields["Signature"]), message, sha256)
    assert now < statement["Condition"]["DateLessThan"]["AWS:EpochTime"], "expired"
    assert resource_matches(statement["Resource"], url), "resource"
    return statement
