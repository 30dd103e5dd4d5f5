"""The JSON report of ``portfolio plan``/``publish --output json`` as Markdown, for a CI job
summary (GitHub Actions' ``$GITHUB_STEP_SUMMARY``) or a pull request comment.

    python -m portfolio.publish.job_summary report.json --exit-code 0 >> "$GITHUB_STEP_SUMMARY"

It reads only the report's documented fields (``portfolio.publish.report``) and never fails on
what it cannot read: an empty or broken report gives a summary that says so, with the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_EXIT_MEANINGS = {0: "ok", 1: "failed", 2: "bad input", 130: "interrupted"}


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def render_summary(report: dict[str, Any] | None, *, exit_code: int | None = None) -> str:
    """Markdown for one report (None: the command printed no readable report)."""
    mode = (report or {}).get("mode", "plan")
    outcome = _outcome_line(report, exit_code)
    lines = [f"## portfolio {cell(mode)}: {outcome}", ""]
    if report is None:
        return "\n".join([*lines, "The command printed no JSON report; see the job log.", ""])
    lines.extend(f"- ❌ {cell(error)}" for error in report.get("errors") or [])
    if report.get("errors"):
        lines.append("")
    regions = report.get("regions") or []
    if regions:
        lines.extend(_overview(regions))
    for region in regions:
        lines.extend(_region_section(region))
    calls = report.get("api_calls") or {}
    lines.append(
        f"API calls: {calls.get('read', 0)} read, {calls.get('mutating', 0)} mutating"
        + (f", {report['retries']} retried" if report.get("retries") else "")
    )
    return "\n".join([*lines, ""])


def _outcome_line(report: dict[str, Any] | None, exit_code: int | None) -> str:
    code = f" (exit {exit_code}: {_EXIT_MEANINGS.get(exit_code, 'error')})"
    suffix = code if exit_code is not None else ""
    if report is None:
        return f"no report{suffix}"
    changes = sum(len(region.get("changes") or []) for region in report.get("regions") or [])
    state = "ok" if report.get("ok") else "not ok"
    what = f"{changes} change{'s' if changes != 1 else ''}" if changes else "no changes"
    return f"{state}, {what}{suffix}"


def _overview(regions: Sequence[dict[str, Any]]) -> list[str]:
    lines = ["| Region | Portfolio | Changes | Unchanged | Result |", "|---|---|---|---|---|"]
    for region in regions:
        summary = region.get("summary") or {}
        counts = ", ".join(f"{count} {action}" for action, count in summary.items()) or "none"
        result = "ok" if region.get("ok") else f"❌ {region.get('error') or 'failed'}"
        lines.append(
            f"| {cell(region.get('region'))} | {cell(region.get('portfolio'))} | {cell(counts)} "
            f"| {len(region.get('unchanged') or [])} | {cell(result)} |"
        )
    return [*lines, ""]


def _region_section(region: dict[str, Any]) -> list[str]:
    changes = region.get("changes") or []
    unchanged = region.get("unchanged") or []
    lines = [f"### {cell(region.get('region'))}", ""]
    if changes:
        lines.extend(["| Action | Subject | Name | Detail | Status |", "|---|---|---|---|---|"])
        for change in changes:
            status = change.get("status", "")
            if change.get("error"):
                status = f"{status}: {change['error']}"
            lines.append(
                f"| {cell(change.get('action'))} "
                f"| {cell(change.get('subject'))} | {cell(change.get('name'))} "
                f"| {cell(change.get('detail'))} | {cell(status)} |"
            )
    else:
        lines.append("No changes.")
    lines.append("")
    if unchanged:
        lines.append(f"<details><summary>{len(unchanged)} unchanged</summary>")
        lines.append("")
        lines.extend(
            f"- {cell(item.get('subject'))} {cell(item.get('name'))}" for item in unchanged
        )
        lines.extend(["", "</details>", ""])
    return lines


def read_report(path: Path) -> dict[str, Any] | None:
    """The report in ``path``; None when it is missing, empty or not a JSON object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="the JSON report (--output json)")
    parser.add_argument("--exit-code", type=int, help="the command's exit code, to show")
    args = parser.parse_args(argv)
    sys.stdout.write(render_summary(read_report(args.report), exit_code=args.exit_code))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
