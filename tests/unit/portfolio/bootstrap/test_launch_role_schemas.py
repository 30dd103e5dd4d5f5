"""The launch role against AWS's own resource schemas (the copies cfn-lint bundles).

For every resource type in templates/*.yaml, each action the type's handlers declare is granted,
or explained in ``SCHEMA_ACTIONS_NOT_GRANTED`` (never a read-handler action: a read handler runs
after every create and update), and every explanation is still needed and still true.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from portfolio.bootstrap.launch_role import (
    PRODUCT_KMS_ALIAS_PREFIX,
    SCHEMA_ACTIONS_NOT_GRANTED,
    Grant,
    Omission,
    ProductResources,
    action_pattern_matches,
    grants_cover,
    grants_for,
    product_resources,
)
from portfolio.bootstrap.template import build_bootstrap
from tests.support.paths import REPO_ROOT

HANDLERS = ("create", "read", "update", "delete", "list")

# --- the schemas, the committed templates and the grants per type ----------------------------


@cache
def _schema(resource_type: str) -> dict[str, Any]:
    """The resource schema cfn-lint bundles for ``resource_type`` (us-east-1 provider index)."""
    schemas = resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    path = schemas / "resources" / f"{index[resource_type]}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def handler_actions(schema: Mapping[str, Any]) -> dict[str, set[str]]:
    """Handler (create, read, update, delete, list, tagging) -> the IAM actions it declares."""
    declared = {
        handler: set(schema.get("handlers", {}).get(handler, {}).get("permissions", []))
        for handler in HANDLERS
    }
    declared["tagging"] = set(schema.get("tagging", {}).get("permissions", []))
    return declared


@cache
def _committed_templates() -> dict[str, dict[str, Any]]:
    return {
        path.name: cfn_yaml.load(str(path)) for path in sorted(REPO_ROOT.glob("templates/*.yaml"))
    }


def _resources_of_type(resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for template_name, template in _committed_templates().items():
        for name, resource in template["Resources"].items():
            if resource["Type"] == resource_type:
                yield f"{template_name}:{name}", resource


TEMPLATE_TYPES = sorted(
    {
        resource["Type"]
        for template in _committed_templates().values()
        for resource in template["Resources"].values()
        if resource["Type"].startswith("AWS::")
    }
)


def _type_grants(resource_type: str) -> list[Grant]:
    """What the launch role gets for this one type (PassRole and record changes included)."""
    record_types = product_resources(_committed_templates().values()).record_types
    alone = ProductResources(
        frozenset({resource_type}),
        record_types if resource_type == "AWS::Route53::RecordSet" else frozenset(),
    )
    return [grant for _, grant in grants_for(alone)]


@cache
def _iam_reference() -> dict[str, Any]:
    """cfn-lint's copy of the service authorization reference."""
    path = resources.files("cfnlint.data.AdditionalSpecs") / "Policies.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _is_iam_action(action: str) -> bool:
    service, name = action.split(":", 1)
    return name.lower() in _iam_reference().get(service, {}).get("Actions", {})


# --- the diff ---------------------------------------------------------------------------------


def schema_gaps(
    handlers: Mapping[str, set[str]],
    grants: list[Grant],
    omissions: Mapping[str, Omission],
) -> list[str]:
    """Schema actions the grants leave out without a reason (read actions need a grant)."""
    gaps = []
    for handler, actions in handlers.items():
        for action in sorted(actions):
            if grants_cover(grants, action):
                continue
            if handler == "read":
                gaps.append(f"{action}: read handler, must be granted")
            elif action not in omissions:
                gaps.append(f"{action}: {handler} handler, neither granted nor explained")
    return gaps


def stale_omissions(
    handlers: Mapping[str, set[str]],
    grants: list[Grant],
    omissions: Mapping[str, Omission],
) -> list[str]:
    """Explanations no longer needed: the action is granted anyway, or no handler declares it."""
    declared = {action.lower() for actions in handlers.values() for action in actions}
    stale = []
    for action in sorted(omissions):
        if grants_cover(grants, action):
            stale.append(f"{action}: granted anyway")
        if action.lower() not in declared:
            stale.append(f"{action}: no handler declares it any more")
    return stale


