"""The key pair custom resource, driven like CloudFormation drives it, against moto.

Real event payloads go to the real entry point ``handler(event, context)``; answers arrive on
a local HTTP server, and a SUCCESS answer updates the key group the moment it arrives; Secrets
Manager and CloudFront public keys are moto; KMS GenerateDataKeyPair and CloudFormation
DescribeStacks are Stubber-checked doubles.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from moto import mock_aws

from products.key_pair import function as key_pair_function
from products.key_pair.function import (
    COMMIT_BUDGET_MS,
    MAX_RESPONSE_BYTES,
    RESPONSE_SAFETY_MARGIN_MS,
    STEP_BUDGET_MS,
    WORST_CASE_CALL_MS,
    Ownership,
)
from products.secret import PLACEHOLDER_SECRET_VALUE
from tests.support.key_pair_fixtures import (
    KMS_KEY_ARN,
    REGION,
    ClockedClient,
    FakeLambdaContext,
    KmsKeyPairDouble,
    ResponseReceiver,
    SimulatedStack,
    encoded_public_key,
    public_keys,
    resource_properties,
)

#: A canned-policy statement as CloudFront signs it (compact JSON, exact URL).
POLICY = (
    b'{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/report.pdf",'
    b'"Condition":{"DateLessThan":{"AWS:EpochTime":1767225600}}}]}'
)
KMS_SPEC = {"RSA_2048": "RSA_2048", "ECDSA_P256": "ECC_NIST_P256"}

#: The AWS calls of a rotation, in order (PutSecretValue needs the larger commit budget).
ROTATION_CALLS = [
    "get_secret_value",
    "list_public_keys",
    "describe_stacks",
    "generate_data_key_pair",
    "create_public_key",
    "put_secret_value",
]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as server:
        yield server


@pytest.fixture
def kms() -> KmsKeyPairDouble:
    return KmsKeyPairDouble()


@pytest.fixture
def secret_arn(aws: None) -> str:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    return secrets.create_secret(Name="team-a/signing", SecretString=PLACEHOLDER_SECRET_VALUE)[
        "ARN"
    ]


@pytest.fixture
def stack(
    aws: None, receiver: ResponseReceiver, kms: KmsKeyPairDouble, monkeypatch: pytest.MonkeyPatch
) -> SimulatedStack:
    simulated = SimulatedStack(receiver, kms)
    monkeypatch.setattr(key_pair_function, "kms_client", lambda: kms)
    monkeypatch.setattr(key_pair_function, "cloudfront_client", simulated.cloudfront)
    monkeypatch.setattr(key_pair_function, "cloudformation_client", simulated.cloudformation)
    monkeypatch.setattr(key_pair_function, "STACK_STATUS_PAUSE_S", 0.01)
    return simulated


def secret_value(secret_arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    return json.loads(
        secrets.get_secret_value(SecretId=secret_arn, VersionStage=stage)["SecretString"]
    )


def secret_version_ids(secret_arn: str) -> set[str]:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    return {
        version["VersionId"]
        for version in secrets.list_secret_version_ids(SecretId=secret_arn)["Versions"]
    }


def key_ids() -> set[str]:
    return {summary["Id"] for summary in public_keys()}


def private_key_of(document: dict[str, Any]) -> Any:
    return serialization.load_pem_private_key(document["privateKey"].encode(), password=None)


def cloudfront_public_key(key_id: str) -> Any:
    return serialization.load_pem_public_key(encoded_public_key(key_id).encode())


def sign(private_key: Any, message: bytes, digest: hashes.HashAlgorithm) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, padding.PKCS1v15(), digest)
    return private_key.sign(message, ec.ECDSA(digest))


def verify(public_key: Any, signature: bytes, message: bytes, digest: hashes.HashAlgorithm) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, message, padding.PKCS1v15(), digest)
    else:
        public_key.verify(signature, message, ec.ECDSA(digest))


def verifies_with_key_group(
    stack: SimulatedStack, signature: bytes, digest: hashes.HashAlgorithm
) -> bool:
    """CloudFront's check: some public key of the trusted key group verifies the signature."""
    for key_id in stack.key_group_items or []:
        try:
            verify(cloudfront_public_key(key_id), signature, POLICY, digest)
        except InvalidSignature:
            continue
        return True
    return False


def secret_matches_its_public_key(secret_arn: str) -> bool:
    """The secret's private key is the one behind the CloudFront public key it names."""
    document = secret_value(secret_arn)
    published = cloudfront_public_key(document["keyPairId"])
    return published.public_numbers() == private_key_of(document).public_key().public_numbers()


def rotated_twice(stack: SimulatedStack, secret_arn: str) -> dict[str, Any]:
    """Create (K1), rotate (K2): the secret's value with K2 current and K1 previous."""
    stack.create(resource_properties(secret_arn))
    stack.update(resource_properties(secret_arn, RotationToken="2"))
    return secret_value(secret_arn)


class SecretsWrapper:
    """The moto Secrets Manager client; subclasses change PutSecretValue."""

    def __init__(self) -> None:
        self._client = boto3.client("secretsmanager", region_name=REGION)
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class WriteOverrunsTheWatchdog(SecretsWrapper):
    """The first PutSecretValue lands, then takes so long that the watchdog answers FAILED
    before it returns (a call past its bounds). ``deny_later_writes``: the writes after it
    (the undo) are refused."""

    def __init__(
        self,
        context: FakeLambdaContext,
        receiver: ResponseReceiver,
        request_id: str,
        *,
        deny_later_writes: bool = False,
    ) -> None:
        super().__init__()
        self._context = context
        self._receiver = receiver
        self._request_id = request_id
        self._deny_later_writes = deny_later_writes

    def put_secret_value(self, **request: Any) -> Any:
        self.writes += 1
        if self.writes > 1 and self._deny_later_writes:
            raise ClientError(
                {"Error": {"Code": "InternalServiceError", "Message": "unavailable"}},
                "PutSecretValue",
            )
        response = self._client.put_secret_value(**request)
        if self.writes == 1:
            remaining = self._context.get_remaining_time_in_millis()
            self._context.advance(remaining - (RESPONSE_SAFETY_MARGIN_MS - 1_000))
            self._receiver.wait_for(self._request_id)
        return response


