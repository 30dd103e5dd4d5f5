"""LocalEdge behaves like CloudFront for this stack: behaviors, signatures, 403s, the origin."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from typing import Any

from signed_urls import Policy, Signer, SigningKey, object_url
from signed_urls.testing import LocalEdge, stack_behaviors


def call(
    method: str, url: str, body: bytes | None = None, **headers: str
) -> tuple[int, bytes, Any]:
    if body is not None:  # not urllib's form default, which moto would parse as a form
        headers.setdefault("Content-Type", "image/jpeg")
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_signed_download_and_refusals(edge: LocalEdge, ec_key: SigningKey, bucket: Any) -> None:
    s3, name = bucket
    s3.put_object(Bucket=name, Key="photos/my cat+1.jpg", Body=b"meow")
    url = object_url(edge.base_url, "photos/my cat+1.jpg")
    signer = Signer(ec_key)
    status, body, headers = call("GET", signer.url(url, expires_in=60))
    assert (status, body) == (200, b"meow")
    assert headers["Server"] == "CloudFront"
    status, body, headers = call("GET", url)
    assert status == 403
    assert b"<Code>MissingKey</Code>" in body
    assert b"Missing Key-Pair-Id query parameter or cookie value" in body
    other = Signer(SigningKey(ec_key.private_key, "KUNKNOWN1"))
    status, body, _ = call("GET", other.url(url, expires_in=60))
    assert status == 403 and b"<Message>Unknown Key</Message>" in body
    expired = signer.url(url, expires_at=int(time.time()) + 1)
    time.sleep(1.2)
    status, body, headers = call("GET", expired)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert headers["X-Signed-Urls-Reason"].startswith("expired")


def test_cookies_open_a_gallery_and_urls_win(
    edge: LocalEdge, ec_key: SigningKey, bucket: Any
) -> None:
    s3, name = bucket
    for index in range(3):
        s3.put_object(Bucket=name, Key=f"spaces/42/{index}.jpg", Body=b"img%d" % index)
    signer = Signer(ec_key)
    cookies = signer.cookies(
        Policy(f"{edge.base_url}/spaces/42/*", expires_at=int(time.time()) + 60)
    )
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    for index in range(3):
        status, body, _ = call("GET", f"{edge.base_url}/spaces/42/{index}.jpg", Cookie=cookie)
        assert (status, body) == (200, b"img%d" % index)
    status, _, _ = call("GET", f"{edge.base_url}/spaces/43/0.jpg", Cookie=cookie)
    assert status == 403
    broken_url = f"{edge.base_url}/spaces/42/0.jpg?Key-Pair-Id={ec_key.key_pair_id}"
    status, _, _ = call("GET", broken_url, Cookie=cookie)
    assert status == 403, "a signed URL takes precedence over cookies, even a broken one"


def test_uploads_only_under_the_prefix_and_never_deletes(
    edge: LocalEdge, ec_key: SigningKey, bucket: Any
) -> None:
    s3, name = bucket
    signer = Signer(ec_key)
    body = b"new photo"
    digest = hashlib.sha256(body).hexdigest()
    upload = signer.url(f"{edge.base_url}/uploads/u1.jpg", expires_in=60)
    assert call("PUT", upload, body, **{"x-amz-content-sha256": digest})[0] == 200
    assert s3.get_object(Bucket=name, Key="uploads/u1.jpg")["Body"].read() == body
    wrong = call("PUT", upload, body, **{"x-amz-content-sha256": "0" * 64})
    assert wrong[0] == 400
    outside = signer.url(f"{edge.base_url}/photos/u1.jpg", expires_in=60)
    status, _, _ = call("PUT", outside, body)
    assert status == 403, "the default behavior allows reads only"
    status, _, _ = call("DELETE", upload)
    assert status == 405, "the upload function admits PUT and OPTIONS only"
    assert call("GET", upload)[0] == 405, "the inbox is never read back"
    policy = Policy(f"{edge.base_url}/uploads/*", expires_at=int(time.time()) + 60)
    custom = signer.url(f"{edge.base_url}/uploads/u3.jpg", policy=policy)
    assert call("PUT", custom, body)[0] == 403, "only canned-policy URLs upload"
    assert call("PUT", f"{edge.base_url}/uploads/u2.jpg", body)[0] == 403


def test_missing_objects_are_403_and_unsigned_downloads_can_be_allowed(
    bucket: Any, ec_key: SigningKey
) -> None:
    s3, name = bucket
    s3.put_object(Bucket=name, Key="public/a.txt", Body=b"a")
    keys = {ec_key.key_pair_id: ec_key.public_key_pem()}
    with LocalEdge(s3, name, keys, behaviors=stack_behaviors(signed_downloads=False)) as edge:
        assert call("GET", f"{edge.base_url}/public/a.txt")[:2] == (200, b"a")
        assert call("GET", f"{edge.base_url}/public/missing.txt")[0] == 403
        assert call("PUT", f"{edge.base_url}/uploads/x", b"x")[0] == 403, "uploads stay signed"


def test_ip_range_uses_the_viewer_address(bucket: Any, ec_key: SigningKey) -> None:
    s3, name = bucket
    s3.put_object(Bucket=name, Key="a.txt", Body=b"a")
    keys = {ec_key.key_pair_id: ec_key.public_key_pem()}
    signer = Signer(ec_key)
    with LocalEdge(s3, name, keys) as edge:
        inside = Policy(
            f"{edge.base_url}/*", expires_at=int(time.time()) + 60, ip_range="127.0.0.0/8"
        )
        outside = Policy(
            f"{edge.base_url}/*", expires_at=int(time.time()) + 60, ip_range="192.0.2.0/24"
        )
        assert call("GET", signer.url(f"{edge.base_url}/a.txt", policy=inside))[0] == 200
        assert call("GET", signer.url(f"{edge.base_url}/a.txt", policy=outside))[0] == 403


def test_a_key_group_change_is_seen_at_once(
    edge: LocalEdge, ec_key: SigningKey, bucket: Any
) -> None:
    s3, name = bucket
    s3.put_object(Bucket=name, Key="a.txt", Body=b"a")
    url = Signer(ec_key).url(f"{edge.base_url}/a.txt", expires_in=60)
    assert call("GET", url)[0] == 200
    edge.set_public_keys({})
    assert call("GET", url)[0] == 403
