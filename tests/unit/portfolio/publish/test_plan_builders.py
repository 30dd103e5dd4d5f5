"""The plan builders of tests.support agree with the planner: a converged catalog plans nothing."""

from __future__ import annotations

from portfolio.publish.planner import plan_region
from tests.support.plan_builders import converged, manifest, target


def test_converged_catalog_plans_no_steps() -> None:
    m = manifest()
    plan = plan_region(m, target(m), converged(m))
    assert plan.steps == ()
    assert not plan.has_changes


def test_converged_catalog_reports_everything_unchanged() -> None:
    m = manifest()
    plan = plan_region(m, target(m), converged(m))
    labels = {item.label for item in plan.unchanged}
    assert "portfolio Signed URLs demo" in labels
    assert "version Demo product 2 1.0.0" in labels
    assert "constraint LAUNCH on Demo product 1" in labels
    assert "share account 111111111111" in labels
    assert "principal IAM_PATTERN arn:aws:iam:::role/app-teams/*" in labels
