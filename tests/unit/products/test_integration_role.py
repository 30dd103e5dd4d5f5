"""Integration role: least-privilege policy, trust variants, instance profile, option errors.

Besides the raw template data, the template is resolved for concrete parameter values (a small
evaluator for Ref/Fn::If/Fn::Equals/... below) so each trust and access variant is asserted as
CloudFormation would create it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from products.building_blocks.errors import GeneratorOptionError
from products.integration_role import (
    EC2_SERVICE,
    HAS_BUCKET,
    HAS_BUCKET_KEY,
    HAS_TABLE,
    HAS_TABLE_KEY,
    KNOWN_TRUSTED_SERVICES,
    REQUIRES_EXTERNAL_ID,
    TRUSTS_EC2,
    TRUSTS_NAMED_PRINCIPAL,
    TRUSTS_OTHER_ACCOUNT,
    TRUSTS_SERVICE,
    IntegrationRoleOptions,
    build,
)
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.iam_evaluation import ALLOW, DENY, decision

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:signed-urls/signing-AbCdEf"
KMS_KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TABLE_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/signed-urls-files"
BUCKET_ARN = f"arn:aws:s3:::signed-urls-{ACCOUNT}-eu-west-1-1a2b3c4d"
TABLE_KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/5555aaaa-6666-7777-8888-999900001111"
APP_ROLE = "role/app/runner"
APP_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:{APP_ROLE}"
REQUIRED = {"SecretArn": SECRET_ARN, "KmsKeyArn": KMS_KEY_ARN}
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
#: The role's stack runs in another Region than the resources it is given (eu-west-1).
STACK_REGION = {"AWS::Region": "us-east-1"}


def resolved(parameters: dict[str, Any], options: IntegrationRoleOptions | None = None) -> Any:
    return ResolvedTemplate(build(options).template.to_dict(), {**PSEUDO, **REQUIRED, **parameters})


def role_properties(parameters: dict[str, Any]) -> dict[str, Any]:
    return resolved(parameters).resources()["IntegrationRole"]["Properties"]


def access_statements(parameters: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [policy] = role_properties(parameters)["Policies"]
    return {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}


def object_decision(action: str, key: str, options: IntegrationRoleOptions | None = None) -> str:
    """What the role's policy, given the bucket, says about ``action`` on object ``key``."""
    template = resolved(
        {"TrustedService": "lambda.amazonaws.com", "BucketArn": BUCKET_ARN}, options
    )
    [policy] = template.resources()["IntegrationRole"]["Properties"]["Policies"]
    return decision(
        policy["PolicyDocument"]["Statement"], action=action, resource=f"{BUCKET_ARN}/{key}"
    )


