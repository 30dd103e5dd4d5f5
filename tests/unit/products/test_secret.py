"""Security properties of the secret product, asserted on the generated template."""

from __future__ import annotations

from typing import Any

import pytest

from products.secret import PLACEHOLDER_SECRET_VALUE
from tests.support.paths import REPO_ROOT
from tests.support.templates import template_data


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return template_data("secret")["Resources"]


def _statements(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policy = resources["SigningSecretKey"]["Properties"]["KeyPolicy"]
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_key_rotates_and_both_resources_are_retained(resources: dict[str, Any]) -> None:
    assert resources["SigningSecretKey"]["Properties"]["EnableKeyRotation"] is True
    for name in ("SigningSecretKey", "SigningSecret"):
        assert resources[name]["DeletionPolicy"] == "Retain"
        assert resources[name]["UpdateReplacePolicy"] == "Retain"


def test_secret_is_encrypted_with_the_products_own_key(resources: dict[str, Any]) -> None:
    secret = resources["SigningSecret"]["Properties"]
    assert secret["KmsKeyId"] == {"Ref": "SigningSecretKey"}
    # Under the capability's prefix: the products that use the secret accept no other name.
    assert secret["Name"] == {"Fn::Sub": "signed-urls/${SecretName}"}


def test_key_policy_allows_exactly_three_statements_all_for_this_account(
    resources: dict[str, Any],
) -> None:
    statements = _statements(resources)
    allowed = {sid for sid, statement in statements.items() if statement["Effect"] == "Allow"}
    assert allowed == {
        "AdministerKeyInThisAccount",
        "UseKeyOnlyThroughSecretsManager",
        "GenerateSigningKeyPairs",
    }
    assert set(statements) - allowed == {"DenyGrantsExceptForAwsServices"}
    for sid in allowed:
        assert statements[sid]["Principal"] == {
            "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
        }


def test_only_aws_services_may_create_grants(resources: dict[str, Any]) -> None:
    """The statement Control Tower's CT.KMS.PR.3 asks for: deny grants not for AWS resources."""
    assert _statements(resources)["DenyGrantsExceptForAwsServices"] == {
        "Sid": "DenyGrantsExceptForAwsServices",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["kms:CreateGrant"],
        "Resource": ["*"],
        "Condition": {
            "BoolIfExists": {
                "kms:GrantIsForAWSResource": "false",
                "aws:PrincipalIsAWSService": "false",
            }
        },
    }


def test_administration_reads_no_data_and_creates_no_grants(resources: dict[str, Any]) -> None:
    actions = _statements(resources)["AdministerKeyInThisAccount"]["Action"]
    assert "kms:*" not in actions
    data_plane = ("Decrypt", "Encrypt", "GenerateDataKey", "ReEncrypt", "Create*", "CreateGrant")
    for action in actions:
        assert not action.startswith(tuple(f"kms:{name}" for name in data_plane)) or (
            action == "kms:CreateAlias"
        ), action


def test_data_use_only_through_secrets_manager_in_this_account(
    resources: dict[str, Any],
) -> None:
    statement = _statements(resources)["UseKeyOnlyThroughSecretsManager"]
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    assert statement["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"},
            "kms:CallerAccount": {"Ref": "AWS::AccountId"},
        }
    }


def test_only_signing_key_pair_specs_can_be_generated_directly(
    resources: dict[str, Any],
) -> None:
    statement = _statements(resources)["GenerateSigningKeyPairs"]
    assert statement["Action"] == ["kms:GenerateDataKeyPair"]
    assert statement["Condition"] == {
        "StringEquals": {"kms:DataKeyPairSpec": ["RSA_2048", "ECC_NIST_P256"]}
    }


def test_outputs_name_the_secret_and_its_key() -> None:
    outputs = template_data("secret")["Outputs"]
    assert outputs["SecretArn"]["Value"] == {"Ref": "SigningSecret"}
    assert outputs["KmsKeyArn"]["Value"] == {"Fn::GetAtt": ["SigningSecretKey", "Arn"]}


def test_placeholder_value_never_changes(resources: dict[str, Any]) -> None:
    """Pinned on purpose: do not "fix" this test by updating the expected value.

    The key pair product overwrites the secret with the live signing keys. CloudFormation
    writes SecretString again whenever the template's value changes, so a new placeholder
    would, on the next update of every provisioned secret, replace the live keys with it:
    the application could no longer sign until the key pair product rotates again.
    """
    pinned = '{"status":"AWAITING_KEY_PAIR"}'
    assert pinned == PLACEHOLDER_SECRET_VALUE
    assert resources["SigningSecret"]["Properties"]["SecretString"] == pinned
    committed = (REPO_ROOT / "templates" / "secret.yaml").read_text(encoding="utf-8")
    assert f"SecretString: '{pinned}'" in committed
