"""``signed-urls smoke``: check a provisioned stack the way the seeds test it by hand.

A signed upload lands in the inbox (``uploads/``), which cannot be read back nor written with a
custom policy; published out of it with S3 access (as the application does), a signed download
returns it (200) until it expires and 403 after; an unsigned URL, a tampered signature, a
tampered path, a download URL used to write and a direct bucket URL are refused. The published
copies stay under ``smoke/`` (the integration role may not delete outside ``uploads/``).
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signed_urls.policy import Policy, check_url, object_url
from signed_urls.signer import Signer

HttpResult = tuple[int, bytes]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class SmokeTarget:
    """What the smoke test needs from the stacks: the distribution's ``BaseUrl``, the bucket
    (to publish the upload out of the inbox, as the application does), and the bucket's
    direct URL (``https://<BucketRegionalDomainName>``) for the refusal check."""

    base_url: str
    bucket: str
    bucket_url: str | None = None
    upload_prefix: str = "uploads"
    served_prefix: str = "smoke"


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


class _Run:
    """One smoke run: its object keys, URLs and the checks recorded so far."""

    def __init__(self, signer: Signer, target: SmokeTarget, request: Callable[..., HttpResult]):
        check_url(target.base_url.rstrip("/") + "/", "base_url")
        self.signer, self.target, self.request = signer, target, request
        run = uuid.uuid4().hex[:12]
        self.content = f"signed-urls smoke {run}\n".encode()
        self.inbox_key = f"{target.upload_prefix}/smoke-{run}.txt"
        self.served = [f"{target.served_prefix}/{run}.txt", f"{target.served_prefix}/{run}-b.txt"]
        self.checks: list[Check] = []

    def url(self, key: str) -> str:
        return object_url(self.target.base_url, key)

    def record(self, name: str, result: HttpResult, want: int, body: bytes | None = None) -> None:
        status, got = result
        ok = status == want and (body is None or got == body)
        detail = f"HTTP {status}" if ok else f"HTTP {status} (want {want}): {got[:120]!r}"
        self.checks.append(Check(name, ok, detail))

    def step(self, name: str, action: Callable[[], object]) -> bool:
        try:
            action()
        except Exception as error:
            self.checks.append(Check(name, False, f"{type(error).__name__}: {error}"))
            return False
        self.checks.append(Check(name, True, "done"))
        return True


def _upload_and_publish(run: _Run, s3: Any) -> bool:
    """Upload through the inbox, check it stays write-only, publish it with S3 access."""
    signer, bucket, inbox = run.signer, run.target.bucket, run.url(run.inbox_key)
    run.record(
        "signed upload lands",
        run.request("PUT", signer.url(inbox, expires_in=60), run.content),
        200,
    )
    run.record(
        "upload inbox is not readable", run.request("GET", signer.url(inbox, expires_in=60)), 405
    )
    gallery = Policy(run.url(run.target.upload_prefix) + "/*", expires_at=int(time.time()) + 60)
    run.record(
        "custom-policy URL cannot upload",
        run.request("PUT", signer.url(inbox, policy=gallery), b"x"),
        403,
    )

    def publish() -> None:
        for key in run.served:  # what the application does (docs/onboarding.md, section 4)
            source = {"Bucket": bucket, "Key": run.inbox_key}
            s3.copy_object(Bucket=bucket, Key=key, CopySource=source)
        s3.delete_object(Bucket=bucket, Key=run.inbox_key)

    return run.step("upload published out of the inbox", publish)


def run_smoke(
    signer: Signer,
    target: SmokeTarget,
    s3: Any,
    *,
    expiry_seconds: int = 10,
    request: Callable[..., HttpResult] = http,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Check]:
    """Run every check and return them in order. ``s3``: a boto3 S3 client allowed to copy
    out of the inbox and delete in it (the integration role with the bucket)."""
    run = _Run(signer, target, request)
    if not _upload_and_publish(run, s3):
        return run.checks
    url, other = run.url(run.served[0]), run.url(run.served[1])
    expires_at = int(time.time()) + expiry_seconds
    download = signer.url(url, expires_at=expires_at)
    run.record("signed download returns the object", request("GET", download), 200, run.content)
    run.record("unsigned URL refused", request("GET", url), 403)
    run.record("tampered signature refused", request("GET", _tamper_signature(download)), 403)
    run.record("tampered path refused", request("GET", download.replace(url, other, 1)), 403)
    run.record("download URL cannot write", request("PUT", download, b"overwrite"), 403)
    if target.bucket_url:
        direct = object_url(target.bucket_url, run.served[0])
        run.record("direct bucket URL refused", request("GET", direct), 403)
    sleep(max(0.0, expires_at - time.time()) + 1.5)
    run.record("expired URL refused", request("GET", download), 403)
    return run.checks
