"""Custom resource ``Custom::SigningKeyPair``: the CloudFront signing key pair, made in-account.

Inlined verbatim into templates/key-pair.yaml as ``index.py``: boto3 and the standard library
only. docs/key-pair-secret-format.md describes the lifecycle. A rotation's key ID is the new
PhysicalResourceId, so CloudFormation sees a replacement: it deletes the old ID once the whole
update is final, or, on a rollback, sends no Update and deletes the new ID (``delete``, the only
place keys are deleted). A rollback Update only follows our own failed Update (``roll_back``).
An unreadable or unexpected stack status changes nothing.

One answer per event. No AWS call starts unless it can end, retries included, before the
watchdog answers FAILED ahead of Lambda's timeout; a write whose SUCCESS loses to that answer
is undone. Deliveries of one event, even concurrent, store one key (RequestId-derived token).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import json
import logging
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.session import Config  # botocore's client Config, as boto3 itself imports it

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

#: Parameter value -> KMS KeyPairSpec; CloudFront trusts RSA-2048 and ECDSA P-256 keys.
KEY_PAIR_SPECS = {"RSA_2048": "RSA_2048", "ECDSA_P256": "ECC_NIST_P256"}

# --- time budgets, computed from the bounds they rely on

#: botocore: seconds to connect, seconds per read, attempts per call (standard retry mode).
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5
MAX_ATTEMPTS = 2
#: botocore's pause before a retry: up to 1 s, plus up to 5 s if the service asks (retry-after).
MAX_RETRY_PAUSE_S = 6
#: Longest one AWS call can take, its retry included.
WORST_CASE_CALL_MS = 1000 * (
    MAX_ATTEMPTS * (CONNECT_TIMEOUT_S + READ_TIMEOUT_S) + (MAX_ATTEMPTS - 1) * MAX_RETRY_PAUSE_S
)
#: The answer's PUT: attempts, socket timeout (connect, then reply), pause between attempts.
RESPONSE_ATTEMPTS = 3
RESPONSE_TIMEOUT_S = 3
RESPONSE_PAUSE_S = 0.5
WORST_CASE_RESPONSE_MS = int(
    1000 * (RESPONSE_ATTEMPTS * 2 * RESPONSE_TIMEOUT_S + (RESPONSE_ATTEMPTS - 1) * RESPONSE_PAUSE_S)
)
#: The watchdog answers FAILED with this much time left: enough to deliver that answer.
RESPONSE_SAFETY_MARGIN_MS = WORST_CASE_RESPONSE_MS + 2_000
#: No AWS call starts with less left: it ends before the watchdog fires.
STEP_BUDGET_MS = WORST_CASE_CALL_MS + RESPONSE_SAFETY_MARGIN_MS
#: PutSecretValue also leaves room to read back what an error from it hid.
COMMIT_BUDGET_MS = WORST_CASE_CALL_MS + STEP_BUDGET_MS
WATCHDOG_POLL_MS = 250
#: DescribeStacks attempts (each retried by botocore too); pauses grow by this much.
STACK_STATUS_ATTEMPTS = 3
STACK_STATUS_PAUSE_S = 0.5

#: CloudFormation rejects a response body over 4,096 bytes.
MAX_RESPONSE_BYTES = 4_096
MAX_REASON_CHARS = 1_000
CUT_MARK = "..."
#: PhysicalResourceId of a failed Create (CloudFormation then sends a Delete with it).
FAILED_CREATE_PREFIX = "failed-create-"
SECRET_FORMAT_VERSION = 1
UPDATING = "UPDATE_IN_PROGRESS"
ROLLING_BACK = "UPDATE_ROLLBACK_IN_PROGRESS"
ROLLBACK_CLEANUP = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"

_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_ROTATION_TOKEN = re.compile(r"^[\w.:/+=@-]{1,128}$")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_ERROR_HINTS = {
    "ResourceNotFoundException": " (pass the secret product's SecretArn output)",
    "AccessDeniedException": " (the function's role or the KMS key policy does not allow it)",
    "AccessDenied": " (the function's role does not allow it)",
    "DisabledException": " (the KMS key is disabled)",
    "KMSInvalidStateException": " (the KMS key is pending deletion or not usable)",
    "NotFoundException": " (pass the secret product's KmsKeyArn output)",
}


# --- client factories (tests replace them)


def client_config() -> Config:
    """Bounded calls: the budgets above are computed from exactly these numbers."""
    return Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )


def kms_client() -> Any:
    return boto3.client("kms", config=client_config())


def secretsmanager_client() -> Any:
    return boto3.client("secretsmanager", config=client_config())


def cloudfront_client() -> Any:
    return boto3.client("cloudfront", config=client_config())


def cloudformation_client() -> Any:
    return boto3.client("cloudformation", config=client_config())


# --- errors


class KeyPairError(Exception):
    """Anything that makes this event fail; the message is the Reason CloudFormation shows."""


class PropertyError(KeyPairError):
    """Malformed ResourceProperties (or event); the message names the field."""


class OutOfTime(KeyPairError):
    """Too little time left to start an AWS call safely, or the event is answered already."""


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


@contextmanager
def aws_step(what: str, *tolerated: str) -> Iterator[None]:
    """AWS errors become a KeyPairError saying what was being done; ``tolerated`` codes pass."""
    try:
        yield
    except KeyPairError:
        raise
    except Exception as error:
        if error_code(error) not in tolerated:
            raise KeyPairError(f"{what}: {describe_error(error)}") from error


# --- the event


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

    @property
    def generation(self) -> tuple[str, str]:
        """What decides whether an update rotates."""
        return (self.algorithm, self.rotation_token)


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


def version_token(event: dict[str, Any], suffix: str = "") -> str:
    """The secret version token for this request: the same on every delivery of the event."""
    fields = (_event_field(event, name) for name in ("StackId", "LogicalResourceId", "RequestId"))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(fields) + suffix))


# --- the one answer


def response_body(
    event: dict[str, Any], status: str, reason: str, physical_id: str, data: dict | None
) -> bytes:
    """The JSON answer; the reason is cut until the body fits 4,096 bytes (json.dumps makes
    6 or 12 bytes of each non-ASCII character, so a character limit alone is not enough)."""

    def encode(text: str) -> bytes:
        answer = {"Status": status, "Reason": text, "PhysicalResourceId": physical_id}
        for name in ("StackId", "RequestId", "LogicalResourceId"):
            answer[name] = event.get(name, "")
        return json.dumps(dict(answer, Data=data or {})).encode()

    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - len(CUT_MARK)] + CUT_MARK
    if len(body := encode(reason)) <= MAX_RESPONSE_BYTES:
        return body
    fits, too_long = 0, len(reason)  # binary search: the longest prefix that fits
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if len(encode(reason[:middle] + CUT_MARK)) <= MAX_RESPONSE_BYTES:
            fits = middle
        else:
            too_long = middle
    return encode(reason[:fits] + CUT_MARK)


class Invocation:
    """One event's answer channel and time budget: exactly one answer, before the deadline."""

    def __init__(self, event: dict[str, Any], context: Any) -> None:
        self.event = event
        self.context = context
        self._lock = threading.Lock()
        self.answered = False

    def fallback_physical_id(self) -> str:
        physical_id = self.event.get("PhysicalResourceId")
        if isinstance(physical_id, str) and physical_id:
            return physical_id
        return f"{FAILED_CREATE_PREFIX}{self.event.get('RequestId', 'unknown')}"

    def answer(self, status: str, reason: str, physical_id: str, data: dict | None) -> bool:
        """PUT the response to the ResponseURL; False when another answer went first."""
        with self._lock:
            if self.answered:
                return False
            self.answered = True
        body = response_body(self.event, status, reason, physical_id, data)
        LOGGER.info("answering %s for %s: %s", status, physical_id, reason[:MAX_REASON_CHARS])
        _put_response(str(self.event.get("ResponseURL", "")), body)
        return True

    def fail(self, reason: str) -> bool:
        return self.answer("FAILED", reason, self.fallback_physical_id(), None)

    def remaining_ms(self) -> int:
        return int(self.context.get_remaining_time_in_millis())

    def require_time(self, step: str, budget_ms: int = STEP_BUDGET_MS) -> None:
        """Refuse to start ``step`` once answered, or when it might not end in time."""
        if self.answered:
            raise OutOfTime(f"{step}: not started, the event was already answered")
        if (remaining := self.remaining_ms()) < budget_ms:
            raise OutOfTime(
                f"{step}: not started, only {remaining} ms left before the function times out "
                f"(it needs {budget_ms} ms); increase the function timeout or retry"
            )


