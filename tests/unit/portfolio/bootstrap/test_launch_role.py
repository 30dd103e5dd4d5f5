"""The launch role's permissions: every product resource type granted, nothing more, each
action scoped as far as IAM allows."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import pytest

from portfolio.bootstrap.launch_role import (
    PRODUCT_KMS_ALIAS_PREFIX,
    RESOURCE_TYPE_GRANTS,
    Grant,
    product_resources,
)
from portfolio.bootstrap.template import build_bootstrap
from portfolio.names import PRODUCT_ROLE_PATH
from products.building_blocks.errors import TemplateDefinitionError
from products.catalog import ProductSpec
from tests.support.bootstrap_template import as_list, launch_statements

# --- what the IAM service authorization reference and CloudFormation handlers say ----------


@cache
def _iam_reference() -> dict[str, Any]:
    """cfn-lint's copy of the service authorization reference: action -> resource types."""
    path = resources.files("cfnlint.data.AdditionalSpecs") / "Policies.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _resource_types_of(action: str) -> list[str] | None:
    """Resource types an action accepts ([] = none, only '*'); None = no such action."""
    service, name = action.split(":")
    entry = _iam_reference().get(service, {}).get("Actions", {}).get(name.lower())
    return None if entry is None else entry.get("Resources", [])


@cache
def _handler_permissions(resource_type: str) -> set[str]:
    """Every permission CloudFormation's handlers for ``resource_type`` declare."""
    schemas = resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    schema = json.loads(
        (schemas / "resources" / f"{index[resource_type]}.json").read_text(encoding="utf-8")
    )
    permissions = set(schema.get("tagging", {}).get("permissions", []))
    for handler in schema.get("handlers", {}).values():
        permissions |= set(handler.get("permissions", []))
    return permissions


#: Actions a type needs that its own handlers do not declare, and why.
CROSS_SERVICE_NEEDS = {
    ("AWS::SecretsManager::Secret", "kms:GenerateDataKey"): "encrypt the value with the key",
    ("AWS::SecretsManager::Secret", "kms:Decrypt"): "read back the value on update",
    ("AWS::CloudFront::Distribution", "s3:GetBucketAcl"): "standard logging bucket ACL",
    ("AWS::CloudFront::Distribution", "s3:PutBucketAcl"): "standard logging bucket ACL",
    ("AWS::CloudFront::Distribution", "wafv2:GetWebACL"): "optional WAF web ACL",
}


# --- the launch role's statements -----------------------------------------------------------


def test_no_action_is_a_wildcard_except_cloudformation_on_service_catalog_stacks(
    bootstrap: dict[str, Any],
) -> None:
    for _, statement in launch_statements(bootstrap):
        for action in as_list(statement["Action"]):
            assert action != "*"
            if action.endswith("*"):
                assert action == "cloudformation:*", statement["Sid"]
                assert statement["Resource"] == [
                    {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:"
                        "${AWS::AccountId}:stack/SC-*"
                    }
                ]


def test_every_statement_allows_and_every_action_exists(bootstrap: dict[str, Any]) -> None:
    for _, statement in launch_statements(bootstrap):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            if action != "cloudformation:*":
                assert _resource_types_of(action) is not None, f"{action}: no such IAM action"


def test_resource_star_only_where_no_resource_can_be_named(bootstrap: dict[str, Any]) -> None:
    """'*' only for actions that accept no resource ARN, or with a condition that scopes it."""
    justified_with_condition = {"s3:GetObject"}  # Service Catalog's tagged template copies
    for policy, statement in launch_statements(bootstrap):
        if "*" not in statement["Resource"]:
            continue
        assert statement["Resource"] == ["*"], statement["Sid"]
        for action in as_list(statement["Action"]):
            if action in justified_with_condition:
                assert statement["Condition"] == {
                    "StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}
                }
            elif action != "cloudformation:GetTemplateSummary":  # '*' when given a template
                assert _resource_types_of(action) == [], f"{action} can be scoped"
        skips = bootstrap["Resources"][policy]["Metadata"]["checkov"]["skip"]
        assert all(skip["comment"].strip() for skip in skips)


def test_scoped_actions_accept_resource_arns(bootstrap: dict[str, Any]) -> None:
    """An action without resource-level permissions on an ARN would silently never match."""
    for _, statement in launch_statements(bootstrap):
        if "*" in statement["Resource"]:
            continue
        for action in as_list(statement["Action"]):
            if action != "cloudformation:*":
                assert _resource_types_of(action), f"{action} accepts no resource ARN"


