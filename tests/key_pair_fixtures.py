"""CloudFormation's side of the key pair custom resource, played offline.

* ``ResponseReceiver``: a real HTTP server on 127.0.0.1 that records the JSON body of every PUT,
  as the presigned S3 ResponseURL would.
* ``KmsKeyPairDouble``: KMS ``GenerateDataKeyPair`` (moto lacks it) answering with real DER keys
  made by ``cryptography``; every response goes through botocore's Stubber, which validates it
  against the KMS service model, and the request is validated by the real client.
* ``SimulatedStack``: the CloudFormation lifecycle around the resource: real event payloads,
  the native key group (``Fn::Split`` of the KeyGroupItems attribute, applied after the custom
  resource answered), cleanup Deletes for replaced physical IDs, and CloudFront's refusal to
  delete a public key that a key group still lists (moto does not enforce it).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from products import key_pair_function

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOGICAL_ID = "KeyPair"
RESOURCE_TYPE = "Custom::SigningKeyPair"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:key-pair-KeyPairFunction-AbC123"


class ResponseReceiver:
    """Stands in for the presigned S3 URL: records every PUT body, in order of arrival."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.on_receive: Callable[[dict[str, Any]], None] | None = None
        self._arrived = threading.Condition()
        receiver = self

        class PutHandler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                body["_content_type"] = self.headers.get("Content-Type")
                if receiver.on_receive is not None:
                    receiver.on_receive(body)
                with receiver._arrived:
                    receiver.bodies.append(body)
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), PutHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ResponseReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, request_id: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/cloudformation-response/{request_id}"

    def for_request(self, request_id: str) -> list[dict[str, Any]]:
        with self._arrived:
            return [body for body in self.bodies if body["RequestId"] == request_id]

    def wait_for(self, request_id: str, timeout_s: float = 10.0) -> dict[str, Any]:
        """Block until the response to ``request_id`` arrived (bounded, not a timing check)."""
        with self._arrived:
            self._arrived.wait_for(lambda: self._has(request_id), timeout=timeout_s)
        [body] = self.for_request(request_id)
        return body

    def _has(self, request_id: str) -> bool:
        return any(body["RequestId"] == request_id for body in self.bodies)


@dataclass
class FakeLambdaContext:
    """The Lambda context's clock: a deadline ``remaining_ms`` from creation."""

    remaining_ms: int = 60_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def new_private_key(key_pair_spec: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if key_pair_spec == "RSA_2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_pair_spec == "ECC_NIST_P256":
        return ec.generate_private_key(ec.SECP256R1())
    raise AssertionError(f"unexpected KeyPairSpec {key_pair_spec}")


class KmsKeyPairDouble:
    """``generate_data_key_pair`` with real keys, shape-checked by botocore's Stubber."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failure: tuple[str, str] | None = None
        self.hold: threading.Event | None = None
        self.entered = threading.Event()

    def fail_with(self, code: str, message: str) -> None:
        self.failure = (code, message)

    def generate_data_key_pair(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        self.entered.set()
        if self.hold is not None:
            self.hold.wait(timeout=30)
        client = boto3.client("kms", region_name=REGION)
        with Stubber(client) as stubber:
            if self.failure is not None:
                code, message = self.failure
                stubber.add_client_error(
                    "generate_data_key_pair", service_error_code=code, service_message=message
                )
            else:
                stubber.add_response(
                    "generate_data_key_pair", self._response(request), expected_params=request
                )
            return client.generate_data_key_pair(**request)

    @staticmethod
    def _response(request: dict[str, Any]) -> dict[str, Any]:
        private_key = new_private_key(request["KeyPairSpec"])
        return {
            "PrivateKeyCiphertextBlob": b"ciphertext-under-" + request["KeyId"].encode(),
            "PrivateKeyPlaintext": private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            "PublicKey": private_key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "KeyId": request["KeyId"],
            "KeyPairSpec": request["KeyPairSpec"],
        }


class KeyGroupAwareCloudFront:
    """The moto CloudFront client, plus CloudFront's PublicKeyInUse rule for key group members."""

    def __init__(self, client: Any, listed: Callable[[], set[str]]) -> None:
        self._client = client
        self._listed = listed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def delete_public_key(self, **request: Any) -> Any:
        if request["Id"] in self._listed():
            raise ClientError(
                {"Error": {"Code": "PublicKeyInUse", "Message": "The public key is in use."}},
                "DeletePublicKey",
            )
        return self._client.delete_public_key(**request)


def stubbed_cloudformation(stack_id: str, status: str) -> Any:
    """A CloudFormation client whose DescribeStacks reports ``status`` (shape-checked)."""
    client = boto3.client("cloudformation", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackId": stack_id,
                    "StackName": stack_id.split("/")[1],
                    "CreationTime": datetime(2025, 1, 1, tzinfo=UTC),
                    "StackStatus": status,
                }
            ]
        },
        expected_params={"StackName": stack_id},
    )
    stubber.activate()
    return client


def resource_properties(secret_arn: str, **overrides: str) -> dict[str, str]:
    """ResourceProperties as CloudFormation sends them (every value a string)."""
    return {
        "ServiceToken": SERVICE_TOKEN,
        "ServiceTimeout": "600",
        "SecretArn": secret_arn,
        "KmsKeyArn": KMS_KEY_ARN,
        "KeyAlgorithm": "RSA_2048",
        "RotationToken": "initial",
        **overrides,
    }


