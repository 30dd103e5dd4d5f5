"""The pipeline's roles: who may assume them (the OIDC ``sub`` claim), what they may do, and
the gates their template passes like every other."""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from portfolio.bootstrap.ci_permissions import (
    ARTIFACT_BUCKET_LOGICAL_ID,
    PLAN_GRANTS,
    PUBLISH_GRANTS,
    TASKCAT_STACK_ROLE_NAME,
    iam_actions_for,
    leftover_service_catalog_names,
    taskcat_stack_statements,
    taskcat_statement,
)
from portfolio.bootstrap.ci_roles import (
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_HOST,
    build_ci_roles,
    ci_roles,
    render_ci_roles_template,
)
from portfolio.bootstrap.launch_role import (
    MANAGED_POLICY_MAX_CHARS,
    grants_for,
    launch_role_statements,
    product_resources,
    product_templates,
)
from portfolio.bootstrap.stack_deployment import TEMPLATE_BODY_MAX_BYTES
from portfolio.bootstrap.template import build_bootstrap
from portfolio.cli import main
from portfolio.errors import EXIT_BAD_INPUT, EXIT_OK
from portfolio.names import PRODUCT_ROLE_PATH
from portfolio.publish.clients import is_read
from products.gates.cfn_lint import cfn_lint_findings
from tests.support.iam_policies import (
    allowed_actions,
    as_list,
    known_actions,
    policy_statements,
    strings,
)
from tests.support.paths import REPO_ROOT

PUBLISHER_SOURCES = REPO_ROOT / "portfolio" / "publish"
SERVICES = ("servicecatalog", "s3", "cloudformation")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build_ci_roles().template.to_dict()


def _trust(template: dict[str, Any], role: str) -> dict[str, Any]:
    [statement] = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statement


# --- trust ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("PlanRole", "repo:${GitHubRepository}:pull_request"),
        ("PublishRole", "repo:${GitHubRepository}:environment:${PublishEnvironment}"),
        ("TaskcatRole", "repo:${GitHubRepository}:environment:${TaskcatEnvironment}"),
    ],
)
def test_github_roles_trust_one_repository_and_one_context(
    template: dict[str, Any], role: str, subject: str
) -> None:
    trust = _trust(template, role)
    assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert trust["Principal"]["Federated"] == {
        "Fn::If": [
            "CreateGitHubOidcProvider",
            {"Fn::GetAtt": ["GitHubOidcProvider", "Arn"]},
            {"Ref": "GitHubOidcProviderArn"},
        ]
    }
    # Exact values only: no StringLike, no wildcard that lets another repository or branch in.
    assert trust["Condition"] == {
        "StringEquals": {
            f"{GITHUB_OIDC_HOST}:aud": GITHUB_OIDC_AUDIENCE,
            f"{GITHUB_OIDC_HOST}:sub": [{"Fn::Sub": subject}],
        }
    }


def test_publish_is_never_trusted_from_a_pull_request(template: dict[str, Any]) -> None:
    """A pull request can edit the workflow; only the protected environment may publish."""
    for role in ("PublishRole", "TaskcatRole"):
        subjects = json.dumps(_trust(template, role)["Condition"])
        assert "pull_request" not in subjects and ":ref:" not in subjects, role


def test_taskcat_stack_role_is_assumed_by_cloudformation_only(template: dict[str, Any]) -> None:
    trust = _trust(template, "TaskcatStackRole")
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]


def test_oidc_provider_is_created_only_without_an_existing_one(template: dict[str, Any]) -> None:
    provider = template["Resources"]["GitHubOidcProvider"]
    assert provider["Condition"] == "CreateGitHubOidcProvider"
    assert template["Conditions"]["CreateGitHubOidcProvider"] == {
        "Fn::Equals": [{"Ref": "GitHubOidcProviderArn"}, ""]
    }
    assert provider["Properties"] == {
        "Url": f"https://{GITHUB_OIDC_HOST}",
        "ClientIdList": [GITHUB_OIDC_AUDIENCE],
    }
    assert template["Parameters"]["GitHubOidcProviderArn"]["Default"] == ""


