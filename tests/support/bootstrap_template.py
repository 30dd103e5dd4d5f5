"""Reading the rendered bootstrap template: its resources by type and the launch role's
statements."""

from __future__ import annotations

from typing import Any


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def launch_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(policy logical id, statement) for every launch role permission (the managed policies
    attached to a role; the permissions boundary is attached to none)."""
    return [
        (name, statement)
        for name, policy in resources_of(template, "AWS::IAM::ManagedPolicy").items()
        if policy["Properties"].get("Roles")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def boundary_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of the permissions boundary policy."""
    policy = template["Resources"]["PermissionsBoundary"]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
