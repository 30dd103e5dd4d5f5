"""Custom resource ``Custom::SigningKeyPair``: the CloudFront signing key pair, made in-account.

This file is the Lambda function's source, inlined verbatim into templates/key-pair.yaml (the
runtime names it ``index.py``), so it imports only boto3 and the standard library.

What one event does (docs/key-pair-secret-format.md has the full story):

* Create, or Update with a new RotationToken or KeyAlgorithm: KMS ``GenerateDataKeyPair``
  makes the pair, CloudFront gets the public key, one ``PutSecretValue`` makes it current in
  the secret (the old current becomes ``previousKeyPairId``). The answer's PhysicalResourceId is
  the new public key ID, so CloudFormation treats a rotation as a replacement and, after it has
  updated the key group, sends a Delete for the old ID: that deletes the keys the group no
  longer lists (those older than previous).
* Update that changes nothing relevant: no new key, same answer as before.
* Update during UPDATE_ROLLBACK_IN_PROGRESS after this resource had rotated: the secret's
  previous version (the pair that was current before the failed update) is made current again.
* Delete: deletes every public key of this resource that no key group lists. During the
  cleanup after a rotation the key group still lists current and previous, and CloudFront
  refuses to delete those; on stack deletion the key group is gone first. Never deletes the
  secret.

Every event gets exactly one answer. A timer answers FAILED shortly before Lambda would kill
the function, and no AWS step starts without enough time left. The same RequestId delivered
twice makes no second key: the secret version is written with a RequestId-derived token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.session import Config  # botocore's client Config, as boto3 itself imports it

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

#: Parameter value -> KMS KeyPairSpec; CloudFront trusts RSA-2048 and ECDSA P-256 keys.
KEY_PAIR_SPECS = {"RSA_2048": "RSA_2048", "ECDSA_P256": "ECC_NIST_P256"}

#: The backstop timer answers FAILED when this much time is left before Lambda's timeout.
RESPONSE_SAFETY_MARGIN_MS = 5_000

#: No AWS step starts with less time left than this (one bounded call plus its retry).
STEP_BUDGET_MS = 20_000

#: Version of the JSON document in the secret (docs/key-pair-secret-format.md).
SECRET_FORMAT_VERSION = 1

#: CloudFormation rejects responses over 4 KB; keep the reason well below.
MAX_REASON_CHARS = 1_000

#: PhysicalResourceId answered for a failed Create (CloudFormation then sends a Delete with it).
FAILED_CREATE_PREFIX = "failed-create-"

_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_ROTATION_TOKEN = re.compile(r"^[\w.:/+=@-]{1,128}$")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_ERROR_HINTS = {
    "ResourceNotFoundException": " (check SecretArn: pass the secret product's SecretArn output)",
    "AccessDeniedException": " (the function's role or the KMS key policy does not allow it)",
    "AccessDenied": " (the function's role does not allow it)",
    "DisabledException": " (the KMS key is disabled)",
    "KMSInvalidStateException": " (the KMS key is pending deletion or not usable)",
    "NotFoundException": " (check KmsKeyArn: pass the secret product's KmsKeyArn output)",
}


# --- client factories: tests replace these; in Lambda they build real clients ---------------


def _client_config() -> Config:
    """Bounded calls: no single AWS call may eat the time the timeout backstop relies on."""
    return Config(
        connect_timeout=3, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}
    )


def kms_client() -> Any:
    return boto3.client("kms", config=_client_config())


def secretsmanager_client() -> Any:
    return boto3.client("secretsmanager", config=_client_config())


def cloudfront_client() -> Any:
    return boto3.client("cloudfront", config=_client_config())


def cloudformation_client() -> Any:
    return boto3.client("cloudformation", config=_client_config())


@dataclass
class Clients:
    """The clients one event uses, made through the factories above (so tests can swap them)."""

    kms: Any
    secrets: Any
    cloudfront: Any
    cloudformation: Any

    @classmethod
    def create(cls) -> Clients:
        return cls(
            kms_client(), secretsmanager_client(), cloudfront_client(), cloudformation_client()
        )


# --- errors ----------------------------------------------------------------------------------


class KeyPairError(Exception):
    """Anything that makes this event fail; the message is the Reason CloudFormation shows."""


class PropertyError(KeyPairError):
    """Malformed ResourceProperties (or event); the message names the field."""


class OutOfTime(KeyPairError):
    """Too little time left to start the next AWS step safely."""


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def describe_error(error: BaseException) -> str:
    """One readable line: the AWS operation, code and message, plus a hint where we have one."""
    code = error_code(error)
    if code:
        message = getattr(error, "response", {}).get("Error", {}).get("Message", "")
        operation = getattr(error, "operation_name", "AWS call")
        return f"{operation} failed: {code}: {message}{_ERROR_HINTS.get(code, '')}"
    if isinstance(error, KeyPairError):
        return str(error)
    return f"{type(error).__name__}: {error}"


# --- the event -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPairProperties:
    """The custom resource's ResourceProperties, validated."""

    secret_arn: str
    kms_key_arn: str
    algorithm: str
    rotation_token: str

    @classmethod
    def parse(cls, raw: Any, where: str = "ResourceProperties") -> KeyPairProperties:
        if not isinstance(raw, dict):
            raise PropertyError(f"{where}: expected an object, got {type(raw).__name__}")
        secret_arn = _required(raw, where, "SecretArn", _SECRET_ARN, "a Secrets Manager ARN")
        kms_key_arn = _required(raw, where, "KmsKeyArn", _KMS_KEY_ARN, "a KMS key ARN")
        algorithm = raw.get("KeyAlgorithm", "RSA_2048")
        if algorithm not in KEY_PAIR_SPECS:
            allowed = ", ".join(sorted(KEY_PAIR_SPECS))
            raise PropertyError(f"{where}.KeyAlgorithm: {algorithm!r} is not one of {allowed}")
        token = _required(raw, where, "RotationToken", _ROTATION_TOKEN, "1-128 characters")
        return cls(secret_arn, kms_key_arn, algorithm, token)