class Watchdog:
    """Answers FAILED once only the response margin is left, unless stopped first."""

    REASON = (
        "The key pair function ran out of time (an AWS call overran its limits); a key this "
        "event stored is put back (the function log says if that did not finish)"
    )

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop; let an answer being sent finish (Lambda freezes the process on return)."""
        self._stopped.set()
        self._thread.join(timeout=WORST_CASE_RESPONSE_MS / 1000 + 1)

    def _watch(self) -> None:
        while (left_ms := self._invocation.remaining_ms() - RESPONSE_SAFETY_MARGIN_MS) > 0:
            if self._stopped.wait(min(left_ms, WATCHDOG_POLL_MS) / 1000):
                return
        self._invocation.fail(self.REASON)


def _put_response(url: str, body: bytes) -> None:
    """The presigned S3 URL wants an empty Content-Type; retry briefly on network errors."""
    headers = {"Content-Type": "", "Content-Length": str(len(body))}
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    for attempt in range(RESPONSE_ATTEMPTS):
        if attempt:
            time.sleep(RESPONSE_PAUSE_S)
        try:
            with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_S) as response:
                response.read()
            return
        except (OSError, http.client.HTTPException) as error:
            LOGGER.warning("sending the response failed (attempt %d): %s", attempt + 1, error)
    LOGGER.error("could not deliver the response; CloudFormation will time the resource out")


class TimeGuarded:
    """A client whose every call first asks ``require_time``; ``raw`` is the client itself."""

    def __init__(self, client: Any, invocation: Invocation) -> None:
        self.raw = client
        self._invocation = invocation

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.raw, name)
        if name.startswith("_") or not callable(attribute):
            return attribute
        step = "".join(part.capitalize() for part in name.split("_"))
        budget = COMMIT_BUDGET_MS if name == "put_secret_value" else STEP_BUDGET_MS

        def guarded(*args: Any, **kwargs: Any) -> Any:
            self._invocation.require_time(step, budget)
            return attribute(*args, **kwargs)

        return guarded


@dataclass
class Clients:
    """One event's clients, from the factories above, each time-guarded."""

    kms: Any
    secrets: Any
    cloudfront: Any
    cloudformation: Any

    @classmethod
    def create(cls, invocation: Invocation) -> Clients:
        factories = (kms_client, secretsmanager_client, cloudfront_client, cloudformation_client)
        return cls(*(TimeGuarded(factory(), invocation) for factory in factories))


