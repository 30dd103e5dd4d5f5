"""kit/examples/images_api.py, offline: moto DynamoDB and S3, the local edge in front."""

from __future__ import annotations

import importlib.util
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from signed_urls import Signer, SigningKey
from signed_urls.testing import LocalEdge

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "images_api.py"
#: Named as the bucket and metadata table products name theirs.
BUCKET = "signed-urls-123456789012-us-east-1-1a2b3c4d"
TABLE = "signed-urls-files"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("images_api", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["images_api"] = module
    spec.loader.exec_module(module)
    return module


def fetch(
    url: str, method: str = "GET", body: bytes | None = None, **headers: str
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class World:
    def __init__(self, client: Any, edge: LocalEdge, s3: Any) -> None:
        self.client, self.edge, self.s3 = client, edge, s3

    def get(self, path: str, user: str | None = "alice") -> Any:
        return self.client.get(path, headers={"X-User-Id": user} if user else {})

    def post(self, path: str, user: str = "alice", **json: Any) -> Any:
        return self.client.post(path, headers={"X-User-Id": user}, json=json or None)


@pytest.fixture
def world(ec_key: SigningKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        table.put_item(Item={"pk": "SPACE#42", "sk": "META", "owner": "alice"})
        table.put_item(Item={"pk": "SPACE#7", "sk": "META", "owner": "bob"})
        for index in range(3):
            key = f"spaces/42/cat {index}+.jpg"
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"cat%d" % index)
            table.put_item(Item={"pk": "SPACE#42", "sk": f"IMAGE#{index}", "key": key})
        s3.put_object(Bucket=BUCKET, Key="spaces/7/dog.jpg", Body=b"dog")
        keys = {ec_key.key_pair_id: ec_key.public_key_pem()}
        with LocalEdge(s3, BUCKET, keys) as edge:
            app = load_example().create_app(
                signer=Signer(ec_key),
                table=table,
                s3=s3,
                bucket=BUCKET,
                cdn_url=edge.base_url,
            )
            yield World(app.test_client(), edge, s3)


def test_owner_gets_a_gallery_signed_once(world: World) -> None:
    answer = world.get("/spaces/42/images")
    assert answer.status_code == 200
    images = answer.get_json()["images"]
    assert len(images) == 3
    signatures = {image["url"].split("Signature=")[1] for image in images}
    assert len(signatures) == 1, "one wildcard policy, one signature, for the gallery"
    for image in images:
        assert fetch(image["url"]) == (200, b"cat" + image["id"].encode())
    assert world.get("/spaces/42/images").get_json()["images"][0]["url"] == images[0]["url"]
    stolen = (
        images[0]["url"].replace("/spaces/42/", "/spaces/7/").replace("cat%200%2B.jpg", "dog.jpg")
    )
    assert fetch(stolen)[0] == 403, "the space's policy does not open another space"


def test_no_urls_without_ownership(world: World) -> None:
    assert world.get("/spaces/42/images", user="bob").status_code == 403
    assert world.get("/spaces/42/images", user=None).status_code == 401
    assert world.get("/spaces/999/images").status_code == 403
    assert world.get("/spaces/42/images/0", user="bob").status_code == 403
    assert world.post("/spaces/42/uploads", user="bob").status_code == 403


def test_cookies_for_the_gallery(world: World) -> None:
    answer = world.get("/spaces/42/images?delivery=cookies")
    headers = answer.headers.getlist("Set-Cookie")
    assert len(headers) == 4 and all(
        "Secure; HttpOnly" in h and "Path=/spaces/42/" in h for h in headers
    )
    cookie = "; ".join(header.split(";")[0] for header in headers)
    first = answer.get_json()["images"][0]["url"]
    assert "Signature=" not in first
    assert fetch(first)[0] == 403
    assert fetch(first, Cookie=cookie)[0] == 200
    assert fetch(f"{world.edge.base_url}/spaces/7/dog.jpg", Cookie=cookie)[0] == 403


def test_upload_then_complete_then_download(world: World) -> None:
    started = world.post("/spaces/42/uploads")
    assert started.status_code == 201
    upload = started.get_json()
    assert world.post(f"/spaces/42/uploads/{upload['upload_id']}/complete").status_code == 409
    body = b"\xff\xd8\xff new kitten"
    status, _ = fetch(upload["upload_url"], "PUT", body, **{"Content-Type": "image/jpeg"})
    assert status == 200
    assert fetch(upload["upload_url"])[0] == 405, "the inbox is write-only"
    done = world.post(f"/spaces/42/uploads/{upload['upload_id']}/complete", title="kitten")
    assert done.status_code == 201
    assert fetch(done.get_json()["url"]) == (200, body)
    leftovers = world.s3.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")
    assert leftovers.get("KeyCount", 0) == 0, "published uploads leave the inbox"
    gallery = world.get("/spaces/42/images").get_json()["images"]
    assert len(gallery) == 4
    put_back = fetch(gallery[0]["url"], "PUT", b"overwrite", **{"Content-Type": "image/jpeg"})
    assert put_back[0] == 403, "gallery grants cannot write"


def test_an_upload_that_is_not_an_image_is_dropped(world: World) -> None:
    upload = world.post("/spaces/42/uploads").get_json()
    assert fetch(upload["upload_url"], "PUT", b"<html>", **{"Content-Type": "image/jpeg"})[0] == 200
    done = world.post(f"/spaces/42/uploads/{upload['upload_id']}/complete")
    assert done.status_code == 422
    assert len(world.get("/spaces/42/images").get_json()["images"]) == 3
