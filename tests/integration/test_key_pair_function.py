"""The key pair custom resource, driven like CloudFormation drives it, against moto.

Real event payloads go to the real entry point ``handler(event, context)``; answers arrive on
a local HTTP server; Secrets Manager and CloudFront public keys are moto; KMS
GenerateDataKeyPair is a Stubber-validated double returning real DER keys.
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

from products import key_pair_function
from products.key_pair_function import Ownership
from products.secret import PLACEHOLDER_SECRET_VALUE
from tests.key_pair_fixtures import (
    KMS_KEY_ARN,
    REGION,
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
    assert kms.calls == [{"KeyId": KMS_KEY_ARN, "KeyPairSpec": KMS_SPEC[algorithm]}]
    assert key_ids() == {key_id}

    document = secret_value(secret_arn)
    assert document["keyPairId"] == key_id
    assert document["algorithm"] == algorithm
    assert document["previousKeyPairId"] is None
    assert document["rotationToken"] == "initial"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["createdAt"])
    assert document["privateKey"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert document["publicKey"] == encoded_public_key(key_id)
    assert encoded_public_key(key_id).startswith("-----BEGIN PUBLIC KEY-----\n")


@pytest.mark.parametrize("algorithm", ["RSA_2048", "ECDSA_P256"])
def test_published_public_key_matches_the_private_key(
    stack: SimulatedStack, secret_arn: str, algorithm: str
) -> None:
    response = stack.create(resource_properties(secret_arn, KeyAlgorithm=algorithm))

    private_key = private_key_of(secret_value(secret_arn))
    public_key = cloudfront_public_key(response["PhysicalResourceId"])
    assert public_key.public_numbers() == private_key.public_key().public_numbers()
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


# --- repeated deliveries ---------------------------------------------------------------------


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


def test_delivery_after_one_that_died_before_writing_the_secret_leaves_one_key(
    stack: SimulatedStack, secret_arn: str
) -> None:
    """The dead delivery uploaded a public key whose private key is lost: it must go."""
    event = stack.event("Create", resource_properties(secret_arn))
    orphan = boto3.client("cloudfront", region_name=REGION).create_public_key(
        PublicKeyConfig={
            "CallerReference": f"{event['RequestId']}-1",
            "Name": f"{Ownership.of(event).prefix}-0123456789ab",
            "EncodedKey": "-----BEGIN PUBLIC KEY-----\nlost\n-----END PUBLIC KEY-----\n",
        }
    )["PublicKey"]["Id"]

    response = stack.deliver(event)

    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["PhysicalResourceId"] != orphan
    assert key_ids() == {response["PhysicalResourceId"]}


# --- rollback --------------------------------------------------------------------------------


def test_rollback_of_a_rotation_makes_the_earlier_key_current_again(
    stack: SimulatedStack, secret_arn: str
) -> None:
    stack.create(resource_properties(secret_arn))
    rotated = resource_properties(secret_arn, RotationToken="2")
    stack.update(rotated)
    before = secret_value(secret_arn)
    signed_before = sign(private_key_of(before), POLICY, hashes.SHA256())

    forward = stack.update(
        resource_properties(secret_arn, RotationToken="3"), later_resource_fails=True
    )
    failed_key = forward["PhysicalResourceId"]
    response = stack.roll_back_to(rotated, failed_physical_id=failed_key)

    restored = secret_value(secret_arn)
    assert response["PhysicalResourceId"] == before["keyPairId"]
    assert (restored["keyPairId"], restored["previousKeyPairId"]) == (
        before["keyPairId"],
        before["previousKeyPairId"],
    )
    assert restored["privateKey"] == before["privateKey"]
    assert stack.key_group_items == [before["keyPairId"], before["previousKeyPairId"]]
    assert key_ids() == {before["keyPairId"], before["previousKeyPairId"]}, "failed key deleted"
    assert verifies_with_key_group(stack, signed_before, hashes.SHA256())


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


def test_secret_write_denied_deletes_the_uploaded_public_key(
    stack: SimulatedStack, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_factory = key_pair_function.secretsmanager_client

    class DeniedWrites:
        def __init__(self) -> None:
            self._client = real_factory()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

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
    stack.context_ms = key_pair_function.STEP_BUDGET_MS - 1

    response = stack.create(resource_properties(secret_arn))

    assert response["Status"] == "FAILED"
    assert "not started, only" in response["Reason"]
    assert "increase the function timeout" in response["Reason"]
    assert kms.calls == []
    assert key_ids() == set()


def test_hung_call_is_answered_failed_before_the_deadline_and_changes_nothing(
    stack: SimulatedStack,
    secret_arn: str,
    kms: KmsKeyPairDouble,
    receiver: ResponseReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(key_pair_function, "STEP_BUDGET_MS", 200)
    monkeypatch.setattr(key_pair_function, "RESPONSE_SAFETY_MARGIN_MS", 1_500)
    context = FakeLambdaContext(remaining_ms=2_000)
    left_at_answer: list[int] = []
    receiver.on_receive = lambda body: left_at_answer.append(context.get_remaining_time_in_millis())
    kms.hold = threading.Event()
    event = stack.event("Create", resource_properties(secret_arn))
    worker = threading.Thread(target=key_pair_function.handler, args=(event, context))

    worker.start()
    answer = receiver.wait_for(event["RequestId"])
    still_hung = kms.entered.is_set() and not kms.hold.is_set()
    kms.hold.set()
    worker.join(timeout=30)

    assert still_hung, "the answer came while the KMS call was still hanging"
    assert answer["Status"] == "FAILED"
    assert "ran out of time" in answer["Reason"]
    assert left_at_answer and left_at_answer[0] > 0, "answered before the deadline"
    assert not worker.is_alive()
    assert len(receiver.for_request(event["RequestId"])) == 1, "exactly one answer"
    assert key_ids() == set(), "the call that finished late changed nothing"
    assert secret_value(secret_arn) == json.loads(PLACEHOLDER_SECRET_VALUE)
