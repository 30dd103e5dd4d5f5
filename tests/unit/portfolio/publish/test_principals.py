"""Principals: associated and disassociated only as needed."""

from __future__ import annotations

import dataclasses

from portfolio.publish.planner import plan_region
from tests.support.demo_manifest import demo_manifest_data
from tests.support.plan_builders import converged, manifest, target, with_portfolio


def test_principals_added_and_removed() -> None:
    m = manifest()
    observed = with_portfolio(
        converged(m), principals=frozenset({("IAM", "arn:aws:iam::123456789012:role/old")})
    )
    steps = plan_region(m, target(m), observed).steps
    assert [(s.operation, s.params["PrincipalARN"]) for s in steps] == [
        ("disassociate_principal_from_portfolio", "arn:aws:iam::123456789012:role/old"),
        ("associate_principal_with_portfolio", "arn:aws:iam:::role/app-teams/*"),
    ]
    assert steps[1].params["PrincipalType"] == "IAM_PATTERN"


def test_principal_replaced_at_the_limit_is_disassociated_before_the_new_one() -> None:
    data = demo_manifest_data()
    data["principals"] = [
        {"type": "IAM", "arn": f"arn:aws:iam::123456789012:role/r{i}"} for i in range(100)
    ]
    m = manifest(data)
    new = dataclasses.replace(m.principals[0], arn="arn:aws:iam::123456789012:role/new")
    changed = dataclasses.replace(m, principals=(new, *m.principals[1:]))
    steps = plan_region(changed, target(changed), converged(m)).steps
    assert [(s.operation, s.params["PrincipalARN"]) for s in steps] == [
        ("disassociate_principal_from_portfolio", "arn:aws:iam::123456789012:role/r0"),
        ("associate_principal_with_portfolio", "arn:aws:iam::123456789012:role/new"),
    ]
