"""Which versions stay active, and the steps that deprecate or reactivate the others."""

from __future__ import annotations

import dataclasses

import pytest

from portfolio.publish.observed import ObservedVersion
from portfolio.publish.planner import active_version_names, plan_region
from portfolio.publish.steps import Action
from tests.support.plan_builders import converged, manifest, operations, target, with_product


@pytest.mark.parametrize(
    ("current", "names", "keep", "expected"),
    [
        ("1.2.0", ["1.0.0", "1.1.0", "1.2.0"], 2, {"1.2.0", "1.1.0"}),
        ("1.2.0", ["1.0.0", "1.1.0"], 1, {"1.2.0"}),
        ("1.10.0", ["1.9.0", "1.2.0"], 2, {"1.10.0", "1.9.0"}),  # not string order
        ("1.1.0", ["1.0.0", "1.2.0"], 2, {"1.1.0", "1.0.0"}),  # rollback: newer not kept
        ("2.0.0", ["2.0.0-rc.1", "1.9.9"], 2, {"2.0.0", "2.0.0-rc.1"}),
        ("1.0.0", ["legacy", "v0"], 3, {"1.0.0"}),  # names that are not versions
    ],
)
def test_active_versions(current: str, names: list[str], keep: int, expected: set[str]) -> None:
    assert active_version_names(current, names, keep) == expected


def _versions(*specs: tuple[str, bool, str]) -> tuple[ObservedVersion, ...]:
    return tuple(
        ObservedVersion(f"pa-{name}", name, active, guidance) for name, active, guidance in specs
    )


def test_new_version_deprecates_the_oldest_beyond_the_limit() -> None:
    m = manifest(keep_active_versions=2)
    m = dataclasses.replace(m, products=(dataclasses.replace(m.products[0], version="1.2.0"),))
    observed = with_product(
        converged(m),
        "Demo product 1",
        versions=_versions(("1.0.0", True, "DEFAULT"), ("1.1.0", True, "DEFAULT")),
    )
    steps = plan_region(m, target(m), observed).steps
    assert operations(steps) == [
        "put_object",
        "create_provisioning_artifact",
        "update_provisioning_artifact",
    ]
    deprecate = steps[-1]
    assert deprecate.action is Action.DEPRECATE
    assert deprecate.params == {
        "ProductId": "prod-1",
        "ProvisioningArtifactId": "pa-1.0.0",
        "Active": True,
        "Guidance": "DEPRECATED",
    }


def test_deactivate_deprecated_also_hides_them() -> None:
    m = manifest(keep_active_versions=1, deactivate_deprecated=True)
    observed = with_product(
        converged(m),
        "Demo product 2",
        versions=_versions(("0.9.0", True, "DEFAULT"), ("1.0.0", True, "DEFAULT")),
    )
    (step,) = plan_region(m, target(m), observed).steps
    assert step.params["Active"] is False
    assert step.params["Guidance"] == "DEPRECATED"
    assert step.detail == "inactive"


def test_already_deprecated_versions_are_unchanged() -> None:
    m = manifest(keep_active_versions=1)
    observed = with_product(
        converged(m),
        "Demo product 2",
        versions=_versions(("0.9.0", True, "DEPRECATED"), ("1.0.0", True, "DEFAULT")),
    )
    plan = plan_region(m, target(m), observed)
    assert plan.steps == ()
    assert any(item.label == "version Demo product 2 0.9.0 (deprecated)" for item in plan.unchanged)


def test_rollback_reactivates_the_manifest_version_and_deprecates_the_newer() -> None:
    m = manifest(keep_active_versions=1)
    observed = with_product(
        converged(m),
        "Demo product 1",
        versions=_versions(("1.0.0", True, "DEPRECATED"), ("1.1.0", True, "DEFAULT")),
    )
    steps = plan_region(m, target(m), observed).steps
    by_version = {s.params["ProvisioningArtifactId"]: s for s in steps}
    assert by_version["pa-1.0.0"].action is Action.UPDATE
    assert by_version["pa-1.0.0"].params["Guidance"] == "DEFAULT"
    assert by_version["pa-1.1.0"].action is Action.DEPRECATE


def test_more_active_versions_kept_when_the_limit_grows() -> None:
    m = manifest(keep_active_versions=3)
    observed = with_product(
        converged(m),
        "Demo product 3",
        versions=_versions(
            ("0.8.0", False, "DEPRECATED"),
            ("0.9.0", True, "DEPRECATED"),
            ("1.0.0", True, "DEFAULT"),
        ),
    )
    steps = plan_region(m, target(m), observed).steps
    assert [(s.action, s.params["ProvisioningArtifactId"]) for s in steps] == [
        (Action.UPDATE, "pa-0.8.0"),
        (Action.UPDATE, "pa-0.9.0"),
    ]
    assert all(s.params["Active"] is True for s in steps)