def test_roles_are_created_per_account_kind(template: dict[str, Any]) -> None:
    conditions = {
        name: template["Resources"][name]["Condition"]
        for name in ("PlanRole", "PublishRole", "TaskcatRole", "TaskcatStackRole")
    }
    assert conditions == {
        "PlanRole": "CreatePublisherRoles",
        "PublishRole": "CreatePublisherRoles",
        "TaskcatRole": "CreateTaskcatRoles",
        "TaskcatStackRole": "CreateTaskcatRoles",
    }
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            [role] = resource["Properties"]["Roles"]
            assert resource["Condition"] == conditions[role["Ref"]], name


def test_no_ci_role_can_be_changed_by_the_product_roles_grants(template: dict[str, Any]) -> None:
    """The launch role (and so the taskcat stack role) may change roles under the products'
    path; a CI role there could be widened by a product stack."""
    for role in ci_roles():
        properties = template["Resources"][role.logical_id]["Properties"]
        assert properties.get("Path", "/") == "/", role.logical_id
        assert PRODUCT_ROLE_PATH not in properties["RoleName"]
    taskcat_arn = template["Outputs"]["TaskcatStackRoleArn"]["Value"]
    assert taskcat_arn == {"Fn::GetAtt": ["TaskcatStackRole", "Arn"]}
    assert template["Resources"]["TaskcatStackRole"]["Properties"]["RoleName"] == (
        TASKCAT_STACK_ROLE_NAME
    )


# --- what plan and publish may do ---------------------------------------------------------------


@cache
def publisher_operations() -> frozenset[tuple[str, str]]:
    """(service, API operation) for every boto3 method of Service Catalog, S3 or CloudFormation
    that the publisher's source names, as a call (``sc.list_portfolios``) or as a planned step
    (``operation="create_portfolio"``)."""
    session = botocore.session.get_session()
    methods: dict[str, list[tuple[str, str]]] = {}
    for service in SERVICES:
        for operation in session.get_service_model(service).operation_names:
            methods.setdefault(xform_name(operation), []).append((service, operation))
    found: set[tuple[str, str]] = set()
    for path in PUBLISHER_SOURCES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.update(methods.get(node.value, ()))
            elif isinstance(node, ast.Attribute):
                found.update(methods.get(node.attr, ()))
    return frozenset(found)


def _granted(grants: Any) -> set[str]:
    return {action for _, grant in grants for action in grant.actions}


def test_the_scan_finds_the_publishers_calls() -> None:
    """The scan must see both kinds of reference, or the two tests below prove nothing."""
    operations = publisher_operations()
    assert ("servicecatalog", "ListPortfolios") in operations  # a call
    assert ("servicecatalog", "CreatePortfolio") in operations  # a planned step
    assert ("s3", "PutObject") in operations
    assert ("cloudformation", "DescribeStacks") in operations


def test_publish_role_grants_every_call_the_publisher_makes() -> None:
    granted = _granted(PUBLISH_GRANTS)
    missing = {
        f"{service}:{operation} -> {action}"
        for service, operation in publisher_operations()
        for action in iam_actions_for(service, operation)
        if action not in granted
    }
    assert missing == set(), "add them to portfolio/bootstrap/ci_permissions.py"


def test_plan_role_grants_every_read_and_nothing_else() -> None:
    reads = {
        action
        for service, operation in publisher_operations()
        if is_read(operation)
        for action in iam_actions_for(service, operation)
    }
    assert _granted(PLAN_GRANTS) == reads


def test_publish_role_grants_nothing_the_publisher_does_not_use() -> None:
    used = {
        action
        for service, operation in publisher_operations()
        for action in iam_actions_for(service, operation)
    }
    # Naming the launch role in LAUNCH constraints (no boto3 call of ours makes these).
    constraint_side_effects = {"iam:GetRole", "iam:PassRole"}
    assert _granted(PUBLISH_GRANTS) - used == constraint_side_effects


def test_passing_roles_is_limited_to_the_launch_roles_and_its_service(
    template: dict[str, Any],
) -> None:
    for role in ("PublishRole", "TaskcatRole"):
        for statement in policy_statements(template, role):
            if "iam:PassRole" in as_list(statement["Action"]):
                assert "*" not in statement["Resource"], role
                assert "iam:PassedToService" in statement["Condition"]["StringEquals"], role


def test_artifact_bucket_pattern_names_the_bootstrap_bucket() -> None:
    bootstrap = build_bootstrap().template.to_dict()
    assert bootstrap["Resources"][ARTIFACT_BUCKET_LOGICAL_ID]["Type"] == "AWS::S3::Bucket"


