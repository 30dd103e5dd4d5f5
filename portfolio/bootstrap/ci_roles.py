"""The roles the GitHub Actions workflows assume through OpenID Connect (no long-lived keys).

One stack per account (IAM is global): ``portfolio ci-roles`` writes the template. In the
account that publishes, the *plan* role (read only) is trusted by pull requests and the
*publish* role only by jobs of the protected publish environment, so a pull request that edits
a workflow can read the catalog but never change it; in the test account, the *taskcat* role
is trusted by jobs of the taskcat environment and passes the *taskcat stacks* role to
CloudFormation. Trust is on the token's ``sub`` claim (repository and pull request or
environment) and ``aud`` (sts.amazonaws.com), as GitHub's and IAM's guides ask:
https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
and https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html.

An account has at most one OIDC provider per URL: the template creates GitHub's unless given
the ARN of an existing one. IAM validates GitHub's certificate against its own trusted CAs, so
the provider needs no thumbprint
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html).
Permissions: ``portfolio.bootstrap.ci_permissions``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from awacs.aws import Allow, Condition, Policy, Principal, Statement, StringEquals
from troposphere import AWSObject, Equals, GetAtt, If, Ref, Sub
from troposphere.iam import ManagedPolicy, OIDCProvider, Role

from portfolio.bootstrap.ci_permissions import (
    PLAN_GRANTS,
    PUBLISH_GRANTS,
    TASKCAT_RUNNER_GRANTS,
    TASKCAT_STACK_ROLE_NAME,
    statements_json,
    taskcat_stack_statements,
)
from portfolio.bootstrap.launch_role import (
    MANAGED_POLICY_MAX_CHARS,
    MAX_ATTACHED_POLICIES,
    PACKING_HEADROOM,
    iam_action,
)
from portfolio.names import BOOTSTRAP_STACK_NAME
from products.building_blocks.checkov import skip_checkov
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import ProductTemplate

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
#: GitHub environments the workflows' jobs run in (``.github/workflows``): the trust policies
#: name them, the tests check the workflows use the same.
PUBLISH_ENVIRONMENT = "portfolio-publish"
TASKCAT_ENVIRONMENT = "taskcat"

CREATE_PROVIDER = "CreateGitHubOidcProvider"
PUBLISHER_ROLES = "CreatePublisherRoles"
TASKCAT_ROLES = "CreateTaskcatRoles"

#: Why some statements name no resource ARN: checkov reads any write (CKV_AWS_111) or
#: permissions-management action (CKV_AWS_109: Service Catalog's shares and principals) on '*'
#: as unconstrained.
_WHY_UNSCOPED = (
    "only actions that accept no resource ARN, or whose resource IDs exist only once created, "
    "are on '*' (Service Catalog's portfolio, product, share and principal actions; "
    "CloudFront and KMS creations; DescribeStacks without a name); every S3, IAM, Lambda and "
    "CloudFormation stack action names its bucket, role, function or stack"
)
_UNSCOPED_SKIPS = {"CKV_AWS_111": _WHY_UNSCOPED, "CKV_AWS_109": _WHY_UNSCOPED}


@dataclass(frozen=True)
class CiRole:
    """One role: its logical ID, name, the condition that creates it, who may assume it (the
    ``sub`` values, or a service) and what it may do (IAM statements as JSON data)."""

    logical_id: str
    name: str
    condition: str
    description: str
    statements: tuple[dict[str, Any], ...]
    subjects: tuple[str, ...] = ()  # token sub claims, ``${GitHubRepository}`` substituted
    service: str = ""  # or: the AWS service that assumes it
    max_session_seconds: int = 3600
    #: The GitHub variable the workflows read this role's ARN from (docs/pipeline.md).
    workflow_variable: str = ""


def ci_roles() -> tuple[CiRole, ...]:
    """The four roles, in template order."""
    repository = "repo:${GitHubRepository}"
    return (
        CiRole(
            "PlanRole",
            "signed-urls-portfolio-ci-plan",
            PUBLISHER_ROLES,
            "portfolio plan from pull requests of the repository: reads only",
            tuple(statements_json(PLAN_GRANTS)),
            subjects=(f"{repository}:pull_request",),
            workflow_variable="PORTFOLIO_PLAN_ROLE_ARN",
        ),
        CiRole(
            "PublishRole",
            "signed-urls-portfolio-ci-publish",
            PUBLISHER_ROLES,
            "portfolio publish from the repository's protected publish environment",
            tuple(statements_json(PUBLISH_GRANTS)),
            subjects=(f"{repository}:environment:${{PublishEnvironment}}",),
            workflow_variable="PORTFOLIO_PUBLISH_ROLE_ARN",
        ),
        CiRole(
            "TaskcatRole",
            "signed-urls-portfolio-ci-taskcat",
            TASKCAT_ROLES,
            "taskcat test run from the repository's taskcat environment",
            tuple(statements_json(TASKCAT_RUNNER_GRANTS)),
            subjects=(f"{repository}:environment:${{TaskcatEnvironment}}",),
            # CloudFront distributions take a while to create and delete.
            max_session_seconds=4 * 3600,
            workflow_variable="TASKCAT_ROLE_ARN",
        ),
        CiRole(
            "TaskcatStackRole",
            TASKCAT_STACK_ROLE_NAME,
            TASKCAT_ROLES,
            "CloudFormation creates and deletes taskcat's stacks of the products with this role",
            tuple(taskcat_stack_statements()),
            service="cloudformation.amazonaws.com",
        ),
    )


def github_trust(subjects: Iterable[str]) -> Policy:
    """Web identity federation from GitHub's provider, for these ``sub`` values only."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="GitHubActionsOidc",
                Effect=Allow,
                Principal=Principal("Federated", _provider_arn()),
                Action=[iam_action("sts:AssumeRoleWithWebIdentity")],
                Condition=Condition(
                    StringEquals(
                        {
                            f"{GITHUB_OIDC_HOST}:aud": GITHUB_OIDC_AUDIENCE,
                            f"{GITHUB_OIDC_HOST}:sub": [Sub(subject) for subject in subjects],
                        }
                    )
                ),
            )
        ],
    )


