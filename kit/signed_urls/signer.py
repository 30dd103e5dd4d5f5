"""``Signer``: canned and custom-policy URLs and cookies, from a fixed key or the secret.

Canned URL: ``Expires``, ``Signature``, ``Key-Pair-Id``; custom: ``Policy``, ``Signature``,
``Key-Pair-Id``; ``Hash-Algorithm=SHA256`` unless SHA-1 (CloudFront's default) is asked for.
Cookies: ``CloudFront-Expires`` or ``CloudFront-Policy``, ``CloudFront-Signature``,
``CloudFront-Key-Pair-Id``, ``CloudFront-Hash-Algorithm``.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-cookies.html
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from signed_urls.errors import SigningInputError
from signed_urls.keys import SigningKey, check_hash_algorithm
from signed_urls.policy import (
    MAX_EPOCH,
    Moment,
    Policy,
    canned_statement,
    check_url,
    cloudfront_b64,
    future_epoch,
)

#: Signed policies kept per signer (a policy is signed once, then appended to many URLs).
_POLICY_CACHE_SIZE = 1024


class KeySource(Protocol):
    """Where a signer gets the key to sign with now (a fixed key, or the rotating secret)."""

    def signing_key(self) -> SigningKey: ...

    def refresh(self) -> None: ...


class _FixedKey:
    def __init__(self, key: SigningKey) -> None:
        self._key = key

    def signing_key(self) -> SigningKey:
        return self._key

    def refresh(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class SignedPolicy:
    """A custom policy signed once: its query string and cookie values."""

    policy: Policy
    query: str
    cookies: dict[str, str]


class Signer:
    """Signs CloudFront URLs and cookies. Thread-safe; share one per process."""

    def __init__(self, key: SigningKey | KeySource, *, hash_algorithm: str = "SHA256") -> None:
        self._source: KeySource = _FixedKey(key) if isinstance(key, SigningKey) else key
        self.hash_algorithm = check_hash_algorithm(hash_algorithm)
        self._suffix = "&Hash-Algorithm=SHA256" if hash_algorithm == "SHA256" else ""
        self._signed: dict[tuple[str, Policy], SignedPolicy] = {}

    @classmethod
    def from_secret(
        cls,
        secret_arn: str,
        client: Any = None,
        cache_seconds: float = 300,
        *,
        hash_algorithm: str = "SHA256",
        rotation_window_seconds: float = 300,
    ) -> Signer:
        """A signer over the key pair product's secret: cached, re-read after ``cache_seconds``
        or ``refresh()``, signing with the previous key right after a rotation while that is
        safe (docs/key-pair-secret-format.md). ``client``: a boto3 Secrets Manager client."""
        from signed_urls.secret import SecretKeySource

        source = SecretKeySource(
            secret_arn,
            client=client,
            cache_seconds=cache_seconds,
            rotation_window_seconds=rotation_window_seconds,
        )
        source.signing_key()  # fail now, not at the first request, on a bad or empty secret
        return cls(source, hash_algorithm=hash_algorithm)

    @property
    def key(self) -> SigningKey:
        """The key the next signature will use."""
        return self._source.signing_key()

    def refresh(self) -> None:
        """Re-read the key now (e.g. after CloudFront answered 403 for a fresh URL)."""
        self._source.refresh()
        self._signed.clear()

    def url(
        self,
        url: str,
        *,
        expires_at: Moment | None = None,
        expires_in: float | None = None,
        policy: Policy | None = None,
    ) -> str:
        """A signed URL: canned with ``expires_at``/``expires_in``, custom with ``policy``."""
        if policy is not None:
            if expires_at is not None or expires_in is not None:
                raise SigningInputError("policy: give either policy or expires_at/expires_in")
            return self._custom_url(url, policy)
        expires = _expiry(expires_at, expires_in)
        check_url(url)
        key = self._source.signing_key()
        signature = cloudfront_b64(key.sign(canned_statement(url, expires), self.hash_algorithm))
        return (
            f"{url}{'&' if '?' in url else '?'}Expires={expires}&Signature={signature}"
            f"&Key-Pair-Id={key.key_pair_id}{self._suffix}"
        )

    def urls(self, urls: Iterable[str], *, policy: Policy) -> list[str]:
        """Many URLs under one custom policy (e.g. a gallery): one signature for all."""
        query = self.sign_policy(policy).query
        return [self._append(url, policy, query) for url in urls]

    def sign_policy(self, policy: Policy) -> SignedPolicy:
        """The policy signed with the current key (cached until it expires or the key changes)."""
        if not isinstance(policy, Policy):
            raise SigningInputError(f"policy: {policy!r} must be a signed_urls.Policy")
        if policy.expires_at <= time.time():  # type: ignore[operator]
            raise SigningInputError(f"policy: expired at {policy.expires_at}; make a new Policy")
        key = self._source.signing_key()
        cache_key = (key.key_pair_id, policy)
        signed = self._signed.get(cache_key)
        if signed is None:
            signed = self._sign_custom(key, policy)
            if len(self._signed) >= _POLICY_CACHE_SIZE:
                self._signed.clear()
            self._signed[cache_key] = signed
        return signed

    def cookies(self, policy: Policy) -> dict[str, str]:
        """Signed cookies for ``policy``: a canned set when the policy is an exact URL with no
        start or IP range, a custom set otherwise. Set them with Secure and HttpOnly."""
        if isinstance(policy, Policy) and policy.is_canned:
            expires = future_epoch(policy.expires_at, "expires_at")
            key = self._source.signing_key()
            message = canned_statement(policy.resource, expires)
            cookies = {
                "CloudFront-Expires": str(expires),
                "CloudFront-Signature": cloudfront_b64(key.sign(message, self.hash_algorithm)),
                "CloudFront-Key-Pair-Id": key.key_pair_id,
            }
            return self._with_hash_cookie(cookies)
        return dict(self.sign_policy(policy).cookies)

    def cookie_headers(
        self, policy: Policy, *, domain: str | None = None, path: str = "/"
    ) -> list[str]:
        """``Set-Cookie`` header values (Secure, HttpOnly, SameSite=Lax, no Max-Age: they go
        when the browser closes). ``domain`` must be your custom domain, shared with the app."""
        attributes = f"; Path={path}; Secure; HttpOnly; SameSite=Lax"
        if domain:
            attributes = f"; Domain={domain}{attributes}"
        return [f"{name}={value}{attributes}" for name, value in self.cookies(policy).items()]

    def _custom_url(self, url: str, policy: Policy) -> str:
        return self._append(url, policy, self.sign_policy(policy).query)

    @staticmethod
    def _append(url: str, policy: Policy, query: str) -> str:
        check_url(url)
        if not policy.covers(url):
            raise SigningInputError(f"url: {url!r} is not covered by policy.resource")
        return f"{url}{'&' if '?' in url else '?'}{query}"

    def _sign_custom(self, key: SigningKey, policy: Policy) -> SignedPolicy:
        statement = policy.to_json().encode()
        encoded = cloudfront_b64(statement)
        signature = cloudfront_b64(key.sign(statement, self.hash_algorithm))
        query = f"Policy={encoded}&Signature={signature}&Key-Pair-Id={key.key_pair_id}"
        cookies = {
            "CloudFront-Policy": encoded,
            "CloudFront-Signature": signature,
            "CloudFront-Key-Pair-Id": key.key_pair_id,
        }
        return SignedPolicy(policy, query + self._suffix, self._with_hash_cookie(cookies))

    def _with_hash_cookie(self, cookies: dict[str, str]) -> dict[str, str]:
        if self.hash_algorithm == "SHA256":
            cookies["CloudFront-Hash-Algorithm"] = "SHA256"
        return cookies


def _expiry(expires_at: Moment | None, expires_in: float | None) -> int:
    if type(expires_at) is int and expires_in is None and time.time() < expires_at <= MAX_EPOCH:
        return expires_at  # the common case, checked in one line
    if expires_in is not None:
        if expires_at is not None:
            raise SigningInputError("expires_in: give either expires_at or expires_in")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            raise SigningInputError(f"expires_in: {expires_in!r} must be a number of seconds")
        if expires_in <= 0:
            raise SigningInputError(f"expires_in: {expires_in} must be more than 0 seconds")
        return future_epoch(int(time.time()) + math.ceil(expires_in), "expires_in")
    if expires_at is None:
        raise SigningInputError("expires_at: a signed URL needs an expiry (or pass policy=)")
    return future_epoch(expires_at, "expires_at")