class SimulatedStack:
    """One stack holding the custom resource and the key group that lists its keys."""

    def __init__(self, receiver: ResponseReceiver, kms: KmsKeyPairDouble, name: str = "team-a"):
        self.receiver = receiver
        self.kms = kms
        self.stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{name}/{uuid.uuid4()}"
        self.status = "CREATE_IN_PROGRESS"
        self.properties: dict[str, Any] = {}
        self.physical_id: str | None = None
        self.attributes: dict[str, str] = {}
        self.key_group_items: list[str] | None = None
        self.context_ms = 60_000

    # -- what the handler's client factories return while this stack is being driven --

    def cloudfront(self) -> KeyGroupAwareCloudFront:
        return KeyGroupAwareCloudFront(
            boto3.client("cloudfront", region_name=REGION), lambda: set(self.key_group_items or [])
        )

    def cloudformation(self) -> Any:
        return stubbed_cloudformation(self.stack_id, self.status)

    # -- one event --

    def event(
        self,
        request_type: str,
        properties: Any,
        *,
        old_properties: dict[str, Any] | None = None,
        physical_id: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        request_id = request_id or str(uuid.uuid4())
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": SERVICE_TOKEN,
            "ResponseURL": self.receiver.url(request_id),
            "StackId": self.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": LOGICAL_ID,
            "ResourceType": RESOURCE_TYPE,
            "ResourceProperties": properties,
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = old_properties
        return event

    def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke the real entry point and return the one response it sent."""
        key_pair_function.handler(event, FakeLambdaContext(self.context_ms))
        responses = self.receiver.for_request(event["RequestId"])
        assert len(responses) == 1, f"expected exactly one response, got {responses}"
        return responses[0]

    # -- the lifecycle CloudFormation drives --

    def create(self, properties: dict[str, Any]) -> dict[str, Any]:
        self.status = "CREATE_IN_PROGRESS"
        response = self.deliver(self.event("Create", properties))
        self.physical_id = response["PhysicalResourceId"]
        if response["Status"] == "SUCCESS":
            self.properties = properties
            self._apply_key_group(response)
            self.status = "CREATE_COMPLETE"
        return response

    def update(
        self, properties: dict[str, Any], *, later_resource_fails: bool = False
    ) -> dict[str, Any]:
        """Update; on success apply the key group, then the cleanup Delete if replaced.

        ``later_resource_fails``: the resource and key group update, then another resource
        fails: no cleanup; the caller rolls back with ``roll_back_to``.
        """
        self.status = "UPDATE_IN_PROGRESS"
        old_properties, old_physical_id = self.properties, self.physical_id
        response = self.deliver(
            self.event(
                "Update", properties, old_properties=old_properties, physical_id=old_physical_id
            )
        )
        if response["Status"] != "SUCCESS":
            return response
        self.properties, self.physical_id = properties, response["PhysicalResourceId"]
        self._apply_key_group(response)
        if later_resource_fails:
            self.status = "UPDATE_ROLLBACK_IN_PROGRESS"
            return response
        if self.physical_id != old_physical_id:
            self.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            cleanup = self.deliver(
                self.event("Delete", old_properties, physical_id=old_physical_id)
            )
            assert cleanup["Status"] == "SUCCESS", cleanup
        self.status = "UPDATE_COMPLETE"
        return response

    def roll_back_to(self, properties: dict[str, Any], failed_physical_id: str) -> dict[str, Any]:
        """UPDATE_ROLLBACK_IN_PROGRESS: Update back to ``properties``, key group, cleanup."""
        self.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        response = self.deliver(
            self.event(
                "Update",
                properties,
                old_properties=self.properties,
                physical_id=failed_physical_id,
            )
        )
        assert response["Status"] == "SUCCESS", response
        failed_properties = self.properties
        self.properties, self.physical_id = properties, response["PhysicalResourceId"]
        self._apply_key_group(response)
        if self.physical_id != failed_physical_id:
            self.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
            cleanup = self.deliver(
                self.event("Delete", failed_properties, physical_id=failed_physical_id)
            )
            assert cleanup["Status"] == "SUCCESS", cleanup
        self.status = "UPDATE_ROLLBACK_COMPLETE"
        return response

    def delete(self) -> dict[str, Any]:
        """DELETE_IN_PROGRESS: the key group goes first (it depends on the resource)."""
        self.status = "DELETE_IN_PROGRESS"
        self.key_group_items = None
        return self.deliver(self.event("Delete", self.properties, physical_id=self.physical_id))

    def _apply_key_group(self, response: dict[str, Any]) -> None:
        """AWS::CloudFront::KeyGroup Items: Fn::Split(",", GetAtt KeyPair.KeyGroupItems)."""
        self.attributes = response["Data"]
        items = self.attributes["KeyGroupItems"].split(",")
        assert all(items) and len(items) == len(set(items)), f"bad key group items {items}"
        existing = {summary["Id"] for summary in public_keys()}
        missing = set(items) - existing
        assert not missing, f"UpdateKeyGroup would fail: NoSuchPublicKey {missing}"
        self.key_group_items = items


def public_keys() -> list[dict[str, Any]]:
    """Every CloudFront public key in the (moto) account."""
    client = boto3.client("cloudfront", region_name=REGION)
    return client.list_public_keys()["PublicKeyList"].get("Items") or []


def encoded_public_key(key_id: str) -> str:
    client = boto3.client("cloudfront", region_name=REGION)
    return client.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]["EncodedKey"]