# --- key material and the secret


@dataclass(frozen=True)
class GeneratedPair:
    private_key_pem: str
    public_key_pem: str


def pem(label: str, der: bytes) -> str:
    """RFC 7468 text encoding: base64 in 64-character lines between BEGIN/END lines."""
    body = base64.b64encode(der).decode("ascii")
    lines = [body[index : index + 64] for index in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def generate_pair(kms: Any, kms_key_arn: str, algorithm: str, secret_arn: str) -> GeneratedPair:
    """KMS makes the pair: PKCS#8 DER private key, SubjectPublicKeyInfo DER public key.

    The encryption context names the secret the pair is for (as Secrets Manager names it): the
    capability's permissions boundary allows pairs only for its own secrets. The encrypted copy
    of the private key is not kept, so nothing ever decrypts under this context.
    """
    with aws_step(f"Generating the key pair with {kms_key_arn}"):
        response = kms.generate_data_key_pair(
            KeyId=kms_key_arn,
            KeyPairSpec=KEY_PAIR_SPECS[algorithm],
            EncryptionContext={"SecretARN": secret_arn},
        )
    return GeneratedPair(
        private_key_pem=pem("PRIVATE KEY", response["PrivateKeyPlaintext"]),
        public_key_pem=pem("PUBLIC KEY", response["PublicKey"]),
    )


@dataclass(frozen=True)
class SecretState:
    """One version of the secret; key fields are None when it holds no key pair yet."""

    version_id: str
    content: dict[str, Any] = field(default_factory=dict)
    text: str = "{}"
    stages: tuple[str, ...] = ()

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
    def generation(self) -> tuple[str | None, str | None]:
        return (self.algorithm, self._text("rotationToken"))

    def _text(self, name: str) -> str | None:
        value = self.content.get(name)
        return value if isinstance(value, str) and value else None


def read_secret(secrets: Any, secret_arn: str, **version: str) -> SecretState | None:
    """The version named by ``VersionStage`` or ``VersionId`` (default AWSCURRENT); None when
    no such version exists, except for AWSCURRENT."""
    version = version or {"VersionStage": "AWSCURRENT"}
    optional = () if version == {"VersionStage": "AWSCURRENT"} else ("ResourceNotFoundException",)
    response = None
    with aws_step(f"Reading the secret {secret_arn}", *optional):
        response = secrets.get_secret_value(SecretId=secret_arn, **version)
    if response is None:
        return None
    text = response.get("SecretString") or "{}"
    try:
        content = json.loads(text)
    except ValueError:
        content = {}
    content = content if isinstance(content, dict) else {}
    stages = tuple(response.get("VersionStages") or ())
    return SecretState(response["VersionId"], content, text, stages)


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


def write_secret(secrets: Any, secret_arn: str, text: str, token: str) -> None:
    """One PutSecretValue; the token makes a repeated write of this request idempotent."""
    with aws_step(f"Writing the secret {secret_arn}"):
        secrets.put_secret_value(SecretId=secret_arn, SecretString=text, ClientRequestToken=token)


# --- CloudFront public keys and the stack


def owned_public_keys(cloudfront: Any, ownership: Ownership) -> dict[str, str]:
    """ID -> name of every public key in the account that belongs to this resource."""
    owned: dict[str, str] = {}
    marker: str | None = None
    while True:
        with aws_step("Listing CloudFront public keys"):
            page = cloudfront.list_public_keys(**({"Marker": marker} if marker else {}))
        page = page["PublicKeyList"]
        for summary in page.get("Items") or []:
            if ownership.owns(summary["Name"]):
                owned[summary["Id"]] = summary["Name"]
        if not (marker := page.get("NextMarker")):
            return owned


def create_public_key(
    cloudfront: Any, event: dict[str, Any], ownership: Ownership, pair: GeneratedPair, alg: str
) -> str:
    """Upload the public key; CallerReference is RequestId-derived and unique per attempt."""
    with aws_step("Creating the CloudFront public key"):
        response = cloudfront.create_public_key(
            PublicKeyConfig={
                "CallerReference": f"{_event_field(event, 'RequestId')}-{time.time_ns()}",
                "Name": ownership.new_key_name(),
                "EncodedKey": pair.public_key_pem,
                "Comment": f"Signed URLs {alg} key of stack {ownership.stack_name}"[:128],
            }
        )
    return str(response["PublicKey"]["Id"])


def delete_public_keys(cloudfront: Any, key_ids: Iterable[str]) -> list[str]:
    """Delete each key; return those CloudFront refuses because a key group still lists them."""
    in_use: list[str] = []
    for key_id in sorted(key_ids):
        try:
            etag = cloudfront.get_public_key(Id=key_id)["ETag"]
            cloudfront.delete_public_key(Id=key_id, IfMatch=etag)
            LOGGER.info("deleted public key %s", key_id)
        except KeyPairError:
            raise
        except Exception as error:
            if error_code(error) == "PublicKeyInUse":
                LOGGER.info("public key %s is in a key group", key_id)
                in_use.append(key_id)
            elif error_code(error) != "NoSuchPublicKey":
                message = f"Deleting public key {key_id}: {describe_error(error)}"
                raise KeyPairError(message) from error
    return in_use


def stack_status(cloudformation: Any, stack_id: str, unchanged: str) -> str:
    """The stack's status, asked STACK_STATUS_ATTEMPTS times; else raises, adding ``unchanged``."""
    last_error: BaseException = KeyPairError("no status")
    for attempt in range(STACK_STATUS_ATTEMPTS):
        time.sleep(STACK_STATUS_PAUSE_S * attempt)
        try:
            stacks = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
            if stacks and stacks[0].get("StackStatus"):
                return str(stacks[0]["StackStatus"])
        except KeyPairError:
            raise
        except Exception as error:
            LOGGER.warning("reading the stack status (attempt %d): %s", attempt + 1, error)
            last_error = error
    raise KeyPairError(
        f"Reading the status of stack {stack_id} failed {STACK_STATUS_ATTEMPTS} times: "
        f"{describe_error(last_error)}; {unchanged}"
    )


# --- what an event does


@dataclass(frozen=True)
class Outcome:
    """A SUCCESS answer: the current key is the PhysicalResourceId; attributes for GetAtt.
    ``undo`` puts back what this event wrote, should the watchdog's FAILED win the answer."""

    current: str
    previous: str | None
    algorithm: str
    undo: Callable[[], None] | None = field(default=None, compare=False)

    def data(self) -> dict[str, str]:
        return {
            "PublicKeyId": self.current,
            "PreviousPublicKeyId": self.previous or "",
            "KeyGroupItems": ",".join(dict.fromkeys(filter(None, (self.current, self.previous)))),
            "KeyAlgorithm": self.algorithm,
        }


def outcome_of(state: SecretState, owned: Iterable[str], fallback_algorithm: str) -> Outcome:
    """Answer with what the secret already says (no change made by this event)."""
    assert state.key_pair_id is not None
    previous = state.previous_key_pair_id if state.previous_key_pair_id in owned else None
    return Outcome(state.key_pair_id, previous, state.algorithm or fallback_algorithm)


def rotate(
    invocation: Invocation,
    clients: Clients,
    properties: KeyPairProperties,
    before: SecretState,
    previous: str | None,
) -> Outcome:
    """New pair -> CloudFront public key -> current in the secret; no stray key on failure."""
    event, secret_arn = invocation.event, properties.secret_arn
    pair = generate_pair(
        clients.kms, properties.kms_key_arn, properties.algorithm, properties.secret_arn
    )
    key_id = create_public_key(
        clients.cloudfront, event, Ownership.of(event), pair, properties.algorithm
    )
    LOGGER.info("created public key %s (%s)", key_id, properties.algorithm)
    document = secret_document(key_id, pair, properties, previous)
    token = version_token(event)
    try:
        write_secret(clients.secrets, secret_arn, json.dumps(document), token)
    except OutOfTime:
        _forget_new_key(clients.cloudfront, key_id)
        raise
    except KeyPairError as error:
        try:
            stored = read_secret(clients.secrets, secret_arn, VersionId=token)
        except KeyPairError as unreadable:
            raise KeyPairError(
                f"{error}; reading it back failed too ({unreadable}): the secret may name this "
                "event's key, which the stack's rollback Update puts back"
            ) from error
        if stored is None or "AWSCURRENT" not in stored.stages or not stored.key_pair_id:
            _forget_new_key(clients.cloudfront, key_id)
            raise
        if stored.key_pair_id != key_id:
            LOGGER.warning("another delivery of this event stored %s", stored.key_pair_id)
            _forget_new_key(clients.cloudfront, key_id)
            return Outcome(stored.key_pair_id, previous, properties.algorithm)
        LOGGER.warning("PutSecretValue reported an error, but this version is current")
    undo_token = version_token(event, "|undo")
    undo = functools.partial(_undo_write, clients, secret_arn, before.text, undo_token, key_id)
    return Outcome(key_id, previous, properties.algorithm, undo)


def _forget_new_key(cloudfront: Any, key_id: str) -> None:
    """The secret does not name this key (no key group lists it): delete it if time allows."""
    try:
        delete_public_keys(cloudfront, [key_id])
    except Exception:
        LOGGER.exception("could not delete unused public key %s; the next Delete does", key_id)


def _undo_write(clients: Clients, secret_arn: str, text: str, undo_token: str, key_id: str) -> None:
    """FAILED was answered, yet this event's write landed: put the earlier value back, then
    delete the key. After the answer: raw clients, no time checks; if it fails, ``roll_back``."""
    LOGGER.warning("answered FAILED after storing %s: putting the earlier value back", key_id)
    try:
        write_secret(clients.secrets.raw, secret_arn, text, undo_token)
    except KeyPairError:
        LOGGER.exception("could not put the earlier value back; the rollback does")
        return
    _forget_new_key(clients.cloudfront.raw, key_id)


def undoes_own_rotation(
    event: dict[str, Any],
    properties: KeyPairProperties,
    current: SecretState,
    earlier: SecretState | None,
    owned: Iterable[str],
) -> bool:
    """In UPDATE_ROLLBACK_IN_PROGRESS: does the secret show our rotation from AWSPREVIOUS, made
    with the properties the rollback asks for? (The secret alone cannot tell a rollback from
    setting RotationToken back.)"""
    owned = set(owned)
    return (
        earlier is not None
        and current.key_pair_id in owned
        and earlier.key_pair_id in owned
        and current.previous_key_pair_id == earlier.key_pair_id
        and earlier.generation == properties.generation
        and event.get("PhysicalResourceId") in (current.key_pair_id, earlier.key_pair_id)
    )


def roll_back(
    invocation: Invocation,
    clients: Clients,
    properties: KeyPairProperties,
    current: SecretState,
    owned: dict[str, str],
) -> Outcome:
    """Make AWSPREVIOUS current again if the secret shows our rotation; else keep the current
    key (a rotation now could drop the key everyone signs with)."""
    event = invocation.event
    earlier = read_secret(clients.secrets, properties.secret_arn, VersionStage="AWSPREVIOUS")
    if earlier is None or not undoes_own_rotation(event, properties, current, earlier, owned):
        LOGGER.warning("rollback: the secret shows no rotation of ours to undo")
        return outcome_of(current, owned, properties.algorithm)
    token = version_token(event)
    restored = make_current_again(clients.secrets, properties.secret_arn, earlier, owned, token)
    return outcome_of(restored, owned, properties.algorithm)


def make_current_again(
    secrets: Any, secret_arn: str, earlier: SecretState, owned: Iterable[str], token: str
) -> SecretState:
    """One PutSecretValue: AWSPREVIOUS's key pair is current again; its previousKeyPairId
    stays only if that key still exists."""
    previous = earlier.previous_key_pair_id
    document = dict(earlier.content, previousKeyPairId=previous if previous in owned else None)
    write_secret(secrets, secret_arn, json.dumps(document), token)
    LOGGER.info("%s is current again", earlier.key_pair_id)
    return SecretState(earlier.version_id, document)


def create_or_update(invocation: Invocation, clients: Clients) -> Outcome:
    event = invocation.event
    properties = KeyPairProperties.parse(event.get("ResourceProperties"))
    current = read_secret(clients.secrets, properties.secret_arn)
    assert current is not None
    owned = owned_public_keys(clients.cloudfront, Ownership.of(event))
    ours = current.key_pair_id in owned
    if ours and current.version_id == version_token(event):
        LOGGER.info("request already done (repeated delivery): %s", current.key_pair_id)
        return outcome_of(current, owned, properties.algorithm)
    if event["RequestType"] == "Create":
        return rotate(invocation, clients, properties, current, previous=None)
    if ours and current.generation == properties.generation:
        LOGGER.info("nothing relevant changed: %s stays current", current.key_pair_id)
        return outcome_of(current, owned, properties.algorithm)
    stack_id = _event_field(event, "StackId")
    status = stack_status(
        clients.cloudformation,
        stack_id,
        "the key pair is not rotated without knowing whether the stack is rolling back "
        "(nothing changed; retry the update, or continue the rollback)",
    )
    if status == ROLLING_BACK and ours:
        return roll_back(invocation, clients, properties, current, owned)
    if status not in (UPDATING, ROLLING_BACK):
        raise KeyPairError(
            f"Stack {stack_id} is {status}: an Update is only expected in {UPDATING} or "
            f"{ROLLING_BACK}; nothing changed"
        )
    candidates = [current.key_pair_id, event.get("PhysicalResourceId")]
    previous = next((key_id for key_id in candidates if key_id in owned), None)
    return rotate(invocation, clients, properties, current, previous)


def delete(invocation: Invocation, clients: Clients) -> str:
    """Delete this resource's public keys but those a key group lists (CloudFront refuses) and,
    in a cleanup, the secret's one. Else (stack deletion, a create's rollback) every key goes:
    a listed key is someone else's use of it, and fails the Delete."""
    event = invocation.event
    status = stack_status(
        clients.cloudformation,
        _event_field(event, "StackId"),
        "no public key deleted (retry a stack deletion; a cleanup's keys go in the next one)",
    )
    owned = owned_public_keys(clients.cloudfront, Ownership.of(event))
    cleanup = status.endswith("_CLEANUP_IN_PROGRESS")
    keep = key_the_secret_names(invocation, clients, status, owned) if cleanup else None
    in_use = delete_public_keys(clients.cloudfront, set(owned) - {keep})
    if in_use and not cleanup:
        raise KeyPairError(
            f"CloudFront public keys {', '.join(in_use)} are still listed in a key group; "
            "remove them from every key group, then retry the delete"
        )
    return invocation.fallback_physical_id()


def key_the_secret_names(
    invocation: Invocation, clients: Clients, status: str, owned: dict[str, str]
) -> str | None:
    """A rollback deleting the key the secret names undoes our replacement (CloudFormation
    sends a replaced resource no Update): AWSPREVIOUS is made current first if the secret was
    rotated from it. An unreadable secret keeps the event's key: the only unlisted one it may
    name."""
    event, physical_id = invocation.event, invocation.fallback_physical_id()
    try:
        secret_arn = KeyPairProperties.parse(event.get("ResourceProperties")).secret_arn
        current = read_secret(clients.secrets, secret_arn)
    except OutOfTime:
        raise
    except KeyPairError as error:
        LOGGER.warning("%s; keeping %s, which the secret may name", error, physical_id)
        return physical_id
    assert current is not None
    if status == ROLLBACK_CLEANUP and current.key_pair_id == physical_id:
        earlier = read_secret(clients.secrets, secret_arn, VersionStage="AWSPREVIOUS")
        previous = current.previous_key_pair_id
        if earlier and previous in owned and earlier.key_pair_id == previous:
            token = version_token(event)
            current = make_current_again(clients.secrets, secret_arn, earlier, owned, token)
    return current.key_pair_id


# --- entry point


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point (``index.handler``): answer CloudFormation exactly once, always."""
    fields = ("RequestType", "LogicalResourceId", "RequestId", "PhysicalResourceId")
    LOGGER.info("event %s", {name: event.get(name) for name in fields})
    invocation = Invocation(event, context)
    watchdog = Watchdog(invocation)
    try:
        _process(invocation)
    finally:
        watchdog.stop()


def _process(invocation: Invocation) -> None:
    try:
        clients = Clients.create(invocation)
        request_type = invocation.event.get("RequestType")
        if request_type == "Delete":
            physical_id = delete(invocation, clients)
            invocation.answer("SUCCESS", "unlisted public keys deleted", physical_id, None)
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
    reason = f"current key {outcome.current}"
    answered = invocation.answer("SUCCESS", reason, outcome.current, outcome.data())
    if not answered and outcome.undo is not None:
        outcome.undo()
