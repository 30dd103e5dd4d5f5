"""``LocalEdge``: a small HTTP server on 127.0.0.1 that behaves like CloudFront for this stack.

What it does, per request: pick the first behavior whose path pattern matches (``*`` any run,
``?`` one character; the default behavior last); refuse methods the behavior does not allow;
on a signed behavior, check the signed URL or else the signed cookies against the trusted
public keys (signed URLs win over cookies) with ``signed_urls.verify``, answering 403 with
CloudFront's XML body on failure; then act as the S3 origin through Origin Access Control,
with the bucket policy of the bucket product: read every object outside the writable prefixes
(``uploads/``, an inbox), write only inside them, never delete. Objects are read from and
written to an S3 API (moto in tests).
The upload behavior runs the distribution's viewer-request function after the signature check.
Behaviours: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-web-values-specify.html#DownloadDistValuesPathPattern
Signed URLs take precedence over cookies: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-cookies.html
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from signed_urls.policy import pattern_regex
from signed_urls.verify import PublicKeys, Verdict, verify_cookies, verify_url

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALL_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
_SIGNED_QUERY = ("Expires=", "Policy=", "Signature=", "Key-Pair-Id=")
_CLOUDFRONT_ERRORS = {  # CloudFront's 403 messages for signature problems
    "MissingKey": "Missing Key-Pair-Id query parameter or cookie value",
    "InvalidKey": "Unknown Key",
    "AccessDenied": "Access denied",
}


@dataclass(frozen=True)
class Behavior:
    """One cache behavior: a path pattern, whether it needs a signature, its methods, and an
    optional viewer-request function (``function(method, query)`` -> a Response to stop with)."""

    path_pattern: str
    signed: bool = True
    methods: frozenset[str] = READ_METHODS
    function: Callable[[str, str], Response | None] | None = None

    def matches(self, path: str) -> bool:
        pattern = (
            self.path_pattern
            if self.path_pattern.startswith(("/", "*"))
            else "/" + (self.path_pattern)
        )
        return pattern_regex(pattern).fullmatch(path) is not None


def stack_behaviors(
    upload_prefix: str = "uploads", signed_downloads: bool = True
) -> tuple[Behavior, ...]:
    """The distribution product's behaviors: ``/<prefix>/*`` (always signed, then the upload
    function: canned-URL PUTs only), then the default ``*`` (reads, signed unless
    ``RequireSignedDownloads=false``)."""
    return (
        Behavior(f"/{upload_prefix}/*", signed=True, methods=ALL_METHODS, function=upload_function),
        Behavior("*", signed=signed_downloads, methods=READ_METHODS),
    )


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def upload_function(method: str, query: str) -> Response | None:
    """The distribution's upload function (products/distribution_functions/upload_methods.js):
    PUT and the preflight OPTIONS only (405 otherwise), signed with a canned policy only."""
    refusal = (("Allow", "PUT, OPTIONS"), ("Cache-Control", "no-store"))
    if method not in ("PUT", "OPTIONS"):
        return Response(405, b"", refusal)
    names = {pair.partition("=")[0] for pair in query.split("&") if pair.partition("=")[2]}
    if not {"Expires", "Signature", "Key-Pair-Id"} <= names or "Policy" in names:
        return Response(403, b"", refusal)
    return None


def _xml_error(status: int, code: str, message: str, source: str, reason: str = "") -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()
    headers = [("Content-Type", "text/xml"), ("X-Cache", f"Error from {source}")]
    if reason:
        headers.append(("X-Signed-Urls-Reason", reason))  # the local edge's hint, not CloudFront's
    return Response(status, body, tuple(headers))


def refused(verdict: Verdict) -> Response:
    """CloudFront's 403 for a signature that does not pass."""
    code = verdict.error_code or "AccessDenied"
    return _xml_error(
        403, code, _CLOUDFRONT_ERRORS.get(code, "Access denied"), "cloudfront", verdict.reason
    )


S3_ACCESS_DENIED = _xml_error(403, "AccessDenied", "Access Denied", "cloudfront")