def raw_statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every IAM statement in the raw template, including both branches of each Fn::If."""
    if isinstance(node, dict):
        if "Effect" in node:
            yield node
            return
        for item in node.values():
            yield from raw_statements(item)
    elif isinstance(node, list):
        for item in node:
            yield from raw_statements(item)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- least privilege ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [IntegrationRoleOptions(), IntegrationRoleOptions(trusted_services=("lambda.amazonaws.com",))],
)
def test_no_statement_anywhere_has_a_wildcard_action_or_star_resource(
    options: IntegrationRoleOptions,
) -> None:
    statements = list(raw_statements(build(options).template.to_dict()["Resources"]))
    # trust + secret + kms + table + table key + 5 bucket (read, read upload versions, write,
    # inbox deny, delete) + bucket key
    assert len(statements) == 11
    denies = [statement["Sid"] for statement in statements if statement["Effect"] == "Deny"]
    assert denies == ["NeverWriteIntoTheUploadInbox"]
    for statement in statements:
        assert statement["Effect"] in ("Allow", "Deny")
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
        for resource in as_list(statement.get("Resource", [])):
            assert resource != "*", statement


def test_resolved_policy_has_no_wildcard_for_any_variant() -> None:
    for parameters in (
        {"TrustedService": "lambda.amazonaws.com"},
        {
            "TrustedPrincipal": APP_ROLE,
            "TableArn": TABLE_ARN,
            "TableKmsKeyArn": TABLE_KEY_ARN,
            "BucketArn": BUCKET_ARN,
            "BucketKmsKeyArn": KEY_ARN,
        },
    ):
        for statement in access_statements(parameters).values():
            assert all("*" not in action for action in statement["Action"])
            assert all(resource != "*" for resource in statement["Resource"])
            assert all(
                resource.startswith(("arn:aws:secretsmanager:", "arn:aws:kms:", TABLE_ARN))
                or resource in (f"{BUCKET_ARN}/*", f"{BUCKET_ARN}/uploads/*")
                for resource in statement["Resource"]
            ), statement


def test_secret_is_readable_and_decryptable_only_through_secrets_manager() -> None:
    statements = access_statements({"TrustedService": "lambda.amazonaws.com"})
    assert statements["ReadSigningKeySecret"]["Action"] == [
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    ]
    assert statements["ReadSigningKeySecret"]["Resource"] == [SECRET_ARN]
    decrypt = statements["DecryptSigningKeySecretViaSecretsManager"]
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Resource"] == [KMS_KEY_ARN]
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    }


def test_without_table_or_bucket_the_role_reads_only_the_secret() -> None:
    statements = access_statements({"TrustedService": "lambda.amazonaws.com"})
    assert set(statements) == {"ReadSigningKeySecret", "DecryptSigningKeySecretViaSecretsManager"}


def test_table_access_is_item_level_on_the_table_and_its_indexes_only() -> None:
    statements = access_statements(
        {"TrustedService": "lambda.amazonaws.com", "TableArn": TABLE_ARN}
    )
    table = statements["UseMetadataTableItems"]
    assert table["Action"] == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    ]
    assert table["Resource"] == [TABLE_ARN, f"{TABLE_ARN}/index/*"]
    assert "ReadBucketObjects" not in statements
    assert "UseTableKeyViaDynamoDB" not in statements


def test_bucket_access_promotes_uploads_and_nothing_more() -> None:
    statements = access_statements(
        {"TrustedService": "lambda.amazonaws.com", "BucketArn": BUCKET_ARN}
    )
    bucket_sids = {
        "ReadBucketObjects": ("Allow", ["s3:GetObject"], f"{BUCKET_ARN}/*"),
        "ReadUploadVersions": ("Allow", ["s3:GetObjectVersion"], f"{BUCKET_ARN}/uploads/*"),
        "WriteServedObjects": ("Allow", ["s3:PutObject"], f"{BUCKET_ARN}/*"),
        "NeverWriteIntoTheUploadInbox": ("Deny", ["s3:PutObject"], f"{BUCKET_ARN}/uploads/*"),
        "DeletePromotedUploads": ("Allow", ["s3:DeleteObject"], f"{BUCKET_ARN}/uploads/*"),
    }
    for sid, (effect, actions, resource) in bucket_sids.items():
        assert statements[sid]["Effect"] == effect, sid
        assert statements[sid]["Action"] == actions, sid
        assert statements[sid]["Resource"] == [resource], sid
    assert "UseMetadataTableItems" not in statements


@pytest.mark.parametrize(
    "key", ["uploads/a.jpg", "uploads/x/b.png", "photos/a.jpg", "a.jpg", "uploadsX/a.jpg"]
)
def test_role_reads_everything_writes_outside_the_inbox_deletes_inside_it(key: str) -> None:
    """copy_object(uploads/KEY -> served prefix) then delete_object(uploads/KEY) works."""
    in_inbox = key.startswith("uploads/")
    assert object_decision("s3:GetObject", key) == ALLOW
    assert (object_decision("s3:GetObjectVersion", key) == ALLOW) is in_inbox
    assert object_decision("s3:PutObject", key) == (DENY if in_inbox else ALLOW)
    assert (object_decision("s3:DeleteObject", key) == ALLOW) is in_inbox
    for action in ("s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:ListBucket"):
        assert object_decision(action, key) != ALLOW, action


def test_upload_prefix_option_moves_the_inbox() -> None:
    options = IntegrationRoleOptions(upload_prefix="incoming/raw")
    assert object_decision("s3:PutObject", "incoming/raw/a.jpg", options) == DENY
    assert object_decision("s3:DeleteObject", "incoming/raw/a.jpg", options) == ALLOW
    assert object_decision("s3:PutObject", "uploads/a.jpg", options) == ALLOW
    assert object_decision("s3:DeleteObject", "uploads/a.jpg", options) != ALLOW


KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f0f0f0f-1111-2222-3333-444455556666"


def test_bucket_key_is_usable_only_through_s3_and_only_with_a_bucket() -> None:
    statements = access_statements(
        {
            "TrustedService": "lambda.amazonaws.com",
            "BucketArn": BUCKET_ARN,
            "BucketKmsKeyArn": KEY_ARN,
        }
    )
    key = statements["UseBucketKeyViaS3"]
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert key["Resource"] == [KEY_ARN]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    without_key = access_statements(
        {"TrustedService": "lambda.amazonaws.com", "BucketArn": BUCKET_ARN}
    )
    assert "UseBucketKeyViaS3" not in without_key
    failures = resolved(
        {"TrustedService": "lambda.amazonaws.com", "BucketKmsKeyArn": KEY_ARN}
    ).rule_failures()
    assert failures == ["BucketKmsKeyArn applies only with BucketArn"]


def test_optional_statements_hang_on_their_conditions() -> None:
    data = build().template.to_dict()
    [policy] = data["Resources"]["IntegrationRole"]["Properties"]["Policies"]
    conditional = {
        statement["Fn::If"][0]: statement["Fn::If"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "Fn::If" in statement
    }
    assert set(conditional) == {HAS_TABLE, HAS_TABLE_KEY, HAS_BUCKET, HAS_BUCKET_KEY}
    for condition in conditional.values():
        assert condition[2] == {"Ref": "AWS::NoValue"}
    assert data["Conditions"][HAS_TABLE] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "TableArn"}, ""]}]}
    assert data["Conditions"][HAS_BUCKET] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "BucketArn"}, ""]}]
    }


def test_table_key_is_usable_only_through_dynamodb_and_only_with_a_table() -> None:
    """A customer-managed table key: without this grant every item call fails."""
    statements = access_statements(
        {
            "TrustedService": "lambda.amazonaws.com",
            "TableArn": TABLE_ARN,
            "TableKmsKeyArn": TABLE_KEY_ARN,
        }
    )
    key = statements["UseTableKeyViaDynamoDB"]
    assert key["Action"] == [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
    ]
    assert key["Resource"] == [TABLE_KEY_ARN]
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}
    }
    data = build().template.to_dict()
    assert data["Conditions"][HAS_TABLE_KEY] == {
        "Fn::And": [
            {"Condition": HAS_TABLE},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "TableKmsKeyArn"}, ""]}]},
        ]
    }
    failures = resolved(
        {"TrustedService": "lambda.amazonaws.com", "TableKmsKeyArn": TABLE_KEY_ARN}
    ).rule_failures()
    assert failures == ["TableKmsKeyArn applies only with TableArn"]


def test_via_service_names_the_resources_region_not_the_stacks() -> None:
    """A role stack in us-east-1 for a secret, table and bucket in eu-west-1."""
    template = ResolvedTemplate(
        build().template.to_dict(),
        {
            **REQUIRED,
            **STACK_REGION,
            "TrustedService": "lambda.amazonaws.com",
            "TableArn": TABLE_ARN,
            "TableKmsKeyArn": TABLE_KEY_ARN,
            "BucketArn": BUCKET_ARN,
            "BucketKmsKeyArn": KEY_ARN,
        },
    )
    [policy] = template.resources()["IntegrationRole"]["Properties"]["Policies"]
    via = {
        statement["Sid"]: statement["Condition"]["StringEquals"]["kms:ViaService"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "Condition" in statement
    }
    assert via == {
        "DecryptSigningKeySecretViaSecretsManager": "secretsmanager.eu-west-1.amazonaws.com",
        "UseTableKeyViaDynamoDB": "dynamodb.eu-west-1.amazonaws.com",
        "UseBucketKeyViaS3": "s3.eu-west-1.amazonaws.com",
    }


# --- trust -------------------------------------------------------------------------------


def trust_statements(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    return role_properties(parameters)["AssumeRolePolicyDocument"]["Statement"]


@pytest.mark.parametrize("service", KNOWN_TRUSTED_SERVICES)
def test_service_trust_names_only_that_service(service: str) -> None:
    [statement] = trust_statements({"TrustedService": service})
    assert statement["Principal"] == {"Service": [service]}
    assert statement["Action"] == ["sts:AssumeRole"]
    assert "Condition" not in statement


def test_principal_trust_names_one_principal_of_this_account() -> None:
    [statement] = trust_statements({"TrustedPrincipal": APP_ROLE})
    assert statement["Principal"] == {"AWS": [ACCOUNT]}
    assert statement["Condition"] == {"ArnEquals": {"aws:PrincipalArn": APP_ROLE_ARN}}


def test_account_root_trust_has_no_principal_condition() -> None:
    [statement] = trust_statements({"TrustedPrincipal": "root"})
    assert statement["Principal"] == {"AWS": [ACCOUNT]}
    assert "Condition" not in statement


def test_principal_trust_with_external_id_requires_it() -> None:
    [statement] = trust_statements({"TrustedPrincipal": APP_ROLE, "ExternalId": "ext-42"})
    assert statement["Principal"] == {"AWS": [ACCOUNT]}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "ext-42"},
        "ArnEquals": {"aws:PrincipalArn": APP_ROLE_ARN},
    }


def test_another_account_is_trusted_only_as_named_and_with_its_external_id() -> None:
    parameters = {"TrustedPrincipal": APP_ROLE, "TrustedAccountId": OTHER_ACCOUNT}
    assert any("ExternalId" in failure for failure in resolved(parameters).rule_failures())
    with_id = {**parameters, "ExternalId": "ext-42"}
    assert resolved(with_id).rule_failures() == []
    [statement] = trust_statements(with_id)
    assert statement["Principal"] == {"AWS": [OTHER_ACCOUNT]}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "ext-42"},
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:{APP_ROLE}"},
    }


def test_trust_structure_in_the_template() -> None:
    data = build().template.to_dict()
    [statement] = data["Resources"]["IntegrationRole"]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    account = {
        "Fn::If": [TRUSTS_OTHER_ACCOUNT, {"Ref": "TrustedAccountId"}, {"Ref": "AWS::AccountId"}]
    }
    assert statement["Principal"] == {
        "Fn::If": [
            TRUSTS_SERVICE,
            {"Service": [{"Ref": "TrustedService"}]},
            {"AWS": [account]},
        ]
    }
    external_id = {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    principal_arn = {
        "ArnEquals": {
            "aws:PrincipalArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":iam::",
                        account,
                        ":",
                        {"Ref": "TrustedPrincipal"},
                    ],
                ]
            }
        }
    }
    assert statement["Condition"] == {
        "Fn::If": [
            REQUIRES_EXTERNAL_ID,
            {
                "Fn::If": [
                    TRUSTS_NAMED_PRINCIPAL,
                    {**external_id, **principal_arn},
                    external_id,
                ]
            },
            {"Fn::If": [TRUSTS_NAMED_PRINCIPAL, principal_arn, {"Ref": "AWS::NoValue"}]},
        ]
    }
    assert data["Conditions"][TRUSTS_SERVICE] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "TrustedService"}, "none"]}]
    }
    assert data["Conditions"][REQUIRES_EXTERNAL_ID] == {
        "Fn::And": [
            {"Fn::Not": [{"Condition": TRUSTS_SERVICE}]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "ExternalId"}, ""]}]},
        ]
    }


@pytest.mark.parametrize(
    ("parameters", "failure"),
    [
        ({}, "exactly one"),
        (
            {"TrustedService": "lambda.amazonaws.com", "TrustedPrincipal": APP_ROLE},
            "exactly",
        ),
        ({"TrustedService": "lambda.amazonaws.com", "ExternalId": "ext-42"}, "ExternalId"),
        (
            {"TrustedService": "lambda.amazonaws.com", "TrustedAccountId": OTHER_ACCOUNT},
            "TrustedAccountId applies only to TrustedPrincipal",
        ),
        (
            {"TrustedPrincipal": "root", "TrustedAccountId": OTHER_ACCOUNT},
            "requires an ExternalId",
        ),
    ],
)
def test_rule_rejects_ambiguous_trust(parameters: dict[str, Any], failure: str) -> None:
    failures = resolved(parameters).rule_failures()
    assert any(failure in description for description in failures), failures


@pytest.mark.parametrize(
    "parameters",
    [
        {"TrustedService": "ecs-tasks.amazonaws.com"},
        {"TrustedPrincipal": APP_ROLE},
        {"TrustedPrincipal": APP_ROLE, "ExternalId": "ext-42"},
        {"TrustedPrincipal": "root", "TrustedAccountId": OTHER_ACCOUNT, "ExternalId": "ext-42"},
    ],
)
def test_rule_accepts_exactly_one_trust_choice(parameters: dict[str, Any]) -> None:
    assert resolved(parameters).rule_failures() == []


def test_external_id_is_ignored_for_a_service_even_if_the_rule_were_bypassed() -> None:
    [statement] = trust_statements(
        {"TrustedService": "ecs-tasks.amazonaws.com", "ExternalId": "x1"}
    )
    assert statement["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
    assert "Condition" not in statement


def test_trusted_service_choices_are_none_plus_the_configured_services() -> None:
    parameter = build().template.to_dict()["Parameters"]["TrustedService"]
    assert parameter["AllowedValues"] == ["none", *KNOWN_TRUSTED_SERVICES]
    assert parameter["Default"] == "none"
    only_lambda = build(IntegrationRoleOptions(trusted_services=("lambda.amazonaws.com",)))
    assert only_lambda.template.to_dict()["Parameters"]["TrustedService"]["AllowedValues"] == [
        "none",
        "lambda.amazonaws.com",
    ]


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [
        ("TrustedPrincipal", "", True),
        ("TrustedPrincipal", APP_ROLE, True),
        ("TrustedPrincipal", "root", True),
        ("TrustedPrincipal", "user/ci", True),
        ("TrustedPrincipal", "*", False),
        ("TrustedPrincipal", APP_ROLE_ARN, False),
        ("TrustedPrincipal", "arn:aws:iam::444455556666:root", False),
        ("TrustedPrincipal", "group/admins", False),
        ("TrustedAccountId", "", True),
        ("TrustedAccountId", OTHER_ACCOUNT, True),
        ("TrustedAccountId", "*", False),
        ("SecretArn", SECRET_ARN, True),
        ("SecretArn", "", False),
        ("SecretArn", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:*", False),
        ("SecretArn", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team-b-AbCdEf", False),
        ("KmsKeyArn", KMS_KEY_ARN, True),
        ("KmsKeyArn", "arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager", False),
        ("TableArn", "", True),
        ("TableArn", TABLE_ARN, True),
        ("TableArn", "arn:aws:dynamodb:eu-west-1:111122223333:table/*", False),
        ("TableArn", "arn:aws:dynamodb:eu-west-1:111122223333:table/files", False),
        ("BucketArn", "", True),
        ("BucketArn", BUCKET_ARN, True),
        ("BucketArn", "arn:aws:s3:::*", False),
        ("BucketArn", "arn:aws:s3:::team-files", False),
        ("BucketArn", f"{BUCKET_ARN}/uploads", False),
        ("TableKmsKeyArn", "", True),
        ("TableKmsKeyArn", TABLE_KEY_ARN, True),
        ("TableKmsKeyArn", f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/dynamodb", False),
        ("TableKmsKeyArn", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*", False),
        ("ExternalId", "", True),
        ("ExternalId", "x", False),
    ],
)
def test_parameter_patterns(name: str, value: str, accepted: bool) -> None:
    pattern = build().template.to_dict()["Parameters"][name]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


# --- instance profile, boundary, session, outputs -----------------------------------------


def test_instance_profile_exists_only_for_ec2_trust() -> None:
    data = build().template.to_dict()
    profile = data["Resources"]["IntegrationRoleInstanceProfile"]
    assert profile["Condition"] == TRUSTS_EC2
    assert data["Conditions"][TRUSTS_EC2] == {
        "Fn::Equals": [{"Ref": "TrustedService"}, EC2_SERVICE]
    }
    assert profile["Properties"]["Roles"] == [{"Ref": "IntegrationRole"}]
    assert data["Outputs"]["InstanceProfileName"]["Condition"] == TRUSTS_EC2

    with_ec2 = resolved({"TrustedService": EC2_SERVICE})
    assert "IntegrationRoleInstanceProfile" in with_ec2.resources()
    assert "InstanceProfileName" in with_ec2.outputs()
    with_lambda = resolved({"TrustedService": "lambda.amazonaws.com"})
    assert "IntegrationRoleInstanceProfile" not in with_lambda.resources()
    assert "InstanceProfileName" not in with_lambda.outputs()


def test_no_instance_profile_when_ec2_is_not_a_trustable_service() -> None:
    data = build(IntegrationRoleOptions(trusted_services=("lambda.amazonaws.com",))).template
    data = data.to_dict()
    assert "IntegrationRoleInstanceProfile" not in data["Resources"]
    assert "InstanceProfileName" not in data["Outputs"]
    assert TRUSTS_EC2 not in data["Conditions"]


def test_permissions_boundary_is_always_the_capabilitys_own() -> None:
    data = build().template.to_dict()
    assert data["Resources"]["IntegrationRole"]["Properties"]["PermissionsBoundary"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/signed-urls/"
        "signed-urls-portfolio-boundary-${AWS::Region}"
    }
    assert not [name for name in data["Parameters"] if "Boundary" in name]
    role = role_properties({"TrustedService": "lambda.amazonaws.com"})
    assert role["PermissionsBoundary"] == (
        f"arn:aws:iam::{ACCOUNT}:policy/signed-urls/signed-urls-portfolio-boundary-<AWS::Region>"
    )


def test_role_path_and_session_duration() -> None:
    data = build(
        IntegrationRoleOptions(role_path="/teams/files/", default_max_session_seconds=7200)
    ).template.to_dict()
    properties = data["Resources"]["IntegrationRole"]["Properties"]
    assert properties["Path"] == "/teams/files/"
    assert data["Resources"]["IntegrationRoleInstanceProfile"]["Properties"]["Path"] == (
        "/teams/files/"
    )
    assert properties["MaxSessionDuration"] == {"Ref": "MaxSessionDuration"}
    session = data["Parameters"]["MaxSessionDuration"]
    assert (session["Type"], session["Default"]) == ("Number", 7200)
    assert (session["MinValue"], session["MaxValue"]) == (3600, 43200)
    assert "RoleName" not in properties, "a fixed name would need CAPABILITY_NAMED_IAM"


def test_default_role_path_is_the_product_path() -> None:
    properties = build().template.to_dict()["Resources"]["IntegrationRole"]["Properties"]
    assert properties["Path"] == "/signed-urls/"


def test_outputs_are_role_arn_and_name() -> None:
    outputs = build().template.to_dict()["Outputs"]
    assert outputs["RoleArn"]["Value"] == {"Fn::GetAtt": ["IntegrationRole", "Arn"]}
    assert outputs["RoleName"]["Value"] == {"Ref": "IntegrationRole"}


# --- generator options -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trusted_services": ()}, "trusted_services must not be empty"),
        ({"trusted_services": ("states.amazonaws.com",)}, "trusted_services: unknown service"),
        (
            {"trusted_services": ("lambda.amazonaws.com", "lambda.amazonaws.com")},
            "trusted_services lists a service twice",
        ),
        ({"role_path": "signed-urls/"}, "role_path"),
        ({"role_path": "/signed-urls"}, "role_path"),
        ({"role_path": "/signed urls/"}, "role_path"),
        ({"role_path": "/" + "a" * 511 + "/"}, "role_path"),
        ({"default_max_session_seconds": 3599}, "default_max_session_seconds"),
        ({"default_max_session_seconds": 43201}, "default_max_session_seconds"),
        ({"upload_prefix": "/uploads"}, "upload_prefix"),
        ({"upload_prefix": "uploads/"}, "upload_prefix"),
        ({"upload_prefix": "up*"}, "upload_prefix"),
        ({"upload_prefix": ""}, "upload_prefix"),
    ],
)
def test_impossible_options_are_rejected_naming_the_option(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(GeneratorOptionError, match=re.escape(f"integration role: {message}")):
        IntegrationRoleOptions(**options)


@pytest.mark.parametrize("role_path", ["/", "/signed-urls/", "/a/b/c/"])
def test_valid_role_paths_are_accepted(role_path: str) -> None:
    assert IntegrationRoleOptions(role_path=role_path).role_path == role_path
