"""CloudFormation's side of the key pair custom resource, played offline.

* ``ResponseReceiver``: a real HTTP server on 127.0.0.1 that records the JSON body (and byte
  size) of every PUT, as the presigned S3 ResponseURL would, and tells listeners at once.
* ``KmsKeyPairDouble``: KMS ``GenerateDataKeyPair`` (moto lacks it) answering with real DER keys
  made by ``cryptography``; botocore's Stubber checks the request against what the event asked
  for and the response against the KMS service model.
* ``StackStatusDouble``: CloudFormation ``DescribeStacks`` for the simulated stack (Stubber
  checked), which can be made to fail (throttled, unavailable) a given number of times.
* ``SimulatedStack``: the CloudFormation lifecycle around the resource: real event payloads,
  the native key group (``Fn::Split`` of the KeyGroupItems attribute), updated the moment the
  SUCCESS answer arrives (while the function may still be running), cleanup Deletes for
  replaced physical IDs, the rollback of a replacement (no event for the resource, the old
  attributes back in the key group, then a cleanup Delete of the new physical ID), and
  CloudFront's refusal to delete a public key that a key group still lists (moto does not
  enforce it).
* ``FakeLambdaContext``: Lambda's clock; ``advance`` moves it on without waiting.
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

from products.key_pair import function as key_pair_function

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LOGICAL_ID = "KeyPair"
RESOURCE_TYPE = "Custom::SigningKeyPair"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:key-pair-KeyPairFunction-AbC123"

#: KeyAlgorithm property -> the KMS KeyPairSpec the function must ask for (written out here,
#: not imported from the function, so a wrong mapping there fails the tests).
EXPECTED_KEY_PAIR_SPEC = {"RSA_2048": "RSA_2048", "ECDSA_P256": "ECC_NIST_P256"}

Listener = Callable[[dict[str, Any]], None]


class ResponseReceiver:
    """Stands in for the presigned S3 URL: records every PUT body, in order of arrival."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.listeners: list[Listener] = []
        self._arrived = threading.Condition()
        receiver = self

        class PutHandler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = json.loads(raw)
                body["_content_type"] = self.headers.get("Content-Type")
                body["_bytes"] = len(raw)
                for listener in list(receiver.listeners):
                    listener(body)
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
        [body, *_] = self.for_request(request_id)
        return body

    def _has(self, request_id: str) -> bool:
        return any(body["RequestId"] == request_id for body in self.bodies)


@dataclass
class FakeLambdaContext:
    """The Lambda context's clock: a deadline ``remaining_ms`` from creation."""

    remaining_ms: int = 300_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))

    def advance(self, milliseconds: int) -> None:
        """Let ``milliseconds`` pass at once (a call that took that long)."""
        self.deadline -= milliseconds / 1000