class LocalEdge:
    """CloudFront stand-in on ``http://127.0.0.1:<port>`` in front of ``bucket``.

    ``s3``: a boto3 S3 client (e.g. against moto); ``public_keys``: the key group, as
    ``{key pair ID: PEM}`` (``set_public_keys`` changes it, e.g. to mimic a rotation).
    ``client_ip`` overrides the viewer address the ``IpAddress`` condition sees.
    """

    def __init__(
        self,
        s3: Any,
        bucket: str,
        public_keys: PublicKeys,
        *,
        behaviors: Sequence[Behavior] | None = None,
        writable_prefixes: Sequence[str] = ("uploads/",),
        host: str = "127.0.0.1",
        port: int = 0,
        client_ip: str | None = None,
    ) -> None:
        self.s3, self.bucket = s3, bucket
        self.behaviors = tuple(behaviors) if behaviors is not None else stack_behaviors()
        self.writable_prefixes = tuple(writable_prefixes)
        self.client_ip = client_ip
        self._public_keys: PublicKeys = dict(public_keys)
        self._server = ThreadingHTTPServer((host, port), _handler_class(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_public_keys(self, public_keys: PublicKeys) -> None:
        self._public_keys = dict(public_keys)

    def start(self) -> LocalEdge:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalEdge:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, peer: str
    ) -> Response:
        """One request, as CloudFront would answer it; ``headers`` with lower-case names."""
        path = target.split("?", 1)[0]
        behavior = next((b for b in self.behaviors if b.matches(path)), None)
        if behavior is None or method not in behavior.methods:
            return _xml_error(
                403,
                "MethodNotAllowed",
                "This distribution is not configured to "
                "allow the HTTP request method that was used for this request.",
                "cloudfront",
            )
        if behavior.signed:
            url = f"http://{headers.get('host') or self.base_url[7:]}{target}"
            verdict = self._verify(url, target, headers.get("cookie", ""), self.client_ip or peer)
            if not verdict:
                return refused(verdict)
        if behavior.function is not None:
            stopped = behavior.function(method, target.partition("?")[2])
            if stopped is not None:
                return stopped
        return self._origin(method, unquote(path.lstrip("/")), headers, body)

    def _verify(self, url: str, target: str, cookie_header: str, client_ip: str) -> Verdict:
        query = target.partition("?")[2]
        if any(part.startswith(_SIGNED_QUERY) for part in query.split("&")):
            return verify_url(url, self._public_keys, client_ip=client_ip)
        try:
            jar = SimpleCookie(cookie_header)
        except CookieError:
            jar = SimpleCookie()
        cookies = {name: morsel.value for name, morsel in jar.items()}
        return verify_cookies(url, cookies, self._public_keys, client_ip=client_ip)

    def _origin(self, method: str, key: str, headers: Mapping[str, str], body: bytes) -> Response:
        """S3 through OAC with the bucket product's policy: GetObject outside the writable
        prefixes (the upload inbox is never read back), PutObject inside them, nothing else (a
        missing object is 403 too, since the policy grants no s3:ListBucket)."""
        if method in ("GET", "HEAD"):
            if key.startswith(self.writable_prefixes):
                return S3_ACCESS_DENIED
            return self._get(key, method == "HEAD")
        if method == "OPTIONS":
            return Response(200, b"", (("Allow", "GET, HEAD, PUT, OPTIONS"),))
        if method in ("PUT", "POST") and key.startswith(self.writable_prefixes):
            return self._put(key, headers, body)
        return S3_ACCESS_DENIED

    def _get(self, key: str, head: bool) -> Response:
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=key)
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") in (
                "NoSuchKey",
                "404",
                "AccessDenied",
            ):
                return S3_ACCESS_DENIED
            raise
        content = found["Body"].read()
        headers = (
            ("Content-Type", found.get("ContentType", "binary/octet-stream")),
            ("ETag", found.get("ETag", "")),
            ("X-Cache", "Miss from cloudfront"),
        )
        return Response(200, b"" if head else content, headers)

    def _put(self, key: str, headers: Mapping[str, str], body: bytes) -> Response:
        declared = headers.get("x-amz-content-sha256")
        if (
            declared
            and declared != "UNSIGNED-PAYLOAD"
            and declared != hashlib.sha256(body).hexdigest()
        ):
            return _xml_error(
                400,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                "cloudfront",
            )
        stored = self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=headers.get("content-type") or "binary/octet-stream",
        )
        return Response(200, b"", (("ETag", stored.get("ETag", "")),))


def _handler_class(edge: LocalEdge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return "CloudFront"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            headers["cookie"] = "; ".join(self.headers.get_all("Cookie") or [])
            answer = edge.handle(self.command, self.path, headers, body, self.client_address[0])
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
