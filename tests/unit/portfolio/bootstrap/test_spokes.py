"""The spoke template: the hub's launch role and permissions boundary, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from portfolio.bootstrap.spokes import build_spoke
from portfolio.names import LAUNCH_ROLE_NAME_PREFIX
from tests.support.bootstrap_template import boundary_statements, launch_statements


@pytest.fixture(scope="module")
def spoke() -> dict[str, Any]:
    return build_spoke().template.to_dict()


def _without(statements: list[tuple[str, dict[str, Any]]], sid: str) -> list[dict[str, Any]]:
    return [statement for _, statement in statements if statement["Sid"] != sid]


def test_spoke_holds_only_the_launch_role_its_policies_and_the_boundary(
    spoke: dict[str, Any],
) -> None:
    types = {name: resource["Type"] for name, resource in spoke["Resources"].items()}
    assert types.pop("LaunchRole") == "AWS::IAM::Role"
    assert types.pop("PermissionsBoundary") == "AWS::IAM::ManagedPolicy"
    assert types, "the launch role's permissions"
    assert set(types.values()) == {"AWS::IAM::ManagedPolicy"}
    assert all(name.startswith("LaunchRolePolicy") for name in types)
    assert set(spoke["Parameters"]) == {"TrustSourceAccountOnly"}
    assert set(spoke["Outputs"]) == {"LaunchRoleArn", "LaunchRoleName", "PermissionsBoundaryArn"}


def test_spoke_role_and_boundary_are_the_hubs(
    spoke: dict[str, Any], bootstrap: dict[str, Any]
) -> None:
    """Same names (LAUNCH constraints and products compute them), same trust, same boundary."""
    for name in ("LaunchRole", "PermissionsBoundary"):
        assert spoke["Resources"][name] == bootstrap["Resources"][name]
    role_name = spoke["Resources"]["LaunchRole"]["Properties"]["RoleName"]
    assert role_name == {"Fn::Sub": f"{LAUNCH_ROLE_NAME_PREFIX}-${{AWS::Region}}"}
    assert boundary_statements(spoke) == boundary_statements(bootstrap)
    assert spoke["Conditions"] == {
        name: condition
        for name, condition in bootstrap["Conditions"].items()
        if name in spoke["Conditions"]
    }


def test_spoke_launch_role_is_the_hubs_without_the_artifact_bucket(
    spoke: dict[str, Any], bootstrap: dict[str, Any]
) -> None:
    """A receiving account launches from Service Catalog's copy of each template: its role
    may read no artifact bucket (there is none), and is granted everything else the hub's is."""
    hub = launch_statements(bootstrap)
    assert "ReadArtifactBucketTemplates" in {statement["Sid"] for _, statement in hub}
    assert _without(launch_statements(spoke), "") == _without(hub, "ReadArtifactBucketTemplates")
    assert "ArtifactBucket" not in str(spoke)