def test_scoped_statements_stay_in_this_account(bootstrap: dict[str, Any]) -> None:
    for _, statement in launch_statements(bootstrap):
        for resource in statement["Resource"]:
            if resource == "*":
                continue
            arn = resource["Fn::Sub"]
            if arn.startswith("arn:${AWS::Partition}:s3:::"):
                bucket = arn.removeprefix("arn:${AWS::Partition}:s3:::")
                assert bucket.startswith(
                    ("signed-urls-${AWS::AccountId}-", "sc-${AWS::AccountId}-pp-")
                ) or statement.get("Condition") == {
                    "StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}
                }, arn
            elif arn.startswith("arn:${AWS::Partition}:route53:::"):
                continue  # hosted zones and changes carry no account in their ARN
            elif not arn.startswith("${ArtifactBucket.Arn}"):
                assert "${AWS::AccountId}" in arn, arn


def test_iam_writes_and_pass_role_are_limited_to_the_product_role_path(
    bootstrap: dict[str, Any],
) -> None:
    for _, statement in launch_statements(bootstrap):
        iam_actions = [a for a in as_list(statement["Action"]) if a.startswith("iam:")]
        if not iam_actions:
            continue
        for resource in statement["Resource"]:
            assert f":role{PRODUCT_ROLE_PATH}*" in resource["Fn::Sub"] or (
                f":instance-profile{PRODUCT_ROLE_PATH}*" in resource["Fn::Sub"]
            ), statement["Sid"]
    [pass_role] = [
        statement
        for _, statement in launch_statements(bootstrap)
        if "iam:PassRole" in statement["Action"]
    ]
    services = pass_role["Condition"]["StringEqualsIfExists"]["iam:PassedToService"]
    assert "lambda.amazonaws.com" in services
    assert "cloudformation.amazonaws.com" not in services


def test_launch_role_may_turn_on_bucket_event_notifications(bootstrap: dict[str, Any]) -> None:
    """The bucket product sends its object events to EventBridge: creating it needs this."""
    actions = {
        action
        for _, statement in launch_statements(bootstrap)
        for action in as_list(statement["Action"])
    }
    assert "s3:PutBucketNotification" in actions


def test_launch_role_reads_templates_from_the_artifact_bucket(bootstrap: dict[str, Any]) -> None:
    reads = [
        statement
        for _, statement in launch_statements(bootstrap)
        if statement["Action"] == ["s3:GetObject"] and "*" not in statement["Resource"]
    ]
    assert [statement["Resource"] for statement in reads] == [
        [{"Fn::Sub": "${ArtifactBucket.Arn}/*"}]
    ]


def test_dns_changes_are_limited_to_the_record_types_products_declare() -> None:
    template = {
        "Resources": {
            "Record": {"Type": "AWS::Route53::RecordSet", "Properties": {"Type": "A"}},
        }
    }
    data = build_bootstrap({"dns": template}).template.to_dict()
    [changes] = [
        statement
        for _, statement in launch_statements(data)
        if statement["Sid"] == "Route53RecordSetChanges"
    ]
    assert changes["Action"] == ["route53:ChangeResourceRecordSets"]
    assert changes["Condition"] == {
        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["A"]}
    }


def test_record_type_from_a_parameter_is_refused() -> None:
    template = {
        "Resources": {
            "Record": {"Type": "AWS::Route53::RecordSet", "Properties": {"Type": {"Ref": "T"}}}
        }
    }
    with pytest.raises(TemplateDefinitionError, match="record set Record needs a literal Type"):
        product_resources([template])


def test_unknown_resource_type_fails_naming_the_type() -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    with pytest.raises(TemplateDefinitionError, match=r"resource type AWS::SNS::Topic"):
        build_bootstrap({"sns": template})


def test_grant_on_any_resource_needs_a_reason() -> None:
    with pytest.raises(TemplateDefinitionError, match="s3:ListAllMyBuckets: Resource '\\*'"):
        Grant(("s3:ListAllMyBuckets",), ("*",))


def test_only_needed_types_get_permissions() -> None:
    template = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}}
    data = build_bootstrap({"table": template}).template.to_dict()
    actions = {
        action
        for _, statement in launch_statements(data)
        for action in as_list(statement["Action"])
    }
    assert "dynamodb:CreateTable" in actions
    assert not {action for action in actions if action.split(":")[0] in ("cloudfront", "lambda")}
    assert "iam:PassRole" not in actions


