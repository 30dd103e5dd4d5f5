"""The permissions boundary: fixed name, exactly what the products' roles use, on this
capability's resources in this account only (evaluated against resolved requests)."""

from __future__ import annotations

from typing import Any

import pytest

from portfolio.bootstrap.boundary import BOUNDARY_SCOPES, boundary_grants, product_role_statements
from portfolio.bootstrap.launch_role import product_templates
from portfolio.names import BOUNDARY_POLICY_OUTPUT
from products.building_blocks import capability_names as names
from products.building_blocks.errors import TemplateDefinitionError
from tests.support.bootstrap_template import as_list, boundary_statements
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.iam_evaluation import Request, allows

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "999988887777"
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::Region": "us-east-1"}
SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:signed-urls/photos-AbCdEf"
TEAM_B_SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:team-b/db-AbCdEf"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET = f"arn:aws:s3:::signed-urls-{ACCOUNT}-eu-west-1-1a2b3c4d"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/signed-urls-files"
LOG_GROUP = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/signed-urls/SC-1-pp-2/key-pair-function"


@pytest.fixture(scope="module")
def resolved_boundary(bootstrap: dict[str, Any]) -> list[dict[str, Any]]:
    return ResolvedTemplate(bootstrap, PSEUDO).value(boundary_statements(bootstrap))


def test_boundary_has_its_fixed_name_and_path(bootstrap: dict[str, Any]) -> None:
    properties = bootstrap["Resources"]["PermissionsBoundary"]["Properties"]
    assert properties["ManagedPolicyName"] == {
        "Fn::Sub": "signed-urls-portfolio-boundary-${AWS::Region}"
    }
    assert properties["Path"] == "/signed-urls/"
    # The ARN products compute from the fixed name is this policy's.
    computed_by_products = names.BOUNDARY_POLICY_ARN
    assert computed_by_products == (
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy"
        + properties["Path"]
        + properties["ManagedPolicyName"]["Fn::Sub"]
    )
    assert bootstrap["Outputs"][BOUNDARY_POLICY_OUTPUT]["Value"] == {"Ref": "PermissionsBoundary"}


def test_boundary_holds_exactly_what_product_roles_use(bootstrap: dict[str, Any]) -> None:
    used = {
        action
        for statement in product_role_statements(product_templates().values())
        for action in statement.actions
    }
    granted = {
        action for statement in boundary_statements(bootstrap) for action in statement["Action"]
    }
    assert granted == used
    assert len(used) >= 15


def test_every_scope_action_lives_in_one_service_and_scope_sids_are_unique() -> None:
    for sid, scope in BOUNDARY_SCOPES.items():
        assert len({action.split(":")[0] for action in scope.grant.actions}) == 1, sid


def test_boundary_resources_stay_in_this_account(bootstrap: dict[str, Any]) -> None:
    for statement in boundary_statements(bootstrap):
        assert statement["Effect"] == "Allow"
        for resource in statement["Resource"]:
            if resource == "*":
                assert {a.split(":")[0] for a in statement["Action"]} == {"cloudfront"}
                continue
            arn = resource["Fn::Sub"]
            assert "${AWS::AccountId}" in arn, statement["Sid"]
            assert ":s3:::" not in arn or statement["Condition"] == {
                "StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}
            }


def test_boundary_grants_no_iam_sts_or_wildcard_action(bootstrap: dict[str, Any]) -> None:
    for statement in boundary_statements(bootstrap):
        for action in as_list(statement["Action"]):
            assert "*" not in action
            assert action.split(":")[0] not in ("iam", "sts", "organizations")


def _role_template(*statements: dict[str, Any]) -> dict[str, Any]:
    policy = {"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}
    return {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [policy]}}}}


def test_a_role_action_no_scope_covers_fails_the_build() -> None:
    template = _role_template({"Effect": "Allow", "Action": ["s3:DeleteBucket"], "Resource": "x"})
    with pytest.raises(TemplateDefinitionError, match="s3:DeleteBucket, which the permissions"):
        boundary_grants([template])