def service_trust(service: str) -> Policy:
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="AssumedByService",
                Effect=Allow,
                Principal=Principal("Service", service),
                Action=[iam_action("sts:AssumeRole")],
            )
        ],
    )


def _provider_arn() -> If:
    return If(CREATE_PROVIDER, GetAtt("GitHubOidcProvider", "Arn"), Ref("GitHubOidcProviderArn"))


def _compact(statements: list[dict[str, Any]]) -> int:
    document = {"Version": "2012-10-17", "Statement": statements}
    return len(json.dumps(document, separators=(",", ":")))


def pack(statements: Iterable[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    """Greedy, order-preserving packing of statements into documents of at most ``limit``
    characters (the launch role's rule: sizes before ``Fn::Sub`` resolves, with headroom)."""
    packs: list[list[dict[str, Any]]] = []
    for statement in statements:
        if _compact([statement]) > limit:
            raise GeneratorOptionError(f"ci roles: statement {statement['Sid']} exceeds {limit}")
        if packs and _compact([*packs[-1], statement]) <= limit:
            packs[-1].append(statement)
        else:
            packs.append([statement])
    return packs


def add_role(template: Any, role: CiRole) -> tuple[Role, list[ManagedPolicy]]:
    trust = service_trust(role.service) if role.service else github_trust(role.subjects)
    resource = template.add_resource(
        Role(
            role.logical_id,
            Condition=role.condition,
            RoleName=role.name,
            Description=role.description,
            AssumeRolePolicyDocument=trust,
            MaxSessionDuration=role.max_session_seconds,
        )
    )
    packs = pack(role.statements, MANAGED_POLICY_MAX_CHARS - PACKING_HEADROOM)
    if len(packs) > MAX_ATTACHED_POLICIES:
        raise GeneratorOptionError(f"ci roles: {role.logical_id} needs {len(packs)} policies")
    policies = []
    for index, statements in enumerate(packs, start=1):
        policy = template.add_resource(
            ManagedPolicy(
                f"{role.logical_id}Policy{index}",
                Condition=role.condition,
                Description=f"{role.description} (part {index})",
                Roles=[Ref(resource)],
                PolicyDocument={"Version": "2012-10-17", "Statement": statements},
            )
        )
        if any("*" in statement["Resource"] for statement in statements):
            _skip_unscoped(policy)
        policies.append(policy)
    return resource, policies


def _skip_unscoped(policy: AWSObject) -> None:
    for check_id, reason in _UNSCOPED_SKIPS.items():
        skip_checkov(policy, check_id, reason)


def build_ci_roles() -> ProductTemplate:
    """The CI roles template (parameters, OIDC provider, roles, outputs)."""
    ci = ProductTemplate(
        "Signed URLs - pipeline roles: GitHub Actions OIDC roles for portfolio plan/publish and "
        "taskcat, and the role CloudFormation runs taskcat's stacks with"
    )
    _add_parameters(ci)
    template = ci.template
    template.add_condition(CREATE_PROVIDER, Equals(Ref("GitHubOidcProviderArn"), ""))
    template.add_condition(PUBLISHER_ROLES, Equals(Ref(PUBLISHER_ROLES), "true"))
    template.add_condition(TASKCAT_ROLES, Equals(Ref(TASKCAT_ROLES), "true"))
    template.add_resource(
        OIDCProvider(
            "GitHubOidcProvider",
            Condition=CREATE_PROVIDER,
            Url=f"https://{GITHUB_OIDC_HOST}",
            ClientIdList=[GITHUB_OIDC_AUDIENCE],
        )
    )
    for role in ci_roles():
        resource, _ = add_role(template, role)
        output = ci.add_output(
            f"{role.logical_id}Arn", GetAtt(resource, "Arn"), role.description, exported=False
        )
        output.Condition = role.condition
    ci.add_output(
        "GitHubOidcProviderArnInUse",
        _provider_arn(),
        "OIDC provider the roles trust",
        exported=False,
    )
    return ci


def _add_parameters(ci: ProductTemplate) -> None:
    ci.add_parameter(
        "GitHubRepository",
        group="GitHub",
        label="Repository (owner/name)",
        Description="The repository whose workflows may assume the roles, as owner/name.",
        AllowedPattern=r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$",
        ConstraintDescription="owner/name, e.g. example-org/signed-urls-portfolio",
    )
    ci.add_parameter(
        "GitHubOidcProviderArn",
        group="GitHub",
        label="Existing GitHub OIDC provider ARN (optional)",
        Description="Empty: create the provider for token.actions.githubusercontent.com. An "
        "account holds one provider per URL: give its ARN if it exists already.",
        Default="",
        AllowedPattern=r"^$|^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\."
        r"githubusercontent\.com$",
        ConstraintDescription="empty, or the ARN of the token.actions.githubusercontent.com "
        "OIDC provider",
    )
    for name, default, label in (
        ("PublishEnvironment", PUBLISH_ENVIRONMENT, "Publish environment"),
        ("TaskcatEnvironment", TASKCAT_ENVIRONMENT, "taskcat environment"),
    ):
        ci.add_parameter(
            name,
            group="GitHub",
            label=label,
            Description=f"GitHub environment whose jobs may assume the role (default {default}, "
            "as in .github/workflows).",
            Default=default,
            AllowedPattern=r"^[A-Za-z0-9._-]{1,255}$",
            ConstraintDescription="letters, digits, '.', '_' and '-'",
        )
    for name, label, where in (
        (PUBLISHER_ROLES, "Create the plan and publish roles", "the account that publishes"),
        (TASKCAT_ROLES, "Create the taskcat roles", "the test account"),
    ):
        ci.add_parameter(
            name,
            group="Roles",
            label=label,
            Description=f"true in {where}.",
            Default="true",
            AllowedValues=["true", "false"],
            ConstraintDescription="true or false",
        )
    ci.add_parameter(
        "BootstrapStackName",
        group="Roles",
        label="Bootstrap stack name",
        Description="Name of the bootstrap stack in each Region (portfolio bootstrap "
        "--stack-name): publish reads its outputs and uploads to its artifact bucket, which "
        "CloudFormation names after it.",
        Default=BOOTSTRAP_STACK_NAME,
        AllowedPattern=r"^[a-z][a-z0-9-]{0,40}$",
        ConstraintDescription="lowercase letters, digits and hyphens, at most 41 characters "
        "(the artifact bucket's name starts with it)",
    )


def render_ci_roles_template() -> str:
    """The CI roles template as YAML (what ``portfolio ci-roles`` writes; lint-gate input)."""
    return build_ci_roles().to_yaml()
