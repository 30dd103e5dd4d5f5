"""What ``portfolio plan`` and ``portfolio publish`` print: text for people, JSON for machines.

The JSON lists every change with its status and counts API calls as
``{"api_calls": {"read": N, "mutating": M}}`` (per region and in total). It is printed whatever
happens: bad input (exit 2) gives ``{"ok": false, "errors": [...], "api_calls": ...}``, with
the regions' plans when planning was what found the problem.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from portfolio.publish.apply import StepResult
from portfolio.publish.steps import Action, RegionPlan, count_by_action

_SYMBOLS = {
    Action.UPLOAD: "+",
    Action.CREATE: "+",
    Action.ASSOCIATE: "+",
    Action.SHARE: "+",
    Action.UPDATE: "~",
    Action.DEPRECATE: "!",
    Action.DELETE: "-",
    Action.DISASSOCIATE: "-",
    Action.UNSHARE: "-",
}


@dataclass(frozen=True)
class RegionOutcome:
    """One region's plan, what happened to each step, and the calls it took."""

    region: str
    plan: RegionPlan | None
    results: tuple[StepResult, ...] = ()
    api_calls: dict[str, int] = field(default_factory=lambda: {"read": 0, "mutating": 0})
    retries: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(r.status != "failed" for r in self.results)

    @property
    def failure(self) -> str:
        failed = next((r for r in self.results if r.status == "failed"), None)
        if failed is not None:
            return f"{failed.step.label}: {failed.error}"
        return self.error


def total_calls(outcomes: Sequence[RegionOutcome]) -> dict[str, int]:
    return {
        kind: sum(outcome.api_calls[kind] for outcome in outcomes) for kind in ("read", "mutating")
    }


# --- JSON ---------------------------------------------------------------------------------------


def render_json(
    outcomes: Sequence[RegionOutcome], *, mode: str, errors: Sequence[str] | None = None
) -> str:
    """The report; ``errors`` (bad input) makes it not ok whatever the regions say. Without
    them, ``errors`` lists each failed region's failure."""
    region_errors = [f"{o.region}: {o.failure}" for o in outcomes if not o.ok]
    document = {
        "ok": not errors and all(outcome.ok for outcome in outcomes),
        "mode": mode,
        "errors": [*(errors or ()), *region_errors],
        "regions": [_region_json(outcome) for outcome in outcomes],
        "api_calls": total_calls(outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
    }
    return json.dumps(document, indent=2, default=str)


def _region_json(outcome: RegionOutcome) -> dict[str, Any]:
    plan = outcome.plan
    return {
        "region": outcome.region,
        "portfolio": plan.portfolio if plan else None,
        "ok": outcome.ok,
        "error": outcome.failure or None,
        "changes": [_result_json(result) for result in outcome.results],
        "unchanged": [
            {"subject": str(item.subject), "name": item.name, "detail": item.detail}
            for item in (plan.unchanged if plan else ())
        ],
        "summary": count_by_action(plan.steps) if plan else {},
        "api_calls": dict(outcome.api_calls),
        "retries": outcome.retries,
    }


def _result_json(result: StepResult) -> dict[str, Any]:
    step = result.step
    return {
        "action": str(step.action),
        "subject": str(step.subject),
        "name": step.name,
        "detail": step.detail,
        "operation": step.operation,
        "status": result.status,
        "error": result.error or None,
    }


# --- text ---------------------------------------------------------------------------------------


def render_text(outcomes: Sequence[RegionOutcome], *, mode: str) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        lines.extend(_region_lines(outcome, mode))
        lines.append("")
    calls = total_calls(outcomes)
    retries = sum(outcome.retries for outcome in outcomes)
    lines.append(
        f"API calls: {calls['read']} read, {calls['mutating']} mutating"
        + (f" ({retries} retried)" if retries else "")
    )
    return "\n".join(lines)


def _region_lines(outcome: RegionOutcome, mode: str) -> list[str]:
    plan = outcome.plan
    title = f"{outcome.region}: portfolio {plan.portfolio!r}" if plan else outcome.region
    lines = [title]
    if plan is None:
        return [*lines, f"  FAILED before planning: {outcome.error}"]
    for result in outcome.results:
        status = "" if result.status == "planned" else f"  [{result.status}]"
        lines.append(f"  {_SYMBOLS[result.step.action]} {result.step.label}{status}")
        if result.error:
            lines.append(f"      {result.error}")
    lines.extend(f"  = {item.label}" for item in plan.unchanged)
    lines.append("  " + _summary(outcome, mode))
    return lines


def _summary(outcome: RegionOutcome, mode: str) -> str:
    plan = outcome.plan
    assert plan is not None
    counts = count_by_action(plan.steps)
    changes = ", ".join(f"{count} {action}" for action, count in counts.items()) or "no changes"
    verb = "planned" if mode == "plan" else ("done" if outcome.ok else "FAILED")
    calls = outcome.api_calls
    return (
        f"{verb}: {changes}; {len(plan.unchanged)} unchanged; "
        f"API calls {calls['read']} read, {calls['mutating']} mutating"
    )