def _required(
    raw: dict[str, Any], where: str, name: str, pattern: re.Pattern[str], what: str
) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not pattern.match(value):
        shown = "missing" if value is None else repr(value)[:200]
        raise PropertyError(f"{where}.{name}: {shown} is not {what}")
    return value


@dataclass(frozen=True)
class Ownership:
    """Which CloudFront public keys belong to this resource: their Name starts with ``prefix``."""

    prefix: str
    stack_name: str

    @classmethod
    def of(cls, event: dict[str, Any]) -> Ownership:
        stack_id = _event_field(event, "StackId")
        logical_id = _event_field(event, "LogicalResourceId")
        stack_name = stack_id.split("/")[1] if stack_id.count("/") >= 2 else stack_id
        digest = hashlib.sha256(f"{stack_id}|{logical_id}".encode()).hexdigest()[:8]
        readable = _NAME_UNSAFE.sub("-", f"{stack_name[:48]}-{logical_id[:32]}")
        return cls(prefix=f"{readable}-{digest}", stack_name=stack_name)

    def owns(self, key_name: str) -> bool:
        return key_name.startswith(f"{self.prefix}-")

    def new_key_name(self) -> str:
        """Unique per upload, so a repeated delivery never collides with an earlier upload."""
        return f"{self.prefix}-{uuid.uuid4().hex[:12]}"


