"""The quality gates every generated template must pass: cfn-lint, checkov, Control Tower.

``cfn_lint`` runs in-process (errors, warnings and informational checks, two regions);
``checkov`` runs from its own virtual environment and scans the whole template folder at once;
``control_tower`` runs AWS Control Tower's proactive controls with cfn-guard from their own npm
package. ``run_gates`` runs them and gives one ``GateResult`` per template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from products.gates.cfn_lint import cfn_lint_findings
from products.gates.checkov import checkov_report, scan_failures, split_checkov_report
from products.gates.control_tower import ControlTowerResult, evaluate

__all__ = ["GateResult", "run_gates"]


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
        result.scan_failures = scan_failures(checks)
    return results
