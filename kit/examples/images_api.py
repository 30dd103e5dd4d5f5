"""The backend pattern, runnable: an images API that checks ownership, then signs.

    GET  /spaces/<space>/images[?delivery=cookies]   gallery: one wildcard policy for the space
    GET  /spaces/<space>/images/<image>              one image: a short canned URL
    POST /spaces/<space>/uploads                     a short-lived upload URL (PUT, uploads/)
    POST /spaces/<space>/uploads/<upload>/complete   move the upload into the space's gallery

The metadata table (the metadata table product; key schema chosen by the team, here ``pk`` and
``sk`` strings) holds ``SPACE#<space>/META`` with the owner, ``SPACE#<space>/IMAGE#<id>`` per
image and ``SPACE#<space>/UPLOAD#<id>`` per pending upload. Uploads land in the write-only inbox
``uploads/``; completing one checks the file type, copies it to ``spaces/<space>/`` and deletes
it from the inbox (docs/onboarding.md, "Publish what users upload"; an EventBridge rule can call
the same code instead of the client).
Authentication is a stand-in (``X-User-Id``); use your application's own.

Run it: ``create_app(signer=Signer.from_secret(ARN), table=boto3.resource("dynamodb")
.Table(NAME), s3=boto3.client("s3"), bucket=BUCKET, cdn_url=BASE_URL).run()``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from signed_urls import Policy, Signer, object_url

#: File signatures accepted, and the Content-Type they are served with (docs/onboarding.md).
ACCEPTED_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _gallery_expiry(seconds: int) -> int:
    """Rounded up to the minute: requests within a minute share one policy, so the signer
    signs each space's gallery at most once a minute (its cache), however many viewers."""
    return (int(time.time()) // 60 + 1) * 60 + seconds


class ImagesApi:
    """The four endpoints; every one checks that the caller owns the space first."""

    def __init__(
        self,
        signer: Signer,
        table: Any,
        s3: Any,
        bucket: str,
        cdn_url: str,
        gallery_seconds: int,
        upload_seconds: int,
        cookie_domain: str | None,
    ) -> None:
        self.signer, self.table, self.s3, self.bucket = signer, table, s3, bucket
        self.cdn_url = cdn_url.rstrip("/")
        self.gallery_seconds, self.upload_seconds = gallery_seconds, upload_seconds
        self.cookie_domain = cookie_domain

    def refusal(self, space: str) -> ResponseReturnValue | None:
        """None when the caller owns ``space``; otherwise the error response."""
        user = request.headers.get("X-User-Id")
        if not user:
            return jsonify(error="sign in first"), 401
        meta = self.table.get_item(Key={"pk": f"SPACE#{space}", "sk": "META"}).get("Item")
        if not meta or meta.get("owner") != user:
            return jsonify(error="not your space"), 403
        return None

    def gallery(self, space: str) -> ResponseReturnValue:
        if (refusal := self.refusal(space)) is not None:
            return refusal
        found = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :image)",
            ExpressionAttributeValues={":pk": f"SPACE#{space}", ":image": "IMAGE#"},
        )["Items"]
        expires_at = _gallery_expiry(self.gallery_seconds)
        policy = Policy(f"{self.cdn_url}/spaces/{space}/*", expires_at=expires_at)
        plain = [object_url(self.cdn_url, item["key"]) for item in found]
        use_cookies = request.args.get("delivery") == "cookies"
        urls = plain if use_cookies else self.signer.urls(plain, policy=policy)
        images = [
            {"id": item["sk"].removeprefix("IMAGE#"), "title": item.get("title", ""), "url": url}
            for item, url in zip(found, urls, strict=True)
        ]
        response = jsonify(space=space, expires_at=policy.expires_at, images=images)
        if use_cookies:  # needs the distribution on a domain shared with this app
            path = f"/spaces/{space}/"
            for header in self.signer.cookie_headers(policy, domain=self.cookie_domain, path=path):
                response.headers.add("Set-Cookie", header)
        return response

    def one_image(self, space: str, image: str) -> ResponseReturnValue:
        if (refusal := self.refusal(space)) is not None:
            return refusal
        key = {"pk": f"SPACE#{space}", "sk": f"IMAGE#{image}"}
        item = self.table.get_item(Key=key).get("Item")
        if not item:
            return jsonify(error="no such image"), 404
        return jsonify(id=image, url=self.signed(item["key"], 300))

    def start_upload(self, space: str) -> ResponseReturnValue:
        if (refusal := self.refusal(space)) is not None:
            return refusal
        upload = uuid.uuid4().hex
        key = f"uploads/{space}/{upload}"
        self.table.put_item(Item={"pk": f"SPACE#{space}", "sk": f"UPLOAD#{upload}", "key": key})
        headers = {"Content-Type": "image/jpeg or image/png"}
        url = self.signed(key, self.upload_seconds)
        return jsonify(upload_id=upload, upload_url=url, method="PUT", headers=headers), 201

    def complete_upload(self, space: str, upload: str) -> ResponseReturnValue:
        if (refusal := self.refusal(space)) is not None:
            return refusal
        pending = {"pk": f"SPACE#{space}", "sk": f"UPLOAD#{upload}"}
        item = self.table.get_item(Key=pending).get("Item")
        if not item:
            return jsonify(error="no such upload"), 404
        key = f"spaces/{space}/{upload}"
        try:  # the integration role (with BucketArn) reads, copies out of and deletes in uploads/
            checked = self.s3.get_object(Bucket=self.bucket, Key=item["key"], Range="bytes=0-7")
        except self.s3.exceptions.ClientError:
            return jsonify(error="nothing was uploaded yet"), 409
        kind = next(
            (t for magic, t in ACCEPTED_TYPES.items() if checked["Body"].read().startswith(magic)),
            None,
        )
        if kind is not None:  # the version checked, served with the type found, not the one sent
            source = {"Bucket": self.bucket, "Key": item["key"]}
            if checked.get("VersionId"):
                source["VersionId"] = checked["VersionId"]
            self.s3.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource=source,
                MetadataDirective="REPLACE",
                ContentType=kind,
            )
        self.s3.delete_object(Bucket=self.bucket, Key=item["key"])
        if kind is None:
            self.table.delete_item(Key=pending)
            return jsonify(error="not a JPEG or PNG image"), 422
        title = str((request.get_json(silent=True) or {}).get("title", ""))
        image = {"pk": f"SPACE#{space}", "sk": f"IMAGE#{upload}", "key": key, "title": title}
        self.table.put_item(Item=image)
        self.table.delete_item(Key=pending)
        return jsonify(id=upload, url=self.signed(key, 300)), 201

    def signed(self, key: str, seconds: int) -> str:
        return self.signer.url(object_url(self.cdn_url, key), expires_in=seconds)


def create_app(
    *,
    signer: Signer,
    table: Any,
    s3: Any,
    bucket: str,
    cdn_url: str,
    gallery_seconds: int = 600,
    upload_seconds: int = 60,
    cookie_domain: str | None = None,
) -> Flask:
    """The Flask app; ``table``: a boto3 DynamoDB Table, ``s3``: a boto3 S3 client."""
    api = ImagesApi(
        signer, table, s3, bucket, cdn_url, gallery_seconds, upload_seconds, cookie_domain
    )
    app = Flask(__name__)
    app.add_url_rule("/spaces/<space>/images", view_func=api.gallery)
    app.add_url_rule("/spaces/<space>/images/<image>", view_func=api.one_image)
    app.add_url_rule("/spaces/<space>/uploads", view_func=api.start_upload, methods=["POST"])
    app.add_url_rule(
        "/spaces/<space>/uploads/<upload>/complete", view_func=api.complete_upload, methods=["POST"]
    )
    return app