@pytest.mark.parametrize(
    "resource_type", sorted(name for name in RESOURCE_TYPE_GRANTS if name.startswith("AWS::"))
)
def test_table_actions_are_what_cloudformation_handlers_declare(resource_type: str) -> None:
    declared = _handler_permissions(resource_type)
    for grant in RESOURCE_TYPE_GRANTS[resource_type]:
        for action in grant.actions:
            assert action in declared or (resource_type, action) in CROSS_SERVICE_NEEDS, (
                f"{resource_type}: {action} is not in its handler permissions"
            )


# --- every product is covered -----------------------------------------------------------------


def test_every_product_resource_type_is_mapped(product_spec: ProductSpec) -> None:
    template = product_spec.build().template.to_dict()
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert types - RESOURCE_TYPE_GRANTS.keys() == set()


def test_product_roles_live_under_the_launch_role_path(product_spec: ProductSpec) -> None:
    """The launch role may only create roles and instance profiles under /signed-urls/."""
    template = product_spec.build().template.to_dict()
    for name, resource in template["Resources"].items():
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::InstanceProfile"):
            assert resource["Properties"].get("Path") == PRODUCT_ROLE_PATH, name
            assert "RoleName" not in resource["Properties"], name


#: Resource type -> its name property and the prefix every product gives that name (Fn::Sub
#: text): the launch role and the permissions boundary are scoped to these names.
_NAMED_UNDER_THE_CAPABILITY = {
    "AWS::S3::Bucket": ("BucketName", "signed-urls-${AWS::AccountId}-"),
    "AWS::Logs::LogGroup": ("LogGroupName", "/signed-urls/"),
    "AWS::SecretsManager::Secret": ("Name", "signed-urls/"),
    "AWS::DynamoDB::Table": ("TableName", "signed-urls-"),
}


def test_products_name_scoped_resources_under_the_capability(product_spec: ProductSpec) -> None:
    """Buckets, log groups, secrets and tables carry the capability's prefix; functions keep the
    names CloudFormation derives from SC-* (the launch role's scope)."""
    template = product_spec.build().template.to_dict()
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function":
            assert "FunctionName" not in properties, name
        if resource["Type"] in _NAMED_UNDER_THE_CAPABILITY:
            name_property, prefix = _NAMED_UNDER_THE_CAPABILITY[resource["Type"]]
            text = properties[name_property]["Fn::Sub"]
            assert (text if isinstance(text, str) else text[0]).startswith(prefix), name


def test_product_kms_aliases_use_the_scoped_prefix(product_spec: ProductSpec) -> None:
    template = product_spec.build().template.to_dict()
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::KMS::Alias":
            alias = resource["Properties"]["AliasName"]
            text = alias["Fn::Sub"] if isinstance(alias, dict) else alias
            assert text.startswith(PRODUCT_KMS_ALIAS_PREFIX), name


# --- roles only within the permissions boundary ------------------------------------------------

BOUNDARY_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/signed-urls/"
    "signed-urls-portfolio-boundary-${AWS::Region}"
}


def _statements_granting(bootstrap: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [
        statement
        for _, statement in launch_statements(bootstrap)
        if action in as_list(statement["Action"])
    ]


@pytest.mark.parametrize(
    "action", ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]
)
def test_roles_are_created_and_widened_only_with_the_boundary_attached(
    bootstrap: dict[str, Any], action: str
) -> None:
    statements = _statements_granting(bootstrap, action)
    assert statements, action
    for statement in statements:
        assert statement["Condition"] == {
            "StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}
        }, statement["Sid"]


def test_inline_policies_are_deleted_only_from_roles_without_another_boundary(
    bootstrap: dict[str, Any],
) -> None:
    """IfExists: roles of product versions before the boundary must stay deletable."""
    [statement] = _statements_granting(bootstrap, "iam:DeleteRolePolicy")
    assert statement["Condition"] == {
        "StringEqualsIfExists": {"iam:PermissionsBoundary": BOUNDARY_ARN}
    }
    assert statement["Action"] == ["iam:DeleteRolePolicy"]


def test_every_product_role_carries_the_boundary(product_spec: ProductSpec) -> None:
    template = product_spec.build().template.to_dict()
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            assert resource["Properties"]["PermissionsBoundary"] == BOUNDARY_ARN, name