# --- every template type against its schema ---------------------------------------------------


def test_templates_declare_the_expected_kinds_of_types() -> None:
    assert "AWS::S3::Bucket" in TEMPLATE_TYPES
    assert len(TEMPLATE_TYPES) >= 15


@pytest.mark.parametrize("resource_type", TEMPLATE_TYPES)
def test_every_schema_action_is_granted_or_explained(resource_type: str) -> None:
    handlers = handler_actions(_schema(resource_type))
    omissions = SCHEMA_ACTIONS_NOT_GRANTED.get(resource_type, {})
    assert schema_gaps(handlers, _type_grants(resource_type), omissions) == []


@pytest.mark.parametrize("resource_type", TEMPLATE_TYPES)
def test_no_explanation_is_stale(resource_type: str) -> None:
    handlers = handler_actions(_schema(resource_type))
    omissions = SCHEMA_ACTIONS_NOT_GRANTED.get(resource_type, {})
    assert stale_omissions(handlers, _type_grants(resource_type), omissions) == []


def test_explanations_name_only_template_types() -> None:
    assert sorted(set(SCHEMA_ACTIONS_NOT_GRANTED) - set(TEMPLATE_TYPES)) == []


def _omissions() -> Iterator[tuple[str, str, Omission]]:
    for resource_type, omissions in SCHEMA_ACTIONS_NOT_GRANTED.items():
        for action, omission in omissions.items():
            yield resource_type, action, omission


def test_every_explanation_is_one_line() -> None:
    for resource_type, action, omission in _omissions():
        assert omission.reason.strip() and "\n" not in omission.reason, (resource_type, action)


# --- every explanation's claim holds ----------------------------------------------------------


