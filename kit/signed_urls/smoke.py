"""``signed-urls smoke``: check a provisioned stack the way the seeds test it by hand.

A signed upload lands; a signed download returns it (200) until it expires and 403 after;
an unsigned URL, a tampered signature, a tampered path and a direct bucket URL are refused.
The objects it writes stay under ``<upload prefix>/smoke/`` (the bucket never allows deletes
through CloudFront): a lifecycle rule on the prefix cleans them up.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from signed_urls.policy import check_url, object_url
from signed_urls.signer import Signer

HttpResult = tuple[int, bytes]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class SmokeTarget:
    """What the smoke test needs from the stacks: the distribution's ``BaseUrl``, and the
    bucket's direct URL (``https://<BucketRegionalDomainName>``) for the refusal check."""

    base_url: str
    bucket_url: str | None = None
    upload_prefix: str = "uploads"


def http(method: str, url: str, body: bytes | None = None, timeout: float = 30) -> HttpResult:
    """One request; (status, body), 0 and the reason when the connection fails."""
    headers = {}
    if body is not None:  # Origin Access Control signs uploads with the payload hash
        headers = {"Content-Type": "text/plain", "x-amz-content-sha256": _sha256(body)}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        return 0, str(getattr(error, "reason", error)).encode()


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _tamper_signature(url: str) -> str:
    head, _, tail = url.partition("Signature=")
    first = tail[:1]
    return f"{head}Signature={'B' if first == 'A' else 'A'}{tail[1:]}"


def run_smoke(
    signer: Signer,
    target: SmokeTarget,
    *,
    expiry_seconds: int = 10,
    request: Callable[..., HttpResult] = http,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Check]:
    """Run every check (each one, even after a failure) and return them in order."""
    check_url(target.base_url.rstrip("/") + "/", "base_url")
    run = uuid.uuid4().hex[:12]
    key = f"{target.upload_prefix}/smoke/{run}.txt"
    url = object_url(target.base_url, key)
    content = f"signed-urls smoke {run}\n".encode()
    checks: list[Check] = []

    def record(name: str, result: HttpResult, want: int, body: bytes | None = None) -> None:
        status, got = result
        ok = status == want and (body is None or got == body)
        detail = f"HTTP {status}" + ("" if ok or body is None or got == body else ", other body")
        checks.append(Check(name, ok, detail if ok else f"{detail} (want {want}): {got[:120]!r}"))

    record("signed upload lands", request("PUT", signer.url(url, expires_in=60), content), 200)
    # A second object, so that the tampered-path check asks for something that exists.
    other_url = object_url(target.base_url, f"{target.upload_prefix}/smoke/{run}-other.txt")
    record(
        "second signed upload lands",
        request("PUT", signer.url(other_url, expires_in=60), content),
        200,
    )
    expires_at = int(time.time()) + expiry_seconds
    download = signer.url(url, expires_at=expires_at)
    record("signed download returns the object", request("GET", download), 200, content)
    record("unsigned URL refused", request("GET", url), 403)
    record("tampered signature refused", request("GET", _tamper_signature(download)), 403)
    tampered = download.replace(url, other_url, 1)
    record("tampered path refused", request("GET", tampered), 403)
    if target.bucket_url:
        direct = object_url(target.bucket_url, key)
        record("direct bucket URL refused", request("GET", direct), 403)
    sleep(max(0.0, expires_at - time.time()) + 1.5)
    record("expired URL refused", request("GET", download), 403)
    return checks
