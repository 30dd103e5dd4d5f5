"""The quality gates every generated template must pass: cfn-lint and checkov.

``cfn_lint`` runs in-process (errors, warnings and informational checks, two regions);
``checkov`` runs from its own virtual environment and scans the whole template folder at once.
``run_gates`` runs both and gives one ``GateResult`` per template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from products.gates.cfn_lint import cfn_lint_findings
from products.gates.checkov import checkov_report, scan_failures, split_checkov_report

__all__ = ["GateResult", "run_gates"]


@dataclass
class GateResult:
    """Findings of every gate for one template."""

    template: str
    lint_findings: list[str] = field(default_factory=list)
    scan_failures: list[str] = field(default_factory=list)
    scan_passed: int = 0
    scan_skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.lint_findings and not self.scan_failures

    def summary_line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        return (
            f"{status} {self.template}: cfn-lint {len(self.lint_findings)} findings; "
            f"checkov {self.scan_passed} passed, {len(self.scan_failures)} failed, "
            f"{self.scan_skipped} skipped (justified)"
        )


def run_gates(template_dir: Path, checkov: Path | None) -> list[GateResult]:
    """Lint and (when ``checkov`` is given) scan every ``*.yaml`` in ``template_dir``."""
    results = [
        GateResult(path.name, lint_findings=cfn_lint_findings(path.read_text(encoding="utf-8")))
        for path in sorted(template_dir.glob("*.yaml"))
    ]
    if checkov is None:
        return results
    per_file = split_checkov_report(checkov_report(checkov, template_dir))
    for result in results:
        checks = per_file[result.template]
        result.scan_passed = len(checks["passed"])
        result.scan_skipped = len(checks["skipped"])
        result.scan_failures = scan_failures(checks)
    return results