# --- create ----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RSA_2048", "ECDSA_P256"])
def test_create_generates_the_pair_in_the_account(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble, algorithm: str
) -> None:
    response = stack.create(resource_properties(secret_arn, KeyAlgorithm=algorithm))

    assert response["Status"] == "SUCCESS", response["Reason"]
    key_id = response["PhysicalResourceId"]
    assert response["Data"] == {
        "PublicKeyId": key_id,
        "PreviousPublicKeyId": "",
        "KeyGroupItems": key_id,
        "KeyAlgorithm": algorithm,
    }
    assert response["_content_type"] == "", "presigned S3 URLs need an empty Content-Type"
    assert "PRIVATE KEY" not in json.dumps(response), "key material must never reach CloudFormation"
    assert kms.calls == [
        {
            "KeyId": KMS_KEY_ARN,
            "KeyPairSpec": KMS_SPEC[algorithm],
            # The boundary allows key pairs only for the capability's secrets, named so.
            "EncryptionContext": {"SecretARN": secret_arn},
        }
    ]
    assert key_ids() == {key_id}
    assert stack.key_group_items == [key_id]

    document = secret_value(secret_arn)
    assert document["keyPairId"] == key_id
    assert document["algorithm"] == algorithm
    assert document["previousKeyPairId"] is None
    assert document["rotationToken"] == "initial"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["createdAt"])
    assert document["privateKey"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert document["publicKey"] == encoded_public_key(key_id)
    assert encoded_public_key(key_id).startswith("-----BEGIN PUBLIC KEY-----\n")


def test_kms_request_must_match_what_the_event_asked_for(
    stack: SimulatedStack, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The KMS double checks the request against the event, not against itself."""
    wrong = dict(key_pair_function.KEY_PAIR_SPECS, ECDSA_P256="ECC_NIST_P384")
    monkeypatch.setattr(key_pair_function, "KEY_PAIR_SPECS", wrong)

    response = stack.create(resource_properties(secret_arn, KeyAlgorithm="ECDSA_P256"))

    assert response["Status"] == "FAILED"
    assert "ECC_NIST_P384" in response["Reason"]
    assert key_ids() == set()


@pytest.mark.parametrize("algorithm", ["RSA_2048", "ECDSA_P256"])
def test_published_public_key_matches_the_private_key(
    stack: SimulatedStack, secret_arn: str, algorithm: str
) -> None:
    stack.create(resource_properties(secret_arn, KeyAlgorithm=algorithm))

    assert secret_matches_its_public_key(secret_arn)
    private_key = private_key_of(secret_value(secret_arn))
    expected = rsa.RSAPrivateKey if algorithm == "RSA_2048" else ec.EllipticCurvePrivateKey
    assert isinstance(private_key, expected)
    if algorithm == "RSA_2048":
        assert private_key.key_size == 2048
    else:
        assert isinstance(private_key.curve, ec.SECP256R1)


@pytest.mark.parametrize(
    ("algorithm", "digest"),
    [("RSA_2048", hashes.SHA1()), ("RSA_2048", hashes.SHA256()), ("ECDSA_P256", hashes.SHA256())],
    ids=["rsa-sha1", "rsa-sha256", "ecdsa-sha256"],
)
def test_signature_from_the_secret_verifies_with_the_published_key(
    stack: SimulatedStack, secret_arn: str, algorithm: str, digest: hashes.HashAlgorithm
) -> None:
    response = stack.create(resource_properties(secret_arn, KeyAlgorithm=algorithm))

    signature = sign(private_key_of(secret_value(secret_arn)), POLICY, digest)
    verify(cloudfront_public_key(response["PhysicalResourceId"]), signature, POLICY, digest)
    with pytest.raises(InvalidSignature):
        verify(
            cloudfront_public_key(response["PhysicalResourceId"]), signature, POLICY + b" ", digest
        )


# --- rotation --------------------------------------------------------------------------------


def test_rotating_twice_keeps_the_previous_key_and_retires_older_ones(
    stack: SimulatedStack, secret_arn: str
) -> None:
    first = stack.create(resource_properties(secret_arn))["PhysicalResourceId"]
    signed_before = sign(private_key_of(secret_value(secret_arn)), POLICY, hashes.SHA256())

    second_response = stack.update(resource_properties(secret_arn, RotationToken="2025-06-01"))
    second = second_response["PhysicalResourceId"]
    assert second != first
    assert second_response["Data"]["PreviousPublicKeyId"] == first
    document = secret_value(secret_arn)
    assert (document["keyPairId"], document["previousKeyPairId"]) == (second, first)
    assert stack.key_group_items == [second, first]
    assert key_ids() == {first, second}
    assert verifies_with_key_group(stack, signed_before, hashes.SHA256())
    signed_between = sign(private_key_of(document), POLICY, hashes.SHA256())

    third = stack.update(resource_properties(secret_arn, RotationToken="2025-12-01"))[
        "PhysicalResourceId"
    ]
    document = secret_value(secret_arn)
    assert (document["keyPairId"], document["previousKeyPairId"]) == (third, second)
    assert stack.key_group_items == [third, second]
    assert key_ids() == {second, third}, "the key older than previous is deleted"
    assert verifies_with_key_group(stack, signed_between, hashes.SHA256())
    assert not verifies_with_key_group(stack, signed_before, hashes.SHA256())


def test_keys_are_deleted_only_by_the_cleanup_after_the_update_is_final(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """Until CloudFormation's cleanup Delete, a rollback may still need every key."""
    before = rotated_twice(stack, secret_arn)

    forward = stack.update(
        resource_properties(secret_arn, RotationToken="3"), later_resource_fails=True
    )

    assert forward["Status"] == "SUCCESS", forward["Reason"]
    assert stack.key_group_items == [forward["PhysicalResourceId"], before["keyPairId"]]
    assert key_ids() == {
        forward["PhysicalResourceId"],
        before["keyPairId"],
        before["previousKeyPairId"],
    }, "the key the rollback returns to as previous must still exist"


def test_update_that_changes_nothing_relevant_does_not_rotate(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    created = stack.create(resource_properties(secret_arn))
    versions = secret_version_ids(secret_arn)

    updated = stack.update(resource_properties(secret_arn, ServiceTimeout="900"))

    assert updated["Status"] == "SUCCESS", updated["Reason"]
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert updated["Data"] == created["Data"]
    assert len(kms.calls) == 1
    assert secret_version_ids(secret_arn) == versions
    assert key_ids() == {created["PhysicalResourceId"]}


def test_setting_the_rotation_token_back_rotates_to_a_new_key(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """Not a rollback, although the secret looks the same as in one: the stack status decides."""
    before = rotated_twice(stack, secret_arn)

    response = stack.update(resource_properties(secret_arn))  # RotationToken "initial" again

    new_key = response["PhysicalResourceId"]
    assert new_key not in (before["keyPairId"], before["previousKeyPairId"])
    document = secret_value(secret_arn)
    assert (document["keyPairId"], document["previousKeyPairId"]) == (new_key, before["keyPairId"])
    assert stack.key_group_items == [new_key, before["keyPairId"]]


def test_changing_the_algorithm_rotates_to_a_key_of_the_new_kind(
    stack: SimulatedStack, secret_arn: str
) -> None:
    rsa_key = stack.create(resource_properties(secret_arn))["PhysicalResourceId"]

    response = stack.update(resource_properties(secret_arn, KeyAlgorithm="ECDSA_P256"))

    ecdsa_key = response["PhysicalResourceId"]
    assert ecdsa_key != rsa_key
    assert stack.key_group_items == [ecdsa_key, rsa_key]
    assert isinstance(cloudfront_public_key(ecdsa_key), ec.EllipticCurvePublicKey)
    assert isinstance(private_key_of(secret_value(secret_arn)), ec.EllipticCurvePrivateKey)
    assert isinstance(cloudfront_public_key(rsa_key), rsa.RSAPublicKey)


def test_moving_to_another_secret_rotates_into_it_and_keeps_the_old_key_trusted(
    stack: SimulatedStack, secret_arn: str
) -> None:
    first = stack.create(resource_properties(secret_arn))["PhysicalResourceId"]
    left_behind = secret_value(secret_arn)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    other = secrets.create_secret(Name="team-a/signing-2", SecretString=PLACEHOLDER_SECRET_VALUE)[
        "ARN"
    ]

    moved = stack.update(resource_properties(other))["PhysicalResourceId"]

    document = secret_value(other)
    assert (document["keyPairId"], document["previousKeyPairId"]) == (moved, first)
    assert stack.key_group_items == [moved, first]
    assert key_ids() == {moved, first}
    assert secret_value(secret_arn) == left_behind


def test_update_with_an_unreadable_stack_status_does_not_rotate(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    created = stack.create(resource_properties(secret_arn))
    before = secret_value(secret_arn)
    stack.stack_status.unavailable = True

    response = stack.update(resource_properties(secret_arn, RotationToken="2"))

    assert response["Status"] == "FAILED"
    assert "Reading the status of stack" in response["Reason"]
    assert "not rotated without knowing whether the stack is rolling back" in response["Reason"]
    assert stack.stack_status.calls == key_pair_function.STACK_STATUS_ATTEMPTS
    assert len(kms.calls) == 1
    assert secret_value(secret_arn) == before
    assert key_ids() == {created["PhysicalResourceId"]}


# --- repeated and concurrent deliveries ------------------------------------------------------


def test_repeated_create_delivery_makes_no_extra_key(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    event = stack.event("Create", resource_properties(secret_arn))
    key_pair_function.handler(event, FakeLambdaContext())
    versions = secret_version_ids(secret_arn)

    key_pair_function.handler(event, FakeLambdaContext())

    first, again = stack.receiver.for_request(event["RequestId"])
    assert first["Status"] == again["Status"] == "SUCCESS"
    assert again["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert again["Data"] == first["Data"]
    assert key_ids() == {first["PhysicalResourceId"]}
    assert len(kms.calls) == 1
    assert secret_version_ids(secret_arn) == versions


def test_concurrent_deliveries_of_one_event_store_and_answer_one_key(
    stack: SimulatedStack,
    secret_arn: str,
    kms: KmsKeyPairDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Delivery A stores its key while B is between uploading its key and writing the secret:
    B's write is refused (same version token), and B must answer with A's key, not its own."""
    event = stack.event("Create", resource_properties(secret_arn))

    class HeldFirstWrite(SecretsWrapper):
        def __init__(self) -> None:
            super().__init__()
            self.entered, self.release = threading.Event(), threading.Event()

        def put_secret_value(self, **request: Any) -> Any:
            self.writes += 1
            if self.writes == 1:
                self.entered.set()
                assert self.release.wait(timeout=30)
            return self._client.put_secret_value(**request)

    secrets = HeldFirstWrite()
    monkeypatch.setattr(key_pair_function, "secretsmanager_client", lambda: secrets)
    delivery_b = threading.Thread(
        target=key_pair_function.handler, args=(event, FakeLambdaContext())
    )
    delivery_b.start()
    assert secrets.entered.wait(timeout=30)

    key_pair_function.handler(event, FakeLambdaContext())  # delivery A, start to finish
    secrets.release.set()
    delivery_b.join(timeout=30)

    answer_a, answer_b = stack.receiver.for_request(event["RequestId"])
    assert answer_a["Status"] == answer_b["Status"] == "SUCCESS", answer_b["Reason"]
    assert answer_b["PhysicalResourceId"] == answer_a["PhysicalResourceId"]
    assert answer_b["Data"] == answer_a["Data"]
    assert len(kms.calls) == 2, "both deliveries made a key"
    assert secret_value(secret_arn)["keyPairId"] == answer_a["PhysicalResourceId"]
    assert secret_matches_its_public_key(secret_arn)
    assert key_ids() == {answer_a["PhysicalResourceId"]}, "B's key, never stored, is deleted"


def test_key_left_by_a_delivery_that_died_goes_at_the_next_cleanup(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """A dead delivery uploaded a public key whose private key is lost: no Create or Update
    deletes keys (a concurrent delivery may be about to store its key), the next Delete does."""
    event = stack.event("Create", resource_properties(secret_arn))
    orphan = boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={
            "CallerReference": f"{event['RequestId']}-1",
            "Name": f"{Ownership.of(event).prefix}-0123456789ab",
            "EncodedKey": "-----BEGIN PUBLIC KEY-----\nlost\n-----END PUBLIC KEY-----\n",
        }
    )["PublicKey"]["Id"]

    created = stack.deliver(event, updates_key_group=True)
    stack.physical_id, stack.properties = (
        created["PhysicalResourceId"],
        resource_properties(secret_arn),
    )
    assert created["Status"] == "SUCCESS", created["Reason"]
    assert created["PhysicalResourceId"] != orphan
    assert orphan not in (stack.key_group_items or [])

    rotated = stack.update(resource_properties(secret_arn, RotationToken="2"))

    assert key_ids() == {rotated["PhysicalResourceId"], created["PhysicalResourceId"]}


# --- rollback --------------------------------------------------------------------------------

#: Property changes that rotate, so that CloudFormation sees a replacement.
ROTATING_CHANGES = {
    "rotation-token": {"RotationToken": "3"},
    "key-algorithm": {"KeyAlgorithm": "ECDSA_P256"},
}


def replaced_then_failed(
    stack: SimulatedStack, secret_arn: str, change: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """Create (K1), rotate (K2), then an update that rotates (K3) while a later resource fails.
    Returns the secret's value from before that update and the failed update's key."""
    before = rotated_twice(stack, secret_arn)
    forward = stack.update(
        resource_properties(secret_arn, **{"RotationToken": "2", **change}),
        later_resource_fails=True,
    )
    assert forward["Status"] == "SUCCESS", forward["Reason"]
    failed_key = forward["PhysicalResourceId"]
    assert failed_key not in (before["keyPairId"], before["previousKeyPairId"])
    assert secret_value(secret_arn)["keyPairId"] == failed_key
    return before, failed_key


def orphan_key(stack: SimulatedStack, name_suffix: str = "0123456789ab") -> str:
    """A key of this resource that no secret names (left by a delivery that died midway)."""
    prefix = Ownership.of({"StackId": stack.stack_id, "LogicalResourceId": "KeyPair"}).prefix
    return boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={
            "CallerReference": f"orphan-{name_suffix}",
            "Name": f"{prefix}-{name_suffix}",
            "EncodedKey": "-----BEGIN PUBLIC KEY-----\nlost\n-----END PUBLIC KEY-----\n",
        }
    )["PublicKey"]["Id"]


@pytest.mark.parametrize("change", ROTATING_CHANGES.values(), ids=ROTATING_CHANGES.keys())
def test_rollback_of_a_replacement_makes_the_earlier_key_current_again(
    stack: SimulatedStack, secret_arn: str, change: dict[str, str]
) -> None:
    """CloudFormation's own sequence: no Update for the replaced resource, the key group back
    to the old attributes, then the cleanup Delete of the new physical ID."""
    before, failed_key = replaced_then_failed(stack, secret_arn, change)
    signed_before = sign(private_key_of(before), POLICY, hashes.SHA256())

    cleanup = stack.roll_back_replaced()

    assert cleanup["Status"] == "SUCCESS", cleanup["Reason"]
    restored = secret_value(secret_arn)
    assert (restored["keyPairId"], restored["previousKeyPairId"]) == (
        before["keyPairId"],
        before["previousKeyPairId"],
    )
    assert (restored["privateKey"], restored["algorithm"]) == (
        before["privateKey"],
        before["algorithm"],
    )
    assert secret_matches_its_public_key(secret_arn)
    assert stack.physical_id == before["keyPairId"]
    assert stack.key_group_items == [before["keyPairId"], before["previousKeyPairId"]]
    assert failed_key not in key_ids()
    assert key_ids() == {before["keyPairId"], before["previousKeyPairId"]}, "no key leaks"
    assert verifies_with_key_group(stack, signed_before, hashes.SHA256())
    signed_after = sign(private_key_of(restored), POLICY, hashes.SHA256())
    assert verifies_with_key_group(stack, signed_after, hashes.SHA256())

    rotated = stack.update(resource_properties(secret_arn, RotationToken="4"))
    assert rotated["Status"] == "SUCCESS", rotated["Reason"]
    assert key_ids() == {rotated["PhysicalResourceId"], before["keyPairId"]}


def test_rollback_of_a_move_to_another_secret_leaves_the_old_secret_as_it_was(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """The new secret's AWSPREVIOUS is not our previous key: nothing to put back there, and its
    key stays until the next cleanup, which reads the old secret again."""
    first = stack.create(resource_properties(secret_arn))["PhysicalResourceId"]
    left_behind = secret_value(secret_arn)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    other = secrets.create_secret(Name="team-a/signing-2", SecretString=PLACEHOLDER_SECRET_VALUE)[
        "ARN"
    ]
    moved = stack.update(resource_properties(other), later_resource_fails=True)[
        "PhysicalResourceId"
    ]

    cleanup = stack.roll_back_replaced()

    assert cleanup["Status"] == "SUCCESS", cleanup["Reason"]
    assert secret_value(secret_arn) == left_behind
    assert secret_matches_its_public_key(secret_arn)
    assert stack.key_group_items == [first]
    assert key_ids() == {first, moved}, "the key the other secret names stays"

    rotated = stack.update(resource_properties(secret_arn, RotationToken="2"))
    assert key_ids() == {rotated["PhysicalResourceId"], first}, "no key leaks for good"


def test_repeated_delivery_of_the_rollback_cleanup_changes_nothing_more(
    stack: SimulatedStack, secret_arn: str, receiver: ResponseReceiver
) -> None:
    _, failed_key = replaced_then_failed(stack, secret_arn, ROTATING_CHANGES["rotation-token"])
    failed_properties = stack.properties
    cleanup = stack.roll_back_replaced()
    restored, versions, keys = secret_value(secret_arn), secret_version_ids(secret_arn), key_ids()
    event = stack.event(
        "Delete", failed_properties, physical_id=failed_key, request_id=cleanup["RequestId"]
    )
    stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"

    key_pair_function.handler(event, FakeLambdaContext())

    first, again = receiver.for_request(cleanup["RequestId"])
    assert first["Status"] == again["Status"] == "SUCCESS", again["Reason"]
    assert secret_value(secret_arn) == restored
    assert secret_version_ids(secret_arn) == versions
    assert key_ids() == keys


def test_rollback_cleanup_retries_a_throttled_stack_status(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    before, _ = replaced_then_failed(stack, secret_arn, ROTATING_CHANGES["rotation-token"])
    calls_before, keys_made = stack.stack_status.calls, len(kms.calls)
    stack.stack_status.failures = ["Throttling", "Throttling"]

    cleanup = stack.roll_back_replaced()

    assert cleanup["Status"] == "SUCCESS", cleanup["Reason"]
    assert stack.stack_status.failures == []
    assert stack.stack_status.calls - calls_before == 3, "2 throttled, then the status"
    assert len(kms.calls) == keys_made, "a rollback makes no key"
    assert secret_value(secret_arn)["keyPairId"] == before["keyPairId"]
    assert key_ids() == {before["keyPairId"], before["previousKeyPairId"]}


def test_rollback_cleanup_with_an_unreadable_stack_status_deletes_nothing(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """Unknown status: this may be a stack deletion (FAILED makes its operator retry) or a
    cleanup (CloudFormation only reports a FAILED one); never delete what the secret names."""
    before, failed_key = replaced_then_failed(stack, secret_arn, ROTATING_CHANGES["rotation-token"])
    during, keys = secret_value(secret_arn), key_ids()
    stack.stack_status.unavailable = True

    cleanup = stack.roll_back_replaced()

    assert cleanup["Status"] == "FAILED"
    assert "Reading the status of stack" in cleanup["Reason"]
    assert "no public key deleted" in cleanup["Reason"]
    assert secret_value(secret_arn) == during
    assert key_ids() == keys
    assert stack.status == "UPDATE_ROLLBACK_COMPLETE", "a failed cleanup does not fail the stack"

    stack.stack_status.unavailable = False  # the key the secret names exists: a rotation repairs
    rotated = stack.update(resource_properties(secret_arn, RotationToken="4"))
    assert secret_matches_its_public_key(secret_arn)
    assert stack.key_group_items == [rotated["PhysicalResourceId"], failed_key]
    assert key_ids() == {rotated["PhysicalResourceId"], failed_key}
    assert before["keyPairId"] not in key_ids()


def test_rollback_cleanup_that_cannot_read_the_secret_keeps_the_key_it_may_name(
    stack: SimulatedStack,
    secret_arn: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Also what happens after a SecretArn change: the role may no longer read the old secret."""
    before, failed_key = replaced_then_failed(stack, secret_arn, ROTATING_CHANGES["rotation-token"])
    orphan = orphan_key(stack)

    class DeniedReads(SecretsWrapper):
        def get_secret_value(self, **request: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no GetSecretValue"}},
                "GetSecretValue",
            )

    monkeypatch.setattr(key_pair_function, "secretsmanager_client", DeniedReads)

    cleanup = stack.roll_back_replaced()

    assert cleanup["Status"] == "SUCCESS", "the stack must not wait on an unreadable secret"
    [warning] = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert "AccessDeniedException" in warning
    assert f"keeping {failed_key}, which the secret may name" in warning
    assert key_ids() == {failed_key, before["keyPairId"], before["previousKeyPairId"]}
    assert orphan not in key_ids(), "keys the secret cannot name still go"
    assert secret_value(secret_arn)["keyPairId"] == failed_key, "unreadable: left as it was"


def test_update_cleanup_deletes_only_unlisted_old_keys_and_leaves_the_secret(
    stack: SimulatedStack, secret_arn: str
) -> None:
    before = rotated_twice(stack, secret_arn)
    versions = secret_version_ids(secret_arn)
    orphan = orphan_key(stack)

    rotated = stack.update(resource_properties(secret_arn, RotationToken="3"))

    new_key = rotated["PhysicalResourceId"]
    assert key_ids() == {new_key, before["keyPairId"]}
    assert orphan not in key_ids() and before["previousKeyPairId"] not in key_ids()
    assert len(secret_version_ids(secret_arn) - versions) == 1, "the rotation's write only"
    assert secret_value(secret_arn)["keyPairId"] == new_key
    assert secret_matches_its_public_key(secret_arn)


def test_a_cleanup_never_deletes_the_key_the_secret_names(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """Even when no key group lists it any more (here: the resource and its key group left the
    template in an update; the key group went first, as its dependency says)."""
    before = rotated_twice(stack, secret_arn)
    stack.key_group_items = None

    cleanup = stack.cleanup_delete(
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", stack.properties, before["keyPairId"]
    )

    assert cleanup["Status"] == "SUCCESS", cleanup["Reason"]
    assert key_ids() == {before["keyPairId"]}
    assert secret_value(secret_arn) == before


def test_rollback_after_the_resource_itself_failed_changes_nothing(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    original = resource_properties(secret_arn)
    created = stack.create(original)
    kms.fail_with("AccessDeniedException", "not allowed")
    failed = stack.update(resource_properties(secret_arn, RotationToken="2"))
    assert failed["Status"] == "FAILED"
    assert failed["PhysicalResourceId"] == created["PhysicalResourceId"]
    kms.failure = None
    calls = len(kms.calls)

    response = stack.roll_back_to(original, failed_physical_id=failed["PhysicalResourceId"])

    assert response["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert response["Data"] == created["Data"]
    assert len(kms.calls) == calls
    assert key_ids() == {created["PhysicalResourceId"]}


# --- delete ----------------------------------------------------------------------------------


def test_delete_removes_every_key_it_made_and_keeps_the_secret(
    stack: SimulatedStack, secret_arn: str
) -> None:
    foreign = boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={
            "CallerReference": "someone-else",
            "Name": "another-team-key",
            "EncodedKey": "-----BEGIN PUBLIC KEY-----\nother\n-----END PUBLIC KEY-----\n",
        }
    )["PublicKey"]["Id"]
    stack.create(resource_properties(secret_arn))
    stack.update(resource_properties(secret_arn, RotationToken="2"))
    last = secret_value(secret_arn)

    response = stack.delete()

    assert response["Status"] == "SUCCESS", response["Reason"]
    assert key_ids() == {foreign}
    assert secret_value(secret_arn) == last, "the secret is never deleted"


def test_delete_while_a_key_group_still_lists_a_key_fails_readably(
    stack: SimulatedStack, secret_arn: str
) -> None:
    key_id = stack.create(resource_properties(secret_arn))["PhysicalResourceId"]
    stack.status = "DELETE_IN_PROGRESS"

    response = stack.deliver(stack.event("Delete", stack.properties, physical_id=stack.physical_id))

    assert response["Status"] == "FAILED"
    assert f"public keys {key_id} are still listed in a key group" in response["Reason"]
    assert key_ids() == {key_id}


def test_stack_deletion_with_an_unreadable_status_deletes_nothing_until_retried(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """It might be a cleanup, which must keep the key the secret names: FAILED, and the
    operator's retry of the stack deletion deletes every key."""
    stack.create(resource_properties(secret_arn))
    stack.update(resource_properties(secret_arn, RotationToken="2"))
    keys = key_ids()
    stack.stack_status.unavailable = True

    failed = stack.delete()

    assert failed["Status"] == "FAILED"
    assert "no public key deleted" in failed["Reason"]
    assert key_ids() == keys
    stack.stack_status.unavailable = False
    assert stack.delete()["Status"] == "SUCCESS"
    assert key_ids() == set()


# --- failures --------------------------------------------------------------------------------


def test_missing_secret_fails_readably_and_leaves_nothing(stack: SimulatedStack, aws: None) -> None:
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:nope-AbCdEf"

    response = stack.create(resource_properties(missing))

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(f"Reading the secret {missing}: GetSecretValue failed: ")
    assert "ResourceNotFoundException" in response["Reason"]
    assert key_ids() == set()
    assert stack.delete()["Status"] == "SUCCESS", "rollback of the failed create must not stick"


def test_kms_access_denied_fails_readably_and_leaves_nothing(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    kms.fail_with(
        "AccessDeniedException", "User is not authorized to perform kms:GenerateDataKeyPair"
    )

    response = stack.create(resource_properties(secret_arn))

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(
        f"Generating the key pair with {KMS_KEY_ARN}: GenerateDataKeyPair failed: "
        "AccessDeniedException: User is not authorized"
    )
    assert key_ids() == set()
    assert secret_value(secret_arn) == json.loads(PLACEHOLDER_SECRET_VALUE)


@pytest.mark.parametrize("character", ["é", "🔑"], ids=["6-byte-escape", "12-byte-escape"])
def test_long_non_ascii_reason_keeps_the_answer_within_4_kb(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble, character: str
) -> None:
    kms.fail_with("AccessDeniedException", character * 3_000)

    response = stack.create(resource_properties(secret_arn))

    assert response["Status"] == "FAILED"
    assert response["_bytes"] <= MAX_RESPONSE_BYTES
    assert response["Reason"].startswith(
        f"Generating the key pair with {KMS_KEY_ARN}: GenerateDataKeyPair failed: "
        f"AccessDeniedException: {character * 50}"
    )
    assert response["Reason"].endswith(character + "...")


def test_secret_write_denied_deletes_the_uploaded_public_key(
    stack: SimulatedStack, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class DeniedWrites(SecretsWrapper):
        def put_secret_value(self, **request: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no PutSecretValue"}},
                "PutSecretValue",
            )

    monkeypatch.setattr(key_pair_function, "secretsmanager_client", DeniedWrites)

    response = stack.create(resource_properties(secret_arn))

    assert response["Status"] == "FAILED"
    assert "PutSecretValue failed: AccessDeniedException: no PutSecretValue" in response["Reason"]
    assert key_ids() == set(), "a public key whose private key was never stored must not stay"
    assert secret_value(secret_arn) == json.loads(PLACEHOLDER_SECRET_VALUE)


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        (
            {"KeyAlgorithm": "RSA_4096"},
            "ResourceProperties.KeyAlgorithm: 'RSA_4096' is not one of ECDSA_P256, RSA_2048",
        ),
        ({"SecretArn": None}, "ResourceProperties.SecretArn: missing is not a Secrets Manager ARN"),
        (
            {"KmsKeyArn": "alias/signing"},
            "ResourceProperties.KmsKeyArn: 'alias/signing' is not a KMS key ARN",
        ),
        (
            {"RotationToken": "two words"},
            "ResourceProperties.RotationToken: 'two words' is not 1-128",
        ),
    ],
    ids=["algorithm", "secret-missing", "kms-alias", "token-space"],
)
def test_malformed_properties_fail_naming_the_field(
    stack: SimulatedStack,
    secret_arn: str,
    kms: KmsKeyPairDouble,
    properties: dict[str, Any],
    reason: str,
) -> None:
    malformed = {
        name: value
        for name, value in {**resource_properties(secret_arn), **properties}.items()
        if value is not None
    }

    response = stack.create(malformed)

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(reason)
    assert kms.calls == []
    assert key_ids() == set()
    assert stack.delete()["Status"] == "SUCCESS"


def test_properties_that_are_not_an_object_fail_readably(stack: SimulatedStack, aws: None) -> None:
    response = stack.create("SecretArn=x")  # type: ignore[arg-type]

    assert response["Status"] == "FAILED"
    assert response["Reason"] == "ResourceProperties: expected an object, got str"


# --- time ------------------------------------------------------------------------------------


def test_too_little_time_left_answers_failed_before_changing_anything(
    stack: SimulatedStack, secret_arn: str, kms: KmsKeyPairDouble
) -> None:
    stack.context_ms = STEP_BUDGET_MS - 1

    response = stack.create(resource_properties(secret_arn))

    assert response["Status"] == "FAILED"
    assert "not started, only" in response["Reason"]
    assert "increase the function timeout" in response["Reason"]
    assert kms.calls == []
    assert key_ids() == set()


@pytest.mark.parametrize("calls_with_time", range(7))
def test_no_aws_call_starts_without_time_to_finish_it(
    stack: SimulatedStack,
    secret_arn: str,
    kms: KmsKeyPairDouble,
    monkeypatch: pytest.MonkeyPatch,
    calls_with_time: int,
) -> None:
    """Every call of a rotation takes the worst case: each must have started with its budget
    left, and the event ends consistent whichever call was refused."""
    created = stack.create(resource_properties(secret_arn))
    before = secret_value(secret_arn)
    context = FakeLambdaContext(
        STEP_BUDGET_MS + calls_with_time * WORST_CASE_CALL_MS + WORST_CASE_CALL_MS // 2
    )
    calls: list[tuple[str, int]] = []

    def clocked(client: Any) -> ClockedClient:
        return ClockedClient(client, context, WORST_CASE_CALL_MS, calls)

    secrets = boto3.client("secretsmanager", region_name=REGION)
    monkeypatch.setattr(key_pair_function, "kms_client", lambda: clocked(kms))
    monkeypatch.setattr(key_pair_function, "secretsmanager_client", lambda: clocked(secrets))
    monkeypatch.setattr(key_pair_function, "cloudfront_client", lambda: clocked(stack.cloudfront()))
    monkeypatch.setattr(
        key_pair_function, "cloudformation_client", lambda: clocked(stack.stack_status)
    )
    stack.status = "UPDATE_IN_PROGRESS"
    event = stack.event(
        "Update",
        resource_properties(secret_arn, RotationToken="2"),
        old_properties=stack.properties,
        physical_id=stack.physical_id,
    )

    response = stack.deliver(event, context, updates_key_group=True)

    for name, remaining in calls:
        budget = COMMIT_BUDGET_MS if name == "put_secret_value" else STEP_BUDGET_MS
        assert remaining >= budget, f"{name} started with {remaining} ms left (needs {budget})"
    rotation = [name for name, _ in calls if name in ROTATION_CALLS]
    started = 6 if calls_with_time == 6 else min(calls_with_time + 1, 5)
    assert rotation == ROTATION_CALLS[:started]
    if response["Status"] == "SUCCESS":
        assert calls_with_time == 6
        assert secret_value(secret_arn)["keyPairId"] == response["PhysicalResourceId"]
        assert secret_matches_its_public_key(secret_arn)
    else:
        assert "not started" in response["Reason"]
        assert secret_value(secret_arn) == before
        assert created["PhysicalResourceId"] in key_ids()
        assert stack.key_group_items == [created["PhysicalResourceId"]]


def test_hung_call_is_answered_failed_before_the_deadline_and_changes_nothing(
    stack: SimulatedStack,
    secret_arn: str,
    kms: KmsKeyPairDouble,
    receiver: ResponseReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GenerateDataKeyPair hangs until the watchdog has answered (real budgets, moved clock)."""
    context = FakeLambdaContext()
    event = stack.event("Create", resource_properties(secret_arn))
    left_at_answer: list[int] = []
    receiver.listeners.append(
        lambda body: left_at_answer.append(context.get_remaining_time_in_millis())
    )

    class HangingKms:
        def generate_data_key_pair(self, **request: Any) -> dict[str, Any]:
            context.advance(context.get_remaining_time_in_millis() - RESPONSE_SAFETY_MARGIN_MS + 1)
            receiver.wait_for(event["RequestId"])
            return kms.generate_data_key_pair(**request)

    monkeypatch.setattr(key_pair_function, "kms_client", HangingKms)

    key_pair_function.handler(event, context)

    [answer] = receiver.for_request(event["RequestId"])
    assert answer["Status"] == "FAILED"
    assert "ran out of time" in answer["Reason"]
    assert left_at_answer and left_at_answer[0] > 0, "answered before the deadline"
    assert len(kms.calls) == 1, "the KMS call did finish, late"
    assert key_ids() == set(), "the call that finished late changed nothing"
    assert secret_value(secret_arn) == json.loads(PLACEHOLDER_SECRET_VALUE)


def test_create_whose_write_outlasts_the_watchdog_is_undone(
    stack: SimulatedStack,
    secret_arn: str,
    receiver: ResponseReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = FakeLambdaContext()
    event = stack.event("Create", resource_properties(secret_arn))
    secrets = WriteOverrunsTheWatchdog(context, receiver, event["RequestId"])
    monkeypatch.setattr(key_pair_function, "secretsmanager_client", lambda: secrets)

    response = stack.deliver(event, context, updates_key_group=True)

    assert response["Status"] == "FAILED"
    assert "ran out of time" in response["Reason"]
    assert secrets.writes == 2, "the write, then the earlier value put back"
    assert secret_value(secret_arn) == json.loads(PLACEHOLDER_SECRET_VALUE)
    assert key_ids() == set()
    assert stack.key_group_items is None


def test_update_whose_write_outlasts_the_watchdog_is_undone(
    stack: SimulatedStack,
    secret_arn: str,
    receiver: ResponseReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = rotated_twice(stack, secret_arn)
    group, keys = stack.key_group_items, key_ids()
    context = FakeLambdaContext()
    event = stack.event(
        "Update",
        resource_properties(secret_arn, RotationToken="3"),
        old_properties=stack.properties,
        physical_id=stack.physical_id,
    )
    secrets = WriteOverrunsTheWatchdog(context, receiver, event["RequestId"])
    monkeypatch.setattr(key_pair_function, "secretsmanager_client", lambda: secrets)
    stack.status = "UPDATE_IN_PROGRESS"

    response = stack.deliver(event, context, updates_key_group=True)

    assert response["Status"] == "FAILED"
    restored = secret_value(secret_arn)
    assert (restored["keyPairId"], restored["privateKey"]) == (
        before["keyPairId"],
        before["privateKey"],
    )
    assert key_ids() == keys
    assert stack.key_group_items == group


def stranded_by_a_failed_undo(
    stack: SimulatedStack,
    secret_arn: str,
    receiver: ResponseReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rotated twice, then an Update whose write outlasted the watchdog and whose undo was
    refused: answered FAILED (physical ID unchanged, so CloudFormation's rollback sends an
    Update), yet the secret names a key CloudFormation never heard of. Returns the secret's
    value from before and the FAILED answer."""
    before = rotated_twice(stack, secret_arn)
    context = FakeLambdaContext()
    event = stack.event(
        "Update",
        resource_properties(secret_arn, RotationToken="3"),
        old_properties=stack.properties,
        physical_id=stack.physical_id,
    )
    secrets = WriteOverrunsTheWatchdog(
        context, receiver, event["RequestId"], deny_later_writes=True
    )
    real_factory = key_pair_function.secretsmanager_client
    monkeypatch.setattr(key_pair_function, "secretsmanager_client", lambda: secrets)
    stack.status = "UPDATE_IN_PROGRESS"
    failed = stack.deliver(event, context, updates_key_group=True)
    assert failed["Status"] == "FAILED"
    assert failed["PhysicalResourceId"] == before["keyPairId"]
    assert secret_value(secret_arn)["keyPairId"] != before["keyPairId"], "the new key is current"
    monkeypatch.setattr(key_pair_function, "secretsmanager_client", real_factory)
    return before, failed


def test_rollback_restores_the_key_a_failed_undo_left_current(
    stack: SimulatedStack,
    secret_arn: str,
    receiver: ResponseReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before, failed = stranded_by_a_failed_undo(stack, secret_arn, receiver, monkeypatch)
    stranded = secret_value(secret_arn)["keyPairId"]

    response = stack.roll_back_to(
        resource_properties(secret_arn, RotationToken="2"),
        failed_physical_id=failed["PhysicalResourceId"],
    )

    assert response["Status"] == "SUCCESS", response["Reason"]
    restored = secret_value(secret_arn)
    assert (restored["keyPairId"], restored["privateKey"]) == (
        before["keyPairId"],
        before["privateKey"],
    )
    assert stack.key_group_items == [before["keyPairId"], before["previousKeyPairId"]]
    rotated = stack.update(resource_properties(secret_arn, RotationToken="4"))
    assert stranded not in key_ids(), "the next cleanup Delete removes the stranded key"
    assert key_ids() == {rotated["PhysicalResourceId"], before["keyPairId"]}


def test_rollback_update_with_an_unreadable_stack_status_fails_and_changes_nothing(
    stack: SimulatedStack,
    secret_arn: str,
    receiver: ResponseReceiver,
    kms: KmsKeyPairDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never rotate on an unknown status: that would drop the key everyone signs with."""
    before, failed = stranded_by_a_failed_undo(stack, secret_arn, receiver, monkeypatch)
    during, group, keys, keys_made = (
        secret_value(secret_arn),
        stack.key_group_items,
        key_ids(),
        len(kms.calls),
    )
    stack.stack_status.unavailable = True

    response = stack.roll_back_to(
        resource_properties(secret_arn, RotationToken="2"),
        failed_physical_id=failed["PhysicalResourceId"],
    )

    assert response["Status"] == "FAILED"
    assert "Reading the status of stack" in response["Reason"]
    assert "ServiceUnavailable" in response["Reason"]
    assert len(kms.calls) == keys_made
    assert secret_value(secret_arn) == during
    assert key_ids() == keys
    assert stack.key_group_items == group

    stack.stack_status.unavailable = False  # the operator continues the rollback
    again = stack.roll_back_to(
        resource_properties(secret_arn, RotationToken="2"),
        failed_physical_id=failed["PhysicalResourceId"],
    )
    assert again["Status"] == "SUCCESS", again["Reason"]
    assert secret_value(secret_arn)["keyPairId"] == before["keyPairId"]
    assert stack.key_group_items == [before["keyPairId"], before["previousKeyPairId"]]
