"""What a stack instance does to its account: the template's IAM roles and managed policies,
created in moto's IAM of that account (the spoke template holds nothing else).

Named resources come first: a role or policy name the account already uses, and this instance
did not create, fails the instance with CloudFormation's reason and creates nothing (a stack
that fails to create rolls back). This is the failure a real organization meets first: an
account whose launch role someone made by hand, or an earlier ``portfolio bootstrap`` stack,
already holds. Other resource types are not emulated (moto's own CloudFormation does not run
here: it cannot delete a role with attached policies).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from moto.iam.models import IAMBackend, iam_backends

from portfolio.local_aws.cfn_templates import parse_template
from portfolio.local_aws.template_resolution import ResolvedTemplate


class DeploymentFailed(Exception):
    """The stack instance could not be created or updated; the message is CloudFormation's."""


@dataclass(frozen=True)
class Deployed:
    """What an instance created in its account: role names and managed policy ARNs."""

    stack_id: str
    roles: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()


@lru_cache(maxsize=16)
def _template(body: str) -> dict[str, Any]:
    return parse_template(body.encode("utf-8"))


def _iam(account: str) -> IAMBackend:
    backend: IAMBackend = iam_backends[account]["aws"]
    return backend


def _resolved(
    body: str, parameters: dict[str, str], account: str, region: str, stack_id: str
) -> dict[str, dict[str, Any]]:
    pseudo = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": stack_id.split("/")[1],
        "AWS::StackId": stack_id,
    }
    return ResolvedTemplate(_template(body), {**parameters, **pseudo}).resources()


def _failure(logical_id: str, resource_type: str, message: str) -> DeploymentFailed:
    return DeploymentFailed(
        f"ResourceLogicalId:{logical_id}, ResourceType:{resource_type}, "
        f'ResourceStatusReason:Resource handler returned message: "{message}"'
    )


def _policy_name(logical_id: str, properties: dict[str, Any], stack_id: str) -> str:
    """ManagedPolicyName, or a name CloudFormation would make up."""
    stack_name = stack_id.split("/")[1]
    return (
        properties.get("ManagedPolicyName") or f"{stack_name}-{logical_id}-{uuid.uuid4().hex[:12]}"
    )


def _check_names(
    iam: IAMBackend, resources: dict[str, dict[str, Any]], previous: Deployed | None
) -> None:
    """DeploymentFailed for the first named role or policy that exists and is not ours."""
    ours_roles = set(previous.roles) if previous else set()
    ours_policies = set(previous.policies) if previous else set()
    existing_roles = {role.name for role in iam.roles.values()}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            name = properties.get("RoleName")
            if name in existing_roles and name not in ours_roles:
                raise _failure(
                    logical_id, resource["Type"], f"Role with name {name} already exists."
                )
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and properties.get("ManagedPolicyName"):
            path = properties.get("Path", "/")
            arn = f"arn:aws:iam::{iam.account_id}:policy{path}{properties['ManagedPolicyName']}"
            if arn in iam.managed_policies and arn not in ours_policies:
                message = f"A policy called {properties['ManagedPolicyName']} already exists."
                raise _failure(logical_id, resource["Type"], message)


def deploy(
    *,
    account: str,
    region: str,
    body: str,
    parameters: dict[str, str],
    stack_id: str,
    previous: Deployed | None,
) -> Deployed:
    """Create (or re-create, on an update) the instance's IAM resources in ``account``."""
    iam = _iam(account)
    resources = _resolved(body, parameters, account, region, stack_id)
    _check_names(iam, resources, previous)
    if previous is not None:
        remove(account, previous)
    roles: dict[str, str] = {}  # logical id -> name
    policies: list[tuple[str, list[str]]] = []  # (ARN, logical ids of the roles it attaches to)
    try:
        for logical_id, resource in resources.items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::Role":
                roles[logical_id] = _create_role(iam, logical_id, properties, stack_id)
            elif resource["Type"] == "AWS::IAM::ManagedPolicy":
                policy = iam.create_policy(
                    description=properties.get("Description", ""),
                    path=properties.get("Path", "/"),
                    policy_document=json.dumps(properties["PolicyDocument"]),
                    policy_name=_policy_name(logical_id, properties, stack_id),
                    tags=[],
                )
                policies.append((policy.arn, list(properties.get("Roles", []))))
        for arn, attached_to in policies:
            for logical_id in attached_to:
                iam.attach_role_policy(arn, roles.get(logical_id, logical_id))
    except Exception as error:  # moto refused something: roll back what was created
        remove(account, Deployed(stack_id, tuple(roles.values()), tuple(a for a, _ in policies)))
        raise DeploymentFailed(str(getattr(error, "message", error))) from error
    return Deployed(stack_id, tuple(roles.values()), tuple(arn for arn, _ in policies))


def _create_role(
    iam: IAMBackend, logical_id: str, properties: dict[str, Any], stack_id: str
) -> str:
    name = properties.get("RoleName") or f"{stack_id.split('/')[1]}-{logical_id}"[:64]
    boundary = properties.get("PermissionsBoundary")
    iam.create_role(
        role_name=name,
        assume_role_policy_document=json.dumps(properties["AssumeRolePolicyDocument"]),
        path=properties.get("Path", "/"),
        permissions_boundary=boundary if isinstance(boundary, str) else None,
        description=properties.get("Description", ""),
        tags=[],
        max_session_duration="3600",
    )
    return str(name)


def remove(account: str, deployed: Deployed) -> None:
    """Delete what an instance created (policies detached first); what is gone already is
    skipped."""
    iam = _iam(account)
    names = {role.name: role for role in iam.roles.values()}
    for name in deployed.roles:
        role = names.get(name)
        if role is None:
            continue
        for arn in list(role.managed_policies):
            iam.detach_role_policy(arn, name)
        iam.delete_role(name)
    for arn in deployed.policies:
        if arn in iam.managed_policies:
            iam.delete_policy(arn)