def test_a_key_used_through_an_unscoped_service_fails_the_build() -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": "k",
        "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "sqs.${R}.amazonaws.com"}}},
    }
    with pytest.raises(TemplateDefinitionError, match="kms:Decrypt through sqs"):
        boundary_grants([_role_template(statement)])


def test_only_used_scopes_and_actions_are_emitted() -> None:
    statement = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "s"}
    deny = {"Effect": "Deny", "Action": ["s3:PutObject"], "Resource": "b"}
    [(sid, grant)] = boundary_grants([_role_template(statement, deny)])
    assert (sid, grant.actions) == ("CapabilitySecrets", ("secretsmanager:GetSecretValue",))


# --- evaluated: the capability's resources pass, everything else is refused -------------------

_SECRETS = {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
_OWN_BUCKET = {"aws:ResourceAccount": ACCOUNT}

ALLOWED = [
    Request("secretsmanager:GetSecretValue", SECRET),
    Request("secretsmanager:PutSecretValue", SECRET),
    Request("kms:Decrypt", KEY, {**_SECRETS, "kms:EncryptionContext:SecretARN": SECRET}),
    Request(
        "kms:GenerateDataKeyPair",
        KEY,
        {"kms:DataKeyPairSpec": "ECC_NIST_P256", "kms:EncryptionContext:SecretARN": SECRET},
    ),
    Request("s3:GetObject", f"{BUCKET}/photos/cat.jpg", _OWN_BUCKET),
    Request(
        "kms:GenerateDataKey",
        KEY,
        {
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": BUCKET,
        },
    ),
    Request("dynamodb:Query", f"{TABLE}/index/by-owner"),
    Request("cloudfront:CreatePublicKey", "*"),
    Request("logs:PutLogEvents", f"{LOG_GROUP}:log-stream:2025/01/01/abc"),
]

REFUSED = [
    Request("secretsmanager:GetSecretValue", TEAM_B_SECRET),
    Request("secretsmanager:GetSecretValue", SECRET.replace(ACCOUNT, OTHER_ACCOUNT)),
    Request("kms:Decrypt", KEY, {**_SECRETS, "kms:EncryptionContext:SecretARN": TEAM_B_SECRET}),
    Request("kms:Decrypt", KEY),  # directly, not through a service
    Request(
        "kms:Decrypt",
        KEY.replace(ACCOUNT, OTHER_ACCOUNT),
        {**_SECRETS, "kms:EncryptionContext:SecretARN": SECRET},
    ),
    Request(
        "kms:GenerateDataKeyPair",
        KEY,
        {"kms:DataKeyPairSpec": "RSA_4096", "kms:EncryptionContext:SecretARN": SECRET},
    ),
    Request("kms:GenerateDataKeyPair", KEY, {"kms:DataKeyPairSpec": "RSA_2048"}),
    Request("s3:GetObject", "arn:aws:s3:::team-b-data/report.pdf", _OWN_BUCKET),
    Request("s3:GetObject", f"{BUCKET}/x", {"aws:ResourceAccount": OTHER_ACCOUNT}),
    Request("s3:DeleteBucket", BUCKET, _OWN_BUCKET),
    Request("dynamodb:Scan", TABLE),
    Request("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"),
    Request("logs:PutLogEvents", f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/x:*"),
    Request("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin"),
    Request("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/admin"),
]


@pytest.mark.parametrize("request_", ALLOWED, ids=lambda r: f"{r.action} {r.resource[-40:]}")
def test_capability_resources_are_within_the_boundary(
    resolved_boundary: list[dict[str, Any]], request_: Request
) -> None:
    assert allows(resolved_boundary, request_)


@pytest.mark.parametrize("request_", REFUSED, ids=lambda r: f"{r.action} {r.resource[-40:]}")
def test_everything_else_is_outside_the_boundary(
    resolved_boundary: list[dict[str, Any]], request_: Request
) -> None:
    assert not allows(resolved_boundary, request_)