def _event_field(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not value:
        raise PropertyError(f"event.{name}: missing")
    return value


def version_token(event: dict[str, Any]) -> str:
    """The secret version token for this request: the same on every delivery of the event."""
    identity = "|".join(
        _event_field(event, name) for name in ("StackId", "LogicalResourceId", "RequestId")
    )
    return str(uuid.uuid5(uuid.NAMESPACE_URL, identity))


# --- the one answer CloudFormation waits for -------------------------------------------------


class Invocation:
    """One event's answer channel and time budget: exactly one answer, before the deadline."""

    def __init__(self, event: dict[str, Any], context: Any) -> None:
        self.event = event
        self.context = context
        self._lock = threading.Lock()
        self._answered = False

    @property
    def answered(self) -> bool:
        return self._answered

    def fallback_physical_id(self) -> str:
        physical_id = self.event.get("PhysicalResourceId")
        if isinstance(physical_id, str) and physical_id:
            return physical_id
        return f"{FAILED_CREATE_PREFIX}{self.event.get('RequestId', 'unknown')}"

    def answer(
        self, status: str, reason: str, physical_id: str, data: dict[str, str] | None
    ) -> bool:
        """PUT the response to the presigned ResponseURL; only the first answer is sent."""
        with self._lock:
            if self._answered:
                return False
            self._answered = True
        body = json.dumps(
            {
                "Status": status,
                "Reason": reason[:MAX_REASON_CHARS],
                "PhysicalResourceId": physical_id,
                "StackId": self.event.get("StackId", ""),
                "RequestId": self.event.get("RequestId", ""),
                "LogicalResourceId": self.event.get("LogicalResourceId", ""),
                "Data": data or {},
            }
        ).encode()
        LOGGER.info("answering %s for %s: %s", status, physical_id, reason[:MAX_REASON_CHARS])
        _put_response(str(self.event.get("ResponseURL", "")), body)
        return True

    def fail(self, reason: str) -> bool:
        return self.answer("FAILED", reason, self.fallback_physical_id(), None)

    def remaining_ms(self) -> int:
        return int(self.context.get_remaining_time_in_millis())

    def require_time(self, step: str) -> None:
        """Refuse to start ``step`` once answered, or when it might not finish in time."""
        if self._answered:
            raise OutOfTime(f"{step}: not started, the event was already answered")
        remaining = self.remaining_ms()
        if remaining < STEP_BUDGET_MS:
            raise OutOfTime(
                f"{step}: not started, only {remaining} ms left before the function times out "
                f"(a step needs {STEP_BUDGET_MS} ms); increase the function timeout or retry"
            )

    def start_backstop(self) -> threading.Timer:
        """Answer FAILED shortly before Lambda's timeout if nothing answered by then."""
        delay_s = max(0, self.remaining_ms() - RESPONSE_SAFETY_MARGIN_MS) / 1000
        reason = (
            "The key pair function ran out of time before finishing (an AWS call hung); "
            "nothing from this event is left current in the secret"
        )
        timer = threading.Timer(delay_s, self.fail, args=(reason,))
        timer.daemon = True
        timer.start()
        return timer


def _put_response(url: str, body: bytes) -> None:
    """The presigned S3 URL wants an empty Content-Type; retry briefly on network errors."""
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                response.read()
            return
        except OSError as error:
            LOGGER.warning("sending the response failed (attempt %d): %s", attempt + 1, error)
            time.sleep(0.2 * (attempt + 1))
    LOGGER.error("could not deliver the response; CloudFormation will time the resource out")


# --- key material ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedPair:
    private_key_pem: str
    public_key_pem: str


def pem(label: str, der: bytes) -> str:
    """RFC 7468 text encoding: base64 in 64-character lines between BEGIN/END lines."""
    body = base64.b64encode(der).decode("ascii")
    lines = [body[index : index + 64] for index in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def generate_pair(kms: Any, kms_key_arn: str, algorithm: str) -> GeneratedPair:
    """KMS makes the pair: PKCS#8 DER private key, SubjectPublicKeyInfo DER public key."""
    response = kms.generate_data_key_pair(KeyId=kms_key_arn, KeyPairSpec=KEY_PAIR_SPECS[algorithm])
    return GeneratedPair(
        private_key_pem=pem("PRIVATE KEY", response["PrivateKeyPlaintext"]),
        public_key_pem=pem("PUBLIC KEY", response["PublicKey"]),
    )


# --- the secret ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretState:
    """One version of the secret; key fields are None when it holds no key pair yet."""

    version_id: str
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def key_pair_id(self) -> str | None:
        return self._text("keyPairId")

    @property
    def previous_key_pair_id(self) -> str | None:
        return self._text("previousKeyPairId")

    @property
    def algorithm(self) -> str | None:
        return self._text("algorithm")

    @property
    def rotation_token(self) -> str | None:
        return self._text("rotationToken")

    def _text(self, name: str) -> str | None:
        value = self.content.get(name)
        return value if isinstance(value, str) and value else None


def read_secret(secrets: Any, secret_arn: str, stage: str = "AWSCURRENT") -> SecretState | None:
    """The version of the secret at ``stage`` (None when no version has that stage)."""
    try:
        response = secrets.get_secret_value(SecretId=secret_arn, VersionStage=stage)
    except Exception as error:
        if stage != "AWSCURRENT" and error_code(error) == "ResourceNotFoundException":
            return None
        raise KeyPairError(f"Reading the secret {secret_arn}: {describe_error(error)}") from error
    try:
        content = json.loads(response.get("SecretString") or "{}")
    except ValueError:
        content = {}
    return SecretState(response["VersionId"], content if isinstance(content, dict) else {})


def secret_document(
    key_pair_id: str, pair: GeneratedPair, properties: KeyPairProperties, previous: str | None
) -> dict[str, Any]:
    """The JSON value signers read (docs/key-pair-secret-format.md)."""
    return {
        "formatVersion": SECRET_FORMAT_VERSION,
        "keyPairId": key_pair_id,
        "privateKey": pair.private_key_pem,
        "publicKey": pair.public_key_pem,
        "algorithm": properties.algorithm,
        "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "previousKeyPairId": previous,
        "rotationToken": properties.rotation_token,
    }


def write_secret(secrets: Any, secret_arn: str, document: dict[str, Any], token: str) -> None:
    """One PutSecretValue; the token makes a repeated write of this request idempotent."""
    try:
        secrets.put_secret_value(
            SecretId=secret_arn, SecretString=json.dumps(document), ClientRequestToken=token
        )
    except Exception as error:
        raise KeyPairError(f"Writing the secret {secret_arn}: {describe_error(error)}") from error


# --- CloudFront public keys ------------------------------------------------------------------


def owned_public_keys(cloudfront: Any, ownership: Ownership) -> dict[str, str]:
    """ID -> name of every public key in the account that belongs to this resource."""
    owned: dict[str, str] = {}
    marker: str | None = None
    while True:
        arguments = {"Marker": marker} if marker else {}
        try:
            page = cloudfront.list_public_keys(**arguments)["PublicKeyList"]
        except Exception as error:
            raise KeyPairError(
                f"Listing CloudFront public keys: {describe_error(error)}"
            ) from error
        for summary in page.get("Items") or []:
            if ownership.owns(summary["Name"]):
                owned[summary["Id"]] = summary["Name"]
        marker = page.get("NextMarker")
        if not marker:
            return owned


def create_public_key(
    cloudfront: Any,
    event: dict[str, Any],
    ownership: Ownership,
    pair: GeneratedPair,
    algorithm: str,
) -> str:
    """Upload the public key; CallerReference is RequestId-derived and unique per attempt."""
    request_id = _event_field(event, "RequestId")
    try:
        response = cloudfront.create_public_key(
            PublicKeyConfig={
                "CallerReference": f"{request_id}-{time.time_ns()}",
                "Name": ownership.new_key_name(),
                "EncodedKey": pair.public_key_pem,
                "Comment": f"Signed URLs {algorithm} key of stack {ownership.stack_name}"[:128],
            }
        )
    except Exception as error:
        raise KeyPairError(
            f"Creating the CloudFront public key: {describe_error(error)}"
        ) from error
    return str(response["PublicKey"]["Id"])


def delete_public_keys(cloudfront: Any, key_ids: Iterable[str]) -> list[str]:
    """Delete each key; return those CloudFront refuses because a key group still lists them."""
    in_use: list[str] = []
    for key_id in sorted(key_ids):
        try:
            etag = cloudfront.get_public_key(Id=key_id)["ETag"]
            cloudfront.delete_public_key(Id=key_id, IfMatch=etag)
            LOGGER.info("deleted public key %s", key_id)
        except Exception as error:
            code = error_code(error)
            if code == "NoSuchPublicKey":
                continue
            if code == "PublicKeyInUse":
                in_use.append(key_id)
                continue
            raise KeyPairError(f"Deleting public key {key_id}: {describe_error(error)}") from error
    return in_use


# --- what an event does ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A successful answer: the current key is the PhysicalResourceId; attributes for GetAtt."""

    current: str
    previous: str | None
    algorithm: str
    stale_keys: frozenset[str] = frozenset()

    def data(self) -> dict[str, str]:
        items = [self.current] + ([self.previous] if self.previous else [])
        return {
            "PublicKeyId": self.current,
            "PreviousPublicKeyId": self.previous or "",
            "KeyGroupItems": ",".join(dict.fromkeys(items)),
            "KeyAlgorithm": self.algorithm,
        }


def outcome_of(state: SecretState, owned: dict[str, str], fallback_algorithm: str) -> Outcome:
    """Answer with what the secret already says (no change made by this event)."""
    assert state.key_pair_id is not None
    previous = state.previous_key_pair_id if state.previous_key_pair_id in owned else None
    current = state.key_pair_id
    stale = frozenset(owned) - {current, previous}
    return Outcome(current, previous, state.algorithm or fallback_algorithm, stale)


def rotate(
    invocation: Invocation,
    clients: Clients,
    properties: KeyPairProperties,
    ownership: Ownership,
    owned: dict[str, str],
    previous: str | None,
) -> Outcome:
    """New pair -> CloudFront public key -> current in the secret; undo the key on failure."""
    event = invocation.event
    invocation.require_time("GenerateDataKeyPair")
    try:
        pair = generate_pair(clients.kms, properties.kms_key_arn, properties.algorithm)
    except Exception as error:
        raise KeyPairError(
            f"Generating the key pair with {properties.kms_key_arn}: {describe_error(error)}"
        ) from error
    invocation.require_time("CreatePublicKey")
    key_id = create_public_key(clients.cloudfront, event, ownership, pair, properties.algorithm)
    LOGGER.info("created public key %s (%s)", key_id, properties.algorithm)
    token = version_token(event)
    try:
        invocation.require_time("PutSecretValue")
        document = secret_document(key_id, pair, properties, previous)
        write_secret(clients.secrets, properties.secret_arn, document, token)
    except BaseException:
        if not _write_landed(clients.secrets, properties.secret_arn, token):
            _forget_new_key(clients.cloudfront, key_id)
            raise
        LOGGER.warning("PutSecretValue reported an error, but the version is current")
    stale = frozenset(owned) - {key_id, previous}
    return Outcome(key_id, previous, properties.algorithm, stale)


def _write_landed(secrets: Any, secret_arn: str, token: str) -> bool:
    """After an error from PutSecretValue: is this request's version current anyway?"""
    try:
        state = read_secret(secrets, secret_arn)
    except KeyPairError:
        return False
    return state is not None and state.version_id == token


def _forget_new_key(cloudfront: Any, key_id: str) -> None:
    """The secret never named this key (no key group lists it): delete it, best effort."""
    try:
        delete_public_keys(cloudfront, [key_id])
    except Exception:
        LOGGER.exception("could not delete unused public key %s; the next event retries", key_id)


def restore_after_rollback(
    invocation: Invocation,
    clients: Clients,
    properties: KeyPairProperties,
    owned: dict[str, str],
) -> Outcome | None:
    """Rolling back our own rotation: make the secret's previous version current again."""
    event = invocation.event
    if not _stack_is_rolling_back(clients.cloudformation, _event_field(event, "StackId")):
        return None
    invocation.require_time("GetSecretValue (AWSPREVIOUS)")
    earlier = read_secret(clients.secrets, properties.secret_arn, stage="AWSPREVIOUS")
    if (
        earlier is None
        or earlier.key_pair_id not in owned
        or (earlier.algorithm, earlier.rotation_token)
        != (properties.algorithm, properties.rotation_token)
    ):
        return None
    previous = earlier.previous_key_pair_id if earlier.previous_key_pair_id in owned else None
    document = dict(earlier.content, previousKeyPairId=previous)
    invocation.require_time("PutSecretValue")
    write_secret(clients.secrets, properties.secret_arn, document, version_token(event))
    LOGGER.info("rollback: %s is current again", earlier.key_pair_id)
    return outcome_of(SecretState(earlier.version_id, document), owned, properties.algorithm)


def _stack_is_rolling_back(cloudformation: Any, stack_id: str) -> bool:
    return stack_status(cloudformation, stack_id) == "UPDATE_ROLLBACK_IN_PROGRESS"


def stack_status(cloudformation: Any, stack_id: str) -> str:
    """The stack's status ('' when it cannot be read: callers then take the cautious path)."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
    except Exception as error:
        LOGGER.warning("cannot read the stack status: %s", describe_error(error))
        return ""
    return str(stacks[0].get("StackStatus", "")) if stacks else ""


def create_or_update(invocation: Invocation, clients: Clients) -> Outcome:
    event = invocation.event
    properties = KeyPairProperties.parse(event.get("ResourceProperties"))
    ownership = Ownership.of(event)
    invocation.require_time("GetSecretValue")
    current = read_secret(clients.secrets, properties.secret_arn)
    assert current is not None
    owned = owned_public_keys(clients.cloudfront, ownership)
    current_is_ours = current.key_pair_id in owned
    if current_is_ours and current.version_id == version_token(event):
        LOGGER.info("request already done (repeated delivery): %s", current.key_pair_id)
        return outcome_of(current, owned, properties.algorithm)
    if event["RequestType"] == "Create":
        return rotate(invocation, clients, properties, ownership, owned, previous=None)
    if current_is_ours and (current.algorithm, current.rotation_token) == (
        properties.algorithm,
        properties.rotation_token,
    ):
        LOGGER.info("nothing relevant changed: %s stays current", current.key_pair_id)
        return outcome_of(current, owned, properties.algorithm)
    restored = restore_after_rollback(invocation, clients, properties, owned)
    if restored is not None:
        return restored
    candidates = [current.key_pair_id, event.get("PhysicalResourceId")]
    previous = next((key_id for key_id in candidates if key_id in owned), None)
    return rotate(invocation, clients, properties, ownership, owned, previous)


def delete(invocation: Invocation, clients: Clients) -> str:
    """Delete every public key of this resource that no key group lists.

    CloudFront refuses to delete a listed key, which is what keeps the current and previous
    keys alive during the cleanup after a rotation. Outside a cleanup phase (stack deletion,
    rollback of a create) the key group is already gone, so a listed key is someone else's
    use of it: that fails the Delete, naming the keys.
    """
    event = invocation.event
    invocation.require_time("ListPublicKeys")
    owned = owned_public_keys(clients.cloudfront, Ownership.of(event))
    invocation.require_time("DeletePublicKey")
    in_use = delete_public_keys(clients.cloudfront, owned)
    if in_use and not _in_cleanup(clients, event):
        raise KeyPairError(
            f"CloudFront public keys {', '.join(in_use)} are still listed in a key group; remove "
            "them from every key group, then retry the delete"
        )
    for key_id in in_use:
        LOGGER.info("public key %s is still in the key group; it stays", key_id)
    return invocation.fallback_physical_id()


def _in_cleanup(clients: Clients, event: dict[str, Any]) -> bool:
    """Cleanup after an update or its rollback: listed keys are the stack's own current ones."""
    status = stack_status(clients.cloudformation, _event_field(event, "StackId"))
    return status.endswith("_CLEANUP_IN_PROGRESS")


# --- entry point -----------------------------------------------------------------------------


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point (``index.handler``): answer CloudFormation exactly once, always."""
    LOGGER.info(
        "%s %s request %s physical %s",
        event.get("RequestType"),
        event.get("LogicalResourceId"),
        event.get("RequestId"),
        event.get("PhysicalResourceId"),
    )
    invocation = Invocation(event, context)
    backstop = invocation.start_backstop()
    try:
        _process(invocation)
    finally:
        backstop.cancel()


def _process(invocation: Invocation) -> None:
    try:
        clients = Clients.create()
        request_type = invocation.event.get("RequestType")
        if request_type == "Delete":
            physical_id = delete(invocation, clients)
            invocation.answer("SUCCESS", "public keys removed", physical_id, None)
            return
        if request_type not in ("Create", "Update"):
            raise PropertyError(
                f"event.RequestType: {request_type!r} is not Create, Update or Delete"
            )
        outcome = create_or_update(invocation, clients)
    except Exception as error:
        LOGGER.exception("failed")
        invocation.fail(describe_error(error))
        return
    invocation.answer("SUCCESS", f"current key {outcome.current}", outcome.current, outcome.data())
    _retire_stale_keys(invocation, clients, outcome.stale_keys)


def _retire_stale_keys(invocation: Invocation, clients: Clients, stale: frozenset[str]) -> None:
    """After answering: delete leftovers no key group lists (keys in use wait for a later event)."""
    if not stale or invocation.remaining_ms() < STEP_BUDGET_MS:
        return
    try:
        delete_public_keys(clients.cloudfront, stale)
    except Exception:
        LOGGER.exception("could not delete stale public keys; a later event retries")
