"""The quality gates every generated template must pass: cfn-lint, checkov, Control Tower.

cfn-lint runs in-process (errors, warnings and informational checks, two regions).
checkov runs from its own virtual environment because its pins clash with ours; it is
handed the whole template folder once and its JSON report is split per template.
Control Tower's proactive controls run with cfn-guard from their own npm package
(``products.gates.control_tower``).
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from products.gates.control_tower import ControlTowerResult, evaluate

#: us-east-1 (where CloudFront, ACM for CloudFront and WAF for CloudFront live) plus one more.
LINT_REGIONS = ("us-east-1", "eu-west-1")


@dataclass
class GateResult:
    """Findings of every gate for one template."""

    template: str
    lint_findings: list[str] = field(default_factory=list)
    scan_failures: list[str] = field(default_factory=list)
    scan_passed: int = 0
    scan_skipped: int = 0
    control_tower: ControlTowerResult | None = None

    @property
    def findings(self) -> list[str]:
        control_tower = self.control_tower.failures if self.control_tower else []
        return [*self.lint_findings, *self.scan_failures, *control_tower]

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary_line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        line = (
            f"{status} {self.template}: cfn-lint {len(self.lint_findings)} findings; "
            f"checkov {self.scan_passed} passed, {len(self.scan_failures)} failed, "
            f"{self.scan_skipped} skipped (justified)"
        )
        return f"{line}; {self.control_tower.summary()}" if self.control_tower else line


def cfn_lint_findings(template_text: str, regions: tuple[str, ...] = LINT_REGIONS) -> list[str]:
    """Every cfn-lint match (errors, warnings, informational) as ``RULE line N: message``."""
    from cfnlint.api import ManualArgs, lint  # slow import: only when linting

    matches = lint(template_text, config=ManualArgs(regions=list(regions), include_checks=["I"]))
    return [f"{match.rule.id} line {match.linenumber}: {match.message}" for match in matches]


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


def run_gates(
    template_dir: Path, checkov: Path | None, control_tower: Path | None = None
) -> list[GateResult]:
    """Lint every ``*.yaml`` in ``template_dir``; scan when ``checkov`` is given.

    ``control_tower``: the directory of the rule pack's npm package (omit: no Control Tower check).
    """
    texts = {path.name: path.read_text(encoding="utf-8") for path in template_dir.glob("*.yaml")}
    results = [
        GateResult(name, lint_findings=cfn_lint_findings(text))
        for name, text in sorted(texts.items())
    ]
    if control_tower is not None:
        per_template = evaluate(control_tower, texts)
        for result in results:
            result.control_tower = per_template[result.template]
    if checkov is None:
        return results
    per_file = split_checkov_report(checkov_report(checkov, template_dir))
    for result in results:
        checks = per_file[result.template]
        result.scan_passed = len(checks["passed"])
        result.scan_skipped = len(checks["skipped"])
        result.scan_failures = [
            f"{check['check_id']} {check['resource']}: {check['check_name']}"
            for check in checks["failed"]
        ] + [
            f"{check['check_id']} {check['resource']}: skipped without a reason"
            for check in checks["skipped"]
            if unjustified(check)
        ]
    return results
