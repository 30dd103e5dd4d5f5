"""Check a signed URL or signed cookies the way CloudFront does, written from its guide.

This module reads only the CloudFront developer guide, never the signer: it rebuilds the base
URL without CloudFront's parameters, takes the canned statement (``Expires``) or decodes the
custom one (``Policy``), checks the signature with the public key named by ``Key-Pair-Id``
(SHA-1, or SHA-256 with ``Hash-Algorithm=SHA256``; RSA PKCS#1 v1.5 or ECDSA), then the
statement: the resource (``*`` any run, ``?`` one character), ``DateLessThan``,
``DateGreaterThan`` and ``IpAddress`` (IPv4 CIDR).
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-custom-policy.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-setting-signed-cookie-canned-policy.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-setting-signed-cookie-custom-policy.html
403 messages ("Missing Key-Pair-Id query parameter or cookie value", "Unknown Key"):
https://repost.aws/knowledge-center/cloudfront-troubleshoot-signed-url-cookies
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

PublicKeys = Mapping[str, Any]  # key pair ID -> PEM (str/bytes) or a loaded public key
_URL_NAMES = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
_COOKIE_PREFIX = "CloudFront-"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Would CloudFront serve it? ``reason`` says why not; ``error_code`` is CloudFront's
    403 code (MissingKey, InvalidKey, AccessDenied)."""

    ok: bool
    reason: str
    key_pair_id: str | None = None
    error_code: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def _deny(reason: str, key_pair_id: str | None = None, code: str = "AccessDenied") -> Verdict:
    return Verdict(False, reason, key_pair_id, code)


def verify_url(
    url: str, public_keys: PublicKeys, now: float | None = None, client_ip: str | None = None
) -> Verdict:
    """Verify a signed URL. ``now``: epoch seconds (default: the clock); ``client_ip``: the
    viewer's address, needed only when the policy has an ``IpAddress`` condition."""
    base, query = url.split("#", 1)[0], ""
    if "?" in base:
        base, query = base.split("?", 1)
    fields: dict[str, str] = {}
    kept: list[str] = []
    for pair in query.split("&") if query else ():
        name, _, value = pair.partition("=")
        if name in _URL_NAMES:
            if name in fields:
                return _deny(f"{name} appears twice")
            fields[name] = value
        else:
            kept.append(pair)
    resource_url = base + ("?" + "&".join(kept) if kept else "")
    return _check(resource_url, fields, public_keys, now, client_ip)


def verify_cookies(
    url: str,
    cookies: Mapping[str, str],
    public_keys: PublicKeys,
    now: float | None = None,
    client_ip: str | None = None,
) -> Verdict:
    """Verify signed cookies for a request to ``url`` (the URL as the viewer requested it)."""
    fields = {
        name[len(_COOKIE_PREFIX) :]: value
        for name, value in cookies.items()
        if name.startswith(_COOKIE_PREFIX) and name[len(_COOKIE_PREFIX) :] in _URL_NAMES
    }
    return _check(url.split("#", 1)[0], fields, public_keys, now, client_ip)


def _check(
    resource_url: str,
    fields: Mapping[str, str],
    public_keys: PublicKeys,
    now: float | None,
    client_ip: str | None,
) -> Verdict:
    key_id = fields.get("Key-Pair-Id", "")
    if not key_id:
        return _deny("Missing Key-Pair-Id query parameter or cookie value", None, "MissingKey")
    if key_id not in public_keys:
        return _deny(f"Unknown Key: {key_id} is not a trusted public key", key_id, "InvalidKey")
    statement, problem = _statement(resource_url, fields)
    if statement is None:
        return _deny(problem, key_id)
    hash_name = fields.get("Hash-Algorithm", "SHA1")
    if hash_name not in ("SHA1", "SHA256"):
        return _deny(f"Hash-Algorithm {hash_name!r} is not SHA256 (or absent for SHA-1)", key_id)
    signature = _b64decode(fields.get("Signature", ""))
    if not signature:
        return _deny("Signature is missing or not CloudFront base64", key_id)
    if not _signature_matches(public_keys[key_id], statement, signature, hash_name):
        return _deny("Signature does not match the policy and key", key_id)
    problem = _conditions(statement, resource_url, time.time() if now is None else now, client_ip)
    if problem:
        return _deny(problem, key_id)
    return Verdict(True, "signature and policy accepted", key_id, None)


def _statement(resource_url: str, fields: Mapping[str, str]) -> tuple[bytes | None, str]:
    """The signed statement: rebuilt for a canned policy, decoded for a custom one."""
    expires, policy = fields.get("Expires"), fields.get("Policy")
    if expires is not None and policy is not None:
        return None, "both Expires and Policy are present"
    if expires is not None:
        if not expires.isdigit():
            return None, f"Expires {expires!r} is not epoch seconds"
        # The guide's canned statement, whitespace removed, Resource = the base URL.
        text = (
            '{"Statement":[{"Resource":'
            + json.dumps(resource_url, ensure_ascii=False)
            + ',"Condition":{"DateLessThan":{"AWS:EpochTime":'
            + str(int(expires))
            + "}}}]}"
        )
        return text.encode(), ""
    if policy is None:
        return None, "neither Expires (canned) nor Policy (custom) is present"
    decoded = _b64decode(policy)
    if not decoded:
        return None, "Policy is not CloudFront base64"
    return decoded, ""


def _b64decode(text: str) -> bytes:
    try:
        raw = text.replace("-", "+").replace("_", "=").replace("~", "/")
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return b""


@lru_cache(maxsize=64)
def _load_public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def _signature_matches(key: Any, message: bytes, signature: bytes, hash_name: str) -> bool:
    if isinstance(key, str | bytes):
        key = _load_public_key(key.encode() if isinstance(key, str) else key)
    chosen = hashes.SHA256() if hash_name == "SHA256" else hashes.SHA1()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), chosen)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(chosen))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _conditions(statement: bytes, url: str, now: float, client_ip: str | None) -> str:
    """'' when the statement grants ``url`` at ``now`` to ``client_ip``, else the reason."""
    try:
        document = json.loads(statement)
        [entry] = document["Statement"]
        condition = entry["Condition"]
        less_than = condition["DateLessThan"]["AWS:EpochTime"]
    except (ValueError, KeyError, TypeError):
        return "the policy is not one statement with Condition.DateLessThan"
    resource = entry.get("Resource")
    if resource is not None and not _wildcard_match(str(resource), url):
        return f"the policy's Resource {resource!r} does not match {url!r}"
    if not now < less_than:
        return f"expired: DateLessThan {less_than} is not after now ({int(now)})"
    greater_than = condition.get("DateGreaterThan", {}).get("AWS:EpochTime")
    if greater_than is not None and not now > greater_than:
        return f"not yet valid: DateGreaterThan {greater_than} is not before now ({int(now)})"
    source = condition.get("IpAddress", {}).get("AWS:SourceIp")
    if source is not None and not _ip_in(client_ip, str(source)):
        return f"client IP {client_ip} is not in IpAddress {source}"
    return ""


def _wildcard_match(pattern: str, url: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, url, re.S) is not None


def _ip_in(client_ip: str | None, cidr: str) -> bool:
    try:
        return ipaddress.IPv4Address(client_ip or "") in ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return False