@pytest.mark.parametrize("role", ["PlanRole", "PublishRole", "TaskcatRole", "TaskcatStackRole"])
def test_every_action_exists(template: dict[str, Any], role: str) -> None:
    unknown = {
        action
        for action in allowed_actions(policy_statements(template, role))
        if action.lower() not in known_actions()
    }
    assert unknown == set()


def test_only_unscoped_statements_name_no_resource(template: dict[str, Any]) -> None:
    """'*' only where a grant says why (``Grant`` refuses '*' without a reason)."""
    for grants in (PLAN_GRANTS, PUBLISH_GRANTS):
        for sid, grant in grants:
            if "*" in grant.resources:
                assert grant.why.strip(), sid
                assert all(action.startswith("servicecatalog:") for action in grant.actions)


# --- taskcat's stacks -----------------------------------------------------------------------------


def test_taskcat_stack_role_has_the_launch_roles_actions_under_taskcats_names() -> None:
    grants = grants_for(product_resources(product_templates().values()))
    scoped, unscoped = launch_role_statements(grants)
    launch_actions = {str(action.JSONrepr()) for s in [*scoped, *unscoped] for action in s.Action}
    statements = taskcat_stack_statements()
    assert launch_actions <= allowed_actions(statements)
    assert leftover_service_catalog_names(statements) == []
    text = json.dumps(statements)
    assert "stack/tCaT-*" in text and "function:tCaT-*" in text


def test_region_bound_conditions_are_widened_with_like_operators() -> None:
    statement = {
        "Sid": "Keys",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [
            {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"}
        ],
        "Condition": {
            "StringEquals": {
                "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"},
                "aws:ResourceAccount": {"Ref": "AWS::AccountId"},
            },
            "StringLike": {
                "kms:EncryptionContext:SecretARN": {
                    "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
                    "${AWS::AccountId}:secret:SC-*"
                }
            },
        },
    }
    assert taskcat_statement(statement)["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"}
    ]
    assert taskcat_statement(statement)["Condition"] == {
        "StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}},
        "StringLike": {
            "kms:ViaService": "secretsmanager.*.amazonaws.com",
            "kms:EncryptionContext:SecretARN": {
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:tCaT-*"
            },
        },
    }


def test_a_condition_that_cannot_match_any_region_is_refused() -> None:
    statement = {
        "Sid": "X",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ["*"],
        "Condition": {"NumericEquals": {"x": {"Fn::Sub": "${AWS::Region}"}}},
    }
    with pytest.raises(ValueError, match="NumericEquals x"):
        taskcat_statement(statement)


# --- the template -------------------------------------------------------------------------------


def test_policies_fit_iam_and_the_template_fits_a_template_body(template: dict[str, Any]) -> None:
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = json.dumps(resource["Properties"]["PolicyDocument"], separators=(",", ":"))
            assert len(document) <= MANAGED_POLICY_MAX_CHARS, name
    assert len(render_ci_roles_template().encode("utf-8")) <= TEMPLATE_BODY_MAX_BYTES


def test_parameters_name_the_bootstrap_stack_in_lowercase(template: dict[str, Any]) -> None:
    """The artifact bucket's name is the lowercased stack name: a mixed-case stack name would
    leave the publish role without its bucket."""
    assert template["Parameters"]["BootstrapStackName"]["AllowedPattern"].startswith("^[a-z]")
    assert any("${BootstrapStackName}-artifactbucket-*" in s for s in strings(template))


def test_cfn_lint_reports_nothing() -> None:
    assert cfn_lint_findings(render_ci_roles_template()) == []


# --- the command ----------------------------------------------------------------------------------


def test_command_writes_the_template(tmp_path: Path) -> None:
    out = tmp_path / "ci-roles.yaml"
    assert main(["ci-roles", "--out", str(out)]) == EXIT_OK
    assert out.read_text(encoding="utf-8") == render_ci_roles_template()


@pytest.mark.parametrize("where", ["missing/ci-roles.yaml", "."])
def test_command_refuses_an_unwritable_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    assert main(["ci-roles", "--out", str(tmp_path / where)]) == EXIT_BAD_INPUT
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("portfolio ci-roles: error: --out ")
