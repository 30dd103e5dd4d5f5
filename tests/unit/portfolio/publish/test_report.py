"""The report counts what was done (not the plan), says why a region failed, and lists each
step once."""

from __future__ import annotations

import json

from portfolio.publish.apply import StepResult
from portfolio.publish.observed import ObservedCatalog
from portfolio.publish.planner import plan_region
from portfolio.publish.report import RegionOutcome, render_json, render_text
from tests.support.plan_builders import manifest, target


def _failed_outcome() -> RegionOutcome:
    m = manifest()
    plan = plan_region(m, target(m), ObservedCatalog(portfolio=None))
    steps = plan.steps
    results = (
        *(StepResult(step, "done") for step in steps[:4]),
        StepResult(steps[4], "failed", "InternalFailure: boom (gave up after 6 attempts)"),
        *(StepResult(step, "skipped") for step in steps[5:]),
    )
    return RegionOutcome(region="us-east-1", plan=plan, results=results, retries=5)


def test_a_failed_region_counts_what_was_done() -> None:
    outcome = _failed_outcome()
    summary = render_text([outcome], mode="publish").splitlines()[-3]
    assert summary == (
        "  FAILED: create tag option cost-center=platform: InternalFailure: boom (gave up after "
        "6 attempts); done: 3 upload, 1 create; 1 failed, 20 skipped; API calls 0 read, "
        "0 mutating"
    )
    region = json.loads(render_json([outcome], mode="publish"))["regions"][0]
    assert region["summary"] == {"done": {"upload": 3, "create": 1}, "failed": 1, "skipped": 20}


def test_steps_shown_as_progress_are_not_listed_again() -> None:
    """On one terminal the progress lines already listed each finished step."""
    outcome = _failed_outcome()
    full = render_text([outcome], mode="publish")
    short = render_text([outcome], mode="publish", steps_shown=True)
    done = [r.step.label for r in outcome.results if r.status == "done"]
    assert all(f"{label}  [done]" in full for label in done)
    assert not any(label in short for label in done)
    assert "  (4 done, shown above)" in short
    assert "create tag option cost-center=platform  [failed]" in short
    assert "  [skipped]" in short
