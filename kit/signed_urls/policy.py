"""What a signature grants: URLs, resource patterns, times and the policy statement.

Policy statements follow the CloudFront developer guide: one statement, JSON without
whitespace, ``DateLessThan`` required, ``DateGreaterThan`` and ``IpAddress`` (IPv4 CIDR) optional,
``*`` and ``?`` wildcards allowed anywhere in a custom policy's ``Resource``.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-custom-policy.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
"""

from __future__ import annotations

import binascii
import ipaddress
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from signed_urls.errors import SigningInputError

Moment = int | datetime

#: Query parameters CloudFront reads; an application's own parameters must not use them.
SIGNING_PARAMETERS = frozenset({"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"})
#: Epoch seconds must fit 32 bits (the guide's limit for CloudFront-Expires).
MAX_EPOCH = 2_147_483_647
#: CloudFront's maximum URL length.
MAX_URL_LENGTH = 8192

# Printable ASCII without space, '"', '#' and '\\': nothing to escape in the JSON policy, nothing
# a client would re-encode, no fragment. Non-ASCII and spaces must be percent-encoded first.
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?][!$-\[\]-~]*)?$")
_PATTERN = re.compile(r"^(?:https?://|\*)[!$-\[\]-~]*$")
_B64 = bytes.maketrans(b"+=/", b"-_~")


def cloudfront_b64(data: bytes) -> str:
    """Base64 with CloudFront's URL-safe substitutions: + to -, = to _, / to ~."""
    return binascii.b2a_base64(data, newline=False).translate(_B64).decode("ascii")


def check_url(url: str, argument: str = "url") -> str:
    """An absolute http(s) URL, percent-encoded, without fragment or CloudFront parameters."""
    if not isinstance(url, str) or not _URL.match(url) or len(url) > MAX_URL_LENGTH:
        raise SigningInputError(
            f"{argument}: {url!r} must be an absolute http(s) URL, percent-encoded (no spaces, "
            "non-ASCII, quotes or backslashes; build it with signed_urls.object_url), without "
            f"a #fragment, at most {MAX_URL_LENGTH} characters"
        )
    query = url.partition("?")[2]
    if query:
        for pair in query.split("&"):
            if pair.partition("=")[0] in SIGNING_PARAMETERS:
                raise SigningInputError(
                    f"{argument}: {url!r} already has a CloudFront parameter "
                    f"({pair.partition('=')[0]}); sign the URL without it"
                )
    return url


def object_url(base_url: str, key: str) -> str:
    """The URL of an object key under ``base_url``, percent-encoded the way it must be signed.

    Spaces, ``+``, non-ASCII and every other reserved character of the key are encoded
    (``/`` stays a path separator); use the signed URL exactly as returned.
    """
    if not isinstance(key, str) or not key.strip("/"):
        raise SigningInputError(f"key: {key!r} must be a non-empty object key")
    url = f"{base_url.rstrip('/')}/{quote(key.lstrip('/'), safe='/~')}"
    return check_url(url, "base_url")


def epoch(value: object, argument: str) -> int:
    """Epoch seconds from an int or a timezone-aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise SigningInputError(
                f"{argument}: {value!r} is a naive datetime; give a timezone (e.g. timezone.utc)"
            )
        seconds = int(value.timestamp())
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        raise SigningInputError(
            f"{argument}: {value!r} must be epoch seconds (int) or a timezone-aware datetime"
        )
    if not 0 < seconds <= MAX_EPOCH:
        raise SigningInputError(f"{argument}: {seconds} is outside 1..{MAX_EPOCH} epoch seconds")
    return seconds


def future_epoch(value: object, argument: str, now: float | None = None) -> int:
    seconds = epoch(value, argument)
    current = time.time() if now is None else now
    if seconds <= current:
        raise SigningInputError(f"{argument}: {seconds} is not in the future (now {int(current)})")
    return seconds


def _ipv4_range(value: object) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except (ValueError, TypeError):
        raise SigningInputError(
            f"ip_range: {value!r} must be an IPv4 address or CIDR range (e.g. 192.0.2.0/24); "
            "CloudFront policies do not take IPv6"
        ) from None
    return network.with_prefixlen


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """``*`` matches any run of characters (``/`` included), ``?`` exactly one."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.S)


@dataclass(frozen=True, slots=True)
class Policy:
    """A custom policy: one resource (wildcards allowed), an expiry, optional start and IP range."""

    resource: str
    expires_at: Moment
    not_before: Moment | None = None
    ip_range: str | None = None
    _prefix: str | None = field(init=False, repr=False, compare=False, hash=False)
    _matcher: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        resource = self.resource
        if not isinstance(resource, str) or not _PATTERN.match(resource):
            raise SigningInputError(
                f"resource: {resource!r} must start with http://, https:// or *, and hold only "
                "printable ASCII without spaces, quotes, '#' or backslashes (percent-encode them)"
            )
        if len(resource) > MAX_URL_LENGTH:
            raise SigningInputError(f"resource: longer than {MAX_URL_LENGTH} characters")
        if self.expires_at is None:
            raise SigningInputError("expires_at: a policy needs an expiry (CloudFront requires it)")
        expires = future_epoch(self.expires_at, "expires_at")
        object.__setattr__(self, "expires_at", expires)
        if self.not_before is not None:
            start = epoch(self.not_before, "not_before")
            if start >= expires:
                raise SigningInputError(f"not_before: {start} must be before expires_at {expires}")
            object.__setattr__(self, "not_before", start)
        if self.ip_range is not None:
            object.__setattr__(self, "ip_range", _ipv4_range(self.ip_range))
        # "<prefix>*", the common gallery form, is a prefix test; other patterns a regex.
        simple = resource.endswith("*") and "*" not in resource[:-1] and "?" not in resource
        object.__setattr__(self, "_prefix", resource[:-1] if simple else None)
        object.__setattr__(self, "_matcher", None if simple else pattern_regex(resource))

    @property
    def is_canned(self) -> bool:
        """True when a canned policy says the same: an exact URL (no ``*`` or ``?``, which are
        wildcards here), no start, no IP range."""
        return (
            "*" not in self.resource
            and "?" not in self.resource
            and self.not_before is None
            and self.ip_range is None
            and bool(_URL.match(self.resource))
        )

    def covers(self, url: str) -> bool:
        """Whether CloudFront would match ``url`` (without its signing parameters)."""
        if self._prefix is not None:
            return url.startswith(self._prefix)
        assert self._matcher is not None
        return self._matcher.fullmatch(url) is not None

    def to_json(self) -> str:
        """The statement CloudFront reads: compact JSON, one statement."""
        condition = f'"DateLessThan":{{"AWS:EpochTime":{self.expires_at}}}'
        if self.not_before is not None:
            condition += f',"DateGreaterThan":{{"AWS:EpochTime":{self.not_before}}}'
        if self.ip_range is not None:
            condition += f',"IpAddress":{{"AWS:SourceIp":"{self.ip_range}"}}'
        return f'{{"Statement":[{{"Resource":"{self.resource}","Condition":{{{condition}}}}}]}}'


def canned_statement(url: str, expires: int) -> bytes:
    """The canned policy statement for ``url``; only its signature travels in the URL."""
    return (
        f'{{"Statement":[{{"Resource":"{url}","Condition":'
        f'{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}'
    ).encode()