def _keys_anywhere(value: Any) -> Iterator[str]:
    """Every mapping key under ``value``, through lists and Fn::If branches alike."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield key
            yield from _keys_anywhere(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys_anywhere(inner)


def test_features_explained_as_unused_stay_unused() -> None:
    for resource_type, action, omission in _omissions():
        for name, resource in _resources_of_type(resource_type):
            used = set(_keys_anywhere(resource.get("Properties", {})))
            assert not used & set(omission.unused_properties), (
                f"{name} sets {sorted(used & set(omission.unused_properties))}: "
                f"grant {action} or change the product"
            )


def test_properties_explained_as_kept_are_set_on_every_resource() -> None:
    """DeleteRolePermissionsBoundary is left out because no product role drops its boundary."""
    claims = [(t, a, o) for t, a, o in _omissions() if o.kept_properties]
    assert claims, "the boundary's omission is a kept-property claim"
    for resource_type, action, omission in claims:
        found = list(_resources_of_type(resource_type))
        assert found, resource_type
        for name, resource in found:
            properties = resource.get("Properties", {})
            for kept in omission.kept_properties:
                value = properties.get(kept)
                assert value is not None and "Fn::If" not in value, (
                    f"{name} may drop {kept}: grant {action} or keep it set"
                )


def test_handler_only_claims_hold() -> None:
    for resource_type, action, omission in _omissions():
        if omission.only_in:
            declared_by = {
                handler
                for handler, actions in handler_actions(_schema(resource_type)).items()
                if action in actions
            }
            assert declared_by == {omission.only_in}, (resource_type, action, declared_by)


def test_types_whose_deletion_is_not_granted_are_retained() -> None:
    for resource_type, action, omission in _omissions():
        if omission.only_in != "delete":
            continue
        found = list(_resources_of_type(resource_type))
        assert found, resource_type
        for name, resource in found:
            policies = (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
            assert policies == ("Retain", "Retain"), f"{name}: {action} is not granted"


def test_names_explained_as_not_iam_actions_are_not() -> None:
    for resource_type, action, omission in _omissions():
        if omission.not_an_iam_action:
            assert not _is_iam_action(action), (resource_type, action)
        for authorizer in omission.authorized_by:
            assert _is_iam_action(authorizer), authorizer
            assert grants_cover(_type_grants(resource_type), authorizer), (action, authorizer)


# --- the diff itself --------------------------------------------------------------------------

_BUCKET_LIKE = {
    "create": {"s3:CreateBucket", "s3:PutBucketWebsite"},
    "read": {"s3:GetBucketAbac", "s3:ListBucket"},
    "update": set(),
    "delete": {"s3:DeleteBucket"},
    "list": set(),
    "tagging": set(),
}
_BUCKET_GRANTS = [Grant(("s3:CreateBucket", "s3:GetBucket*", "s3:ListBucket"), ("arn",))]
_WEBSITE = Omission("website hosting: no product sets WebsiteConfiguration")


def test_wildcard_grants_cover_what_they_match() -> None:
    assert action_pattern_matches("s3:GetBucket*", "s3:GetBucketAbac")
    assert action_pattern_matches("s3:getbucket*", "S3:GetBucketAbac")
    assert action_pattern_matches("s3:Get?ucketAbac", "s3:GetBucketAbac")
    assert not action_pattern_matches("s3:GetBucket*", "s3:GetObject")
    assert not action_pattern_matches("s3:GetBucket", "s3:GetBucketAbac")
    assert not action_pattern_matches("s3:Get.ucketAbac", "s3:GetBucketAbac")


def test_diff_reports_an_action_neither_granted_nor_explained() -> None:
    omissions = {"s3:PutBucketWebsite": _WEBSITE}
    assert schema_gaps(_BUCKET_LIKE, _BUCKET_GRANTS, omissions) == [
        "s3:DeleteBucket: delete handler, neither granted nor explained"
    ]
    assert (
        schema_gaps(_BUCKET_LIKE, _BUCKET_GRANTS, {**omissions, "s3:DeleteBucket": _WEBSITE}) == []
    )


def test_diff_requires_read_actions_even_when_explained() -> None:
    grants = [Grant(("s3:CreateBucket", "s3:ListBucket"), ("arn",))]
    omissions = {"s3:PutBucketWebsite": _WEBSITE, "s3:DeleteBucket": _WEBSITE}
    expected = ["s3:GetBucketAbac: read handler, must be granted"]
    assert schema_gaps(_BUCKET_LIKE, grants, omissions) == expected
    assert schema_gaps(_BUCKET_LIKE, grants, {**omissions, "s3:GetBucketAbac": _WEBSITE}) == (
        expected
    )


def test_diff_reports_stale_explanations() -> None:
    omissions = {
        "s3:PutBucketWebsite": _WEBSITE,
        "s3:GetBucketPolicy": _WEBSITE,  # granted by the wildcard
        "s3:PutBucketVersioning": _WEBSITE,  # no handler declares it
    }
    assert stale_omissions(_BUCKET_LIKE, _BUCKET_GRANTS, omissions) == [
        "s3:GetBucketPolicy: granted anyway",
        "s3:GetBucketPolicy: no handler declares it any more",
        "s3:PutBucketVersioning: no handler declares it any more",
    ]


# --- the account-wide grants the launch role no longer has ------------------------------------


@pytest.fixture(scope="module")
def launch_statements() -> list[dict[str, Any]]:
    template = build_bootstrap().template.to_dict()
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and resource["Properties"].get("Roles")
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def _granting(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [
        statement
        for statement in statements
        if any(action_pattern_matches(pattern, action) for pattern in statement["Action"])
    ]


@pytest.mark.parametrize(
    "action",
    [
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:EnableKey",
        "secretsmanager:DeleteSecret",
        "s3:DeleteBucket",
        "dynamodb:DeleteTable",
        "iam:AttachRolePolicy",
        # Lifting or rewriting the permissions boundary would uncap every product role.
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
    ],
)
def test_launch_role_cannot(action: str, launch_statements: list[dict[str, Any]]) -> None:
    assert _granting(launch_statements, action) == []


def test_key_policies_change_only_on_keys_with_a_product_alias(
    launch_statements: list[dict[str, Any]],
) -> None:
    [statement] = _granting(launch_statements, "kms:PutKeyPolicy")
    assert statement["Condition"] == {
        "ForAnyValue:StringLike": {"kms:ResourceAliases": f"{PRODUCT_KMS_ALIAS_PREFIX}*"}
    }


def test_secret_values_only_of_secrets_in_service_catalog_stacks(
    launch_statements: list[dict[str, Any]],
) -> None:
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:UpdateSecret"):
        [statement] = _granting(launch_statements, action)
        assert statement["Condition"] == {
            "StringLike": {
                "aws:ResourceTag/aws:cloudformation:stack-id": {
                    "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:"
                    "${AWS::AccountId}:stack/SC-*"
                }
            }
        }


def test_kms_decrypt_only_through_a_service_for_a_named_context(
    launch_statements: list[dict[str, Any]],
) -> None:
    statements = _granting(launch_statements, "kms:Decrypt")
    assert len(statements) == 3  # Secrets Manager, Lambda, DynamoDB (the team's table key)
    for statement in statements:
        conditions = statement["Condition"]
        assert "kms:ViaService" in conditions["StringEquals"], statement["Sid"]
        via = conditions["StringEquals"]["kms:ViaService"]["Fn::Sub"]
        if not via.startswith("dynamodb."):
            [context_key] = conditions["StringLike"]
            assert context_key.startswith("kms:EncryptionContext:"), statement["Sid"]


def test_bucket_acls_only_for_the_distribution_log_bucket_in_this_account(
    launch_statements: list[dict[str, Any]],
) -> None:
    [statement] = _granting(launch_statements, "s3:PutBucketAcl")
    assert statement["Sid"].startswith("CloudFrontDistribution")
    assert statement["Action"] == ["s3:GetBucketAcl", "s3:PutBucketAcl"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}
    }
    # Only the team's log buckets, by the capability's naming convention.
    assert statement["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::signed-urls-logs-*"}]


# --- the key pair's custom resource works with its own function role --------------------------

_CLIENT_SERVICES = {
    "kms": "kms",
    "secrets": "secretsmanager",
    "cloudfront": "cloudfront",
    "cloudformation": "cloudformation",
}


def _key_pair_function_calls() -> set[str]:
    """IAM actions of the AWS calls in the key pair function's inline source."""
    template = _committed_templates()["key-pair.yaml"]
    source = template["Resources"]["KeyPairFunction"]["Properties"]["Code"]["ZipFile"]
    calls = re.findall(rf"\b({'|'.join(_CLIENT_SERVICES)})\.([a-z_]+)\(", source)
    return {
        f"{_CLIENT_SERVICES[client]}:{''.join(part.title() for part in method.split('_'))}"
        for client, method in calls
    }


def _function_role_actions() -> set[str]:
    role = _committed_templates()["key-pair.yaml"]["Resources"]["KeyPairFunctionRole"]
    return {
        action
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    }


def test_key_pair_function_calls_are_granted_to_its_own_role() -> None:
    calls = _key_pair_function_calls()
    assert {"kms:GenerateDataKeyPair", "secretsmanager:PutSecretValue"} <= calls
    assert len(calls) >= 6
    assert calls - _function_role_actions() == set()


def test_launch_role_only_invokes_the_key_pair_function() -> None:
    [grant] = _type_grants("Custom::SigningKeyPair")
    assert grant.actions == ("lambda:InvokeFunction",)
    product_grants = [
        grant for resource_type in TEMPLATE_TYPES for grant in _type_grants(resource_type)
    ]
    declared_by_schemas = {
        action
        for resource_type in TEMPLATE_TYPES
        for actions in handler_actions(_schema(resource_type)).values()
        for action in actions
    }
    granted_for_the_function = {
        call
        for call in _key_pair_function_calls()
        if grants_cover(product_grants, call) and call not in declared_by_schemas
    }
    assert granted_for_the_function == set()
