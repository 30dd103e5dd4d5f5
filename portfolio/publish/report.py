"""What ``portfolio plan`` and ``portfolio publish`` print: text for people, JSON for machines.

The JSON lists every change with its status, the IDs recipients need (portfolio, products,
their current versions) and counts API calls as ``{"api_calls": {"read": N, "mutating": M}}``
(per region and in total). It is printed whatever happens: bad input (exit 2) gives
``{"ok": false, "errors": [...], "api_calls": ...}``, with the regions' plans when planning was
what found the problem. The summary of a region counts what was done, not what was planned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from portfolio.publish.apply import StepResult
from portfolio.publish.steps import Action, RegionPlan, StepRef, count_by_action

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
    ids: dict[StepRef, str] = field(default_factory=dict)  # of what the run created
    lease: str = ""  # the lease held while publishing, described
    notes: tuple[str, ...] = ()  # e.g. a lease that could not be released

    @property
    def ok(self) -> bool:
        return not self.error and all(
            r.status not in ("failed", "interrupted") for r in self.results
        )

    @property
    def failure(self) -> str:
        failed = next((r for r in self.results if r.status in ("failed", "interrupted")), None)
        if failed is not None:
            return f"{failed.step.label}: {failed.error}"
        return self.error

    def id_of(self, value: str | StepRef | None) -> str | None:
        """An ID: known before the run, created by it, or None (not created)."""
        if isinstance(value, StepRef):
            return self.ids.get(value)
        return value

    def resources(self) -> dict[str, Any]:
        """The portfolio's and each product's (and current version's) IDs."""
        plan = self.plan
        if plan is None:
            return {"portfolio_id": None, "products": []}
        return {
            "portfolio_id": self.id_of(plan.portfolio_id),
            "products": [
                {
                    "name": product.name,
                    "id": self.id_of(product.id),
                    "version": product.version,
                    "version_id": self.id_of(product.version_id),
                }
                for product in plan.products
            ],
        }


def total_calls(outcomes: Sequence[RegionOutcome]) -> dict[str, int]:
    return {
        kind: sum(outcome.api_calls[kind] for outcome in outcomes) for kind in ("read", "mutating")
    }


# --- JSON ---------------------------------------------------------------------------------------


def render_json(
    outcomes: Sequence[RegionOutcome],
    *,
    mode: str,
    errors: Sequence[str] | None = None,
    regions_from: str = "",
) -> str:
    """The report; ``errors`` (bad input) makes it not ok whatever the regions say. Without
    them, ``errors`` lists each failed region's failure. ``regions_from`` says where the
    regions came from (--region, AWS_REGION, ...)."""
    region_errors = [f"{o.region}: {o.failure}" for o in outcomes if not o.ok]
    document = {
        "ok": not errors and all(outcome.ok for outcome in outcomes),
        "mode": mode,
        "errors": [*(errors or ()), *region_errors],
        "regions_from": regions_from or None,
        "regions": [_region_json(outcome, mode) for outcome in outcomes],
        "api_calls": total_calls(outcomes),
        "retries": sum(outcome.retries for outcome in outcomes),
    }
    return json.dumps(document, indent=2, default=str)


def _region_json(outcome: RegionOutcome, mode: str) -> dict[str, Any]:
    plan = outcome.plan
    return {
        "region": outcome.region,
        "portfolio": plan.portfolio if plan else None,
        **outcome.resources(),
        "ok": outcome.ok,
        "error": outcome.failure or None,
        "lease": outcome.lease or None,
        "notes": list(outcome.notes),
        "changes": [_result_json(result) for result in outcome.results],
        "unchanged": [
            {"subject": str(item.subject), "name": item.name, "detail": item.detail}
            for item in (plan.unchanged if plan else ())
        ],
        "summary": _counts(outcome, mode),
        "api_calls": dict(outcome.api_calls),
        "retries": outcome.retries,
    }


def _counts(outcome: RegionOutcome, mode: str) -> dict[str, Any]:
    """Planned changes by action; after publishing, what was done by action and how many
    steps failed, were interrupted or skipped."""
    plan = outcome.plan
    if plan is None:
        return {}
    if mode == "plan":
        return count_by_action(plan.steps)
    done = tuple(r.step for r in outcome.results if r.status == "done")
    return {
        "done": count_by_action(done),
        **{
            status: count
            for status in ("failed", "interrupted", "skipped")
            if (count := sum(1 for r in outcome.results if r.status == status))
        },
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
        "note": result.note or None,
    }


# --- text ---------------------------------------------------------------------------------------


def render_text(
    outcomes: Sequence[RegionOutcome],
    *,
    mode: str,
    regions_from: str = "",
    steps_shown: bool = False,
) -> str:
    """The report for people. ``steps_shown``: each finished step was already shown as a
    progress line on the same terminal, so only those that did not finish are listed again."""
    lines: list[str] = [f"regions from {regions_from}", ""] if regions_from else []
    for outcome in outcomes:
        lines.extend(_region_lines(outcome, mode, steps_shown))
        lines.append("")
    calls = total_calls(outcomes)
    retries = sum(outcome.retries for outcome in outcomes)
    lines.append(
        f"API calls: {calls['read']} read, {calls['mutating']} mutating"
        + (f" ({retries} retried)" if retries else "")
    )
    return "\n".join(lines)


def _region_lines(outcome: RegionOutcome, mode: str, steps_shown: bool) -> list[str]:
    plan = outcome.plan
    ids = outcome.resources()
    portfolio_id = f" ({ids['portfolio_id']})" if ids["portfolio_id"] else ""
    title = (
        f"{outcome.region}: portfolio {plan.portfolio!r}{portfolio_id}" if plan else outcome.region
    )
    lines = [title]
    if plan is None:
        return [*lines, f"  FAILED before planning: {outcome.error}"]
    if outcome.lease:
        lines.append(f"  {outcome.lease}")
    shown = 0
    for result in outcome.results:
        if steps_shown and result.status == "done" and not result.note:
            shown += 1
            continue
        status = "" if result.status == "planned" else f"  [{result.status}]"
        lines.append(f"  {_SYMBOLS[result.step.action]} {result.step.label}{status}")
        lines.extend(f"      {text}" for text in (result.error, result.note) if text)
    if shown:
        lines.append(f"  ({shown} done, shown above)")
    lines.extend(f"  = {item.label}" for item in plan.unchanged)
    lines.extend(_id_lines(ids))
    lines.extend(f"  ! {note}" for note in outcome.notes)
    lines.append("  " + _summary(outcome, mode))
    return lines


def _id_lines(ids: dict[str, Any]) -> list[str]:
    """'  id: product 'X' prod-..., version 1.0.0 pa-...' for each product with an ID."""
    return [
        f"  id: product {p['name']!r} {p['id']}, version {p['version']} "
        + (p["version_id"] or "(not created)")
        for p in ids["products"]
        if p["id"]
    ]


def _summary(outcome: RegionOutcome, mode: str) -> str:
    plan = outcome.plan
    assert plan is not None
    calls = outcome.api_calls
    tail = f"; API calls {calls['read']} read, {calls['mutating']} mutating"
    if mode == "plan":
        changes = _changes(count_by_action(plan.steps))
        return f"planned: {changes}; {len(plan.unchanged)} unchanged{tail}"
    counts = _counts(outcome, mode)
    done = f"done: {_changes(counts['done'])}"
    if outcome.ok:
        return f"{done}; {len(plan.unchanged)} unchanged{tail}"
    rest = ", ".join(
        f"{counts[s]} {s}" for s in ("failed", "interrupted", "skipped") if s in counts
    )
    why = outcome.failure
    return f"FAILED: {why}; {done}" + (f"; {rest}" if rest else "") + tail


def _changes(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {action}" for action, count in counts.items()) or "no changes"