def new_private_key(key_pair_spec: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if key_pair_spec == "RSA_2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_pair_spec == "ECC_NIST_P256":
        return ec.generate_private_key(ec.SECP256R1())
    raise AssertionError(f"unexpected KeyPairSpec {key_pair_spec}")


class KmsKeyPairDouble:
    """``generate_data_key_pair`` with real keys; the request must be what the event asked for."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failure: tuple[str, str] | None = None
        self.expected: dict[str, Any] | None = None

    def fail_with(self, code: str, message: str) -> None:
        self.failure = (code, message)

    def expect(self, properties: Any) -> None:
        """The request the function must send for these ResourceProperties."""
        if not isinstance(properties, dict):
            self.expected = None
            return
        spec = EXPECTED_KEY_PAIR_SPEC.get(properties.get("KeyAlgorithm", "RSA_2048"))
        key_id = properties.get("KmsKeyArn")
        secret_arn = properties.get("SecretArn")
        self.expected = (
            {
                "KeyId": key_id,
                "KeyPairSpec": spec,
                "EncryptionContext": {"SecretARN": secret_arn},
            }
            if spec and key_id and secret_arn
            else None
        )

    def generate_data_key_pair(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        assert self.expected is not None, f"no GenerateDataKeyPair expected, got {request}"
        client = boto3.client("kms", region_name=REGION)
        with Stubber(client) as stubber:
            if self.failure is not None:
                code, message = self.failure
                stubber.add_client_error(
                    "generate_data_key_pair",
                    service_error_code=code,
                    service_message=message,
                    expected_params=self.expected,
                )
            else:
                stubber.add_response(
                    "generate_data_key_pair",
                    self._response(self.expected),
                    expected_params=self.expected,
                )
            return client.generate_data_key_pair(**request)

    @staticmethod
    def _response(expected: dict[str, Any]) -> dict[str, Any]:
        private_key = new_private_key(expected["KeyPairSpec"])
        return {
            "PrivateKeyCiphertextBlob": b"ciphertext-under-" + expected["KeyId"].encode(),
            "PrivateKeyPlaintext": private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            "PublicKey": private_key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "KeyId": expected["KeyId"],
            "KeyPairSpec": expected["KeyPairSpec"],
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


class StackStatusDouble:
    """``describe_stacks`` for one simulated stack; ``failures`` error codes come first."""

    def __init__(self, stack: SimulatedStack) -> None:
        self._stack = stack
        self.failures: list[str] = []
        self.unavailable = False
        self.calls = 0

    def describe_stacks(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        expected = {"StackName": self._stack.stack_id}
        client = boto3.client("cloudformation", region_name=REGION)
        with Stubber(client) as stubber:
            if self.unavailable or self.failures:
                code = self.failures.pop(0) if self.failures else "ServiceUnavailable"
                stubber.add_client_error(
                    "describe_stacks",
                    service_error_code=code,
                    service_message=f"{code} (simulated)",
                    http_status_code=400 if code == "Throttling" else 503,
                    expected_params=expected,
                )
            else:
                stubber.add_response(
                    "describe_stacks",
                    {
                        "Stacks": [
                            {
                                "StackId": self._stack.stack_id,
                                "StackName": self._stack.stack_id.split("/")[1],
                                "CreationTime": datetime(2025, 1, 1, tzinfo=UTC),
                                "StackStatus": self._stack.status,
                            }
                        ]
                    },
                    expected_params=expected,
                )
            return client.describe_stacks(**request)


class ClockedClient:
    """Any client whose every call first records the time left, then uses up ``cost_ms``."""

    def __init__(self, client: Any, context: FakeLambdaContext, cost_ms: int, log: list) -> None:
        self._client = client
        self._context = context
        self._cost_ms = cost_ms
        self._log = log

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def clocked(*args: Any, **kwargs: Any) -> Any:
            self._log.append((name, self._context.get_remaining_time_in_millis()))
            self._context.advance(self._cost_ms)
            return attribute(*args, **kwargs)

        return clocked


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
        self.context_ms = 300_000
        self.stack_status = StackStatusDouble(self)
        #: Key group updates CloudFormation could not make (the test then fails).
        self.errors: list[str] = []
        #: What a replacement replaced: properties, physical ID and attributes before it.
        self.replaced: tuple[dict[str, Any], str | None, dict[str, str]] | None = None
        self._updates_key_group: set[str] = set()
        receiver.listeners.append(self._on_answer)

    # -- what the handler's client factories return while this stack is being driven --

    def cloudfront(self) -> KeyGroupAwareCloudFront:
        return KeyGroupAwareCloudFront(
            boto3.client("cloudfront", region_name=REGION), lambda: set(self.key_group_items or [])
        )

    def cloudformation(self) -> StackStatusDouble:
        return self.stack_status

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
        if request_type != "Delete":
            self.kms.expect(properties)
        return event

    def deliver(
        self,
        event: dict[str, Any],
        context: FakeLambdaContext | None = None,
        *,
        updates_key_group: bool = False,
    ) -> dict[str, Any]:
        """Invoke the real entry point and return the one response it sent.

        ``updates_key_group``: a SUCCESS answer updates the key group as it arrives, before
        the function has returned, as CloudFormation may.
        """
        if updates_key_group:
            self._updates_key_group.add(event["RequestId"])
        key_pair_function.handler(event, context or FakeLambdaContext(self.context_ms))
        assert not self.errors, self.errors
        responses = self.receiver.for_request(event["RequestId"])
        assert len(responses) == 1, f"expected exactly one response, got {responses}"
        return responses[0]

    # -- the lifecycle CloudFormation drives --

    def create(self, properties: dict[str, Any]) -> dict[str, Any]:
        self.status = "CREATE_IN_PROGRESS"
        response = self.deliver(self.event("Create", properties), updates_key_group=True)
        self.physical_id = response["PhysicalResourceId"]
        if response["Status"] == "SUCCESS":
            self.properties = properties
            self.status = "CREATE_COMPLETE"
        return response

    def update(
        self, properties: dict[str, Any], *, later_resource_fails: bool = False
    ) -> dict[str, Any]:
        """Update (the key group follows the answer), then the cleanup Delete if replaced.

        ``later_resource_fails``: the resource and key group update, then another resource
        fails: no cleanup; the caller rolls back with ``roll_back_replaced`` when the answer
        was a new physical ID, else with ``roll_back_to``.
        """
        self.status = "UPDATE_IN_PROGRESS"
        old_properties, old_physical_id = self.properties, self.physical_id
        old_attributes = dict(self.attributes)
        response = self.deliver(
            self.event(
                "Update", properties, old_properties=old_properties, physical_id=old_physical_id
            ),
            updates_key_group=True,
        )
        if response["Status"] != "SUCCESS":
            return response
        self.properties, self.physical_id = properties, response["PhysicalResourceId"]
        if self.physical_id != old_physical_id:
            self.replaced = (old_properties, old_physical_id, old_attributes)
        if later_resource_fails:
            self.status = "UPDATE_ROLLBACK_IN_PROGRESS"
            return response
        if self.physical_id != old_physical_id:
            self.clean_up("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", old_properties, old_physical_id)
        self.status = "UPDATE_COMPLETE"
        return response

    def roll_back_to(
        self, properties: dict[str, Any], failed_physical_id: str | None
    ) -> dict[str, Any]:
        """UPDATE_ROLLBACK_IN_PROGRESS for a resource whose own Update answered FAILED (its
        physical ID is unchanged): Update back to ``properties``, key group, cleanup. A
        replaced resource gets no such Update: see ``roll_back_replaced``."""
        self.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        response = self.deliver(
            self.event(
                "Update",
                properties,
                old_properties=self.properties,
                physical_id=failed_physical_id,
            ),
            updates_key_group=True,
        )
        if response["Status"] != "SUCCESS":
            return response
        failed_properties = self.properties
        self.properties, self.physical_id = properties, response["PhysicalResourceId"]
        if self.physical_id != failed_physical_id:
            self.clean_up(
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                failed_properties,
                failed_physical_id,
            )
        self.status = "UPDATE_ROLLBACK_COMPLETE"
        return response

    def roll_back_replaced(self) -> dict[str, Any]:
        """UPDATE_ROLLBACK_IN_PROGRESS after this resource was replaced (its Update answered a
        new physical ID) and a later resource failed, as CloudFormation does it: no event for
        the resource; it takes back the old physical ID with the attributes stored for it,
        updates the key group to those, and once the rollback is final sends the Delete for the
        new physical ID. Returns the answer to that Delete (CloudFormation only reports a
        FAILED cleanup: the stack still ends UPDATE_ROLLBACK_COMPLETE)."""
        assert self.replaced is not None, "the last update did not replace the resource"
        assert self.status == "UPDATE_ROLLBACK_IN_PROGRESS", self.status
        failed_properties, failed_physical_id = self.properties, self.physical_id
        self.properties, self.physical_id, attributes = self.replaced
        self.replaced = None
        self._apply_attributes(attributes)
        assert not self.errors, self.errors
        cleanup = self.cleanup_delete(
            "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", failed_properties, failed_physical_id
        )
        self.status = "UPDATE_ROLLBACK_COMPLETE"
        return cleanup

    def clean_up(self, status: str, properties: dict[str, Any], physical_id: str | None) -> None:
        """The Delete CloudFormation sends for a replaced physical ID once the update is final."""
        cleanup = self.cleanup_delete(status, properties, physical_id)
        assert cleanup["Status"] == "SUCCESS", cleanup

    def cleanup_delete(
        self, status: str, properties: dict[str, Any], physical_id: str | None
    ) -> dict[str, Any]:
        """One cleanup Delete in ``status``; its answer."""
        self.status = status
        return self.deliver(self.event("Delete", properties, physical_id=physical_id))

    def delete(self) -> dict[str, Any]:
        """DELETE_IN_PROGRESS: the key group goes first (it depends on the resource)."""
        self.status = "DELETE_IN_PROGRESS"
        self.key_group_items = None
        return self.deliver(self.event("Delete", self.properties, physical_id=self.physical_id))

    def _on_answer(self, body: dict[str, Any]) -> None:
        if body["RequestId"] in self._updates_key_group and body["Status"] == "SUCCESS":
            self._apply_attributes(body["Data"])

    def _apply_attributes(self, attributes: dict[str, str]) -> None:
        """AWS::CloudFront::KeyGroup Items: Fn::Split(",", GetAtt KeyPair.KeyGroupItems)."""
        self.attributes = attributes
        items = self.attributes["KeyGroupItems"].split(",")
        if not all(items) or len(items) != len(set(items)):
            self.errors.append(f"UpdateKeyGroup would fail: bad items {items}")
            return
        missing = set(items) - {summary["Id"] for summary in public_keys()}
        if missing:
            self.errors.append(f"UpdateKeyGroup would fail: NoSuchPublicKey {sorted(missing)}")
            return
        self.key_group_items = items


def public_keys() -> list[dict[str, Any]]:
    """Every CloudFront public key in the (moto) account."""
    client = boto3.client("cloudfront", region_name=REGION)
    return client.list_public_keys()["PublicKeyList"].get("Items") or []


def encoded_public_key(key_id: str) -> str:
    client = boto3.client("cloudfront", region_name=REGION)
    return client.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]["EncodedKey"]
