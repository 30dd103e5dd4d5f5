"""The checkov gate: run from its own virtual environment, because its pins clash with ours.

checkov is handed the whole template folder once and its JSON report is split per template.
A skip counts only with a reason (products.building_blocks.checkov records them).
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path


def checkov_report(checkov: Path, template_dir: Path) -> dict:
    """Run checkov once over ``template_dir`` (offline) and return its JSON report."""
    completed = subprocess.run(
        [
            str(checkov),
            "--directory",
            str(template_dir),
            "--framework",
            "cloudformation",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed: {completed.stderr.strip()[-500:]}")
    report = json.loads(completed.stdout)
    return report[0] if isinstance(report, list) else report


def split_checkov_report(report: dict) -> dict[str, dict[str, list[dict]]]:
    """Template file name -> {"passed"|"failed"|"skipped": [check, ...]}."""
    per_file: dict[str, dict[str, list[dict]]] = defaultdict(
        lambda: {"passed": [], "failed": [], "skipped": []}
    )
    results = report.get("results", {})
    for outcome in ("passed", "failed", "skipped"):
        for check in results.get(f"{outcome}_checks", []):
            per_file[Path(check["file_path"]).name][outcome].append(check)
    return per_file


def unjustified(check: dict) -> bool:
    """A skip without a reason is no better than a failure."""
    comment = (check.get("check_result") or {}).get("suppress_comment") or ""
    return not comment.strip() or comment.strip() == "No comment provided"


def scan_failures(checks: dict[str, list[dict]]) -> list[str]:
    """One template's failed checks, and its skips without a reason, one line each."""
    return [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for check in checks["failed"]
    ] + [
        f"{check['check_id']} {check['resource']}: skipped without a reason"
        for check in checks["skipped"]
        if unjustified(check)
    ]
