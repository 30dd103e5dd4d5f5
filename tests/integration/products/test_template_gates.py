"""The gates `make build` enforces, asserted in the test suite too: cfn-lint and checkov (one
checkov run covers the product templates and the bootstrap and CI roles templates)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from products.catalog import ProductSpec
from products.gates import run_gates
from products.gates.cfn_lint import cfn_lint_findings
from products.gates.checkov import checkov_report, scan_failures, split_checkov_report
from tests.support.paths import REPO_ROOT


def test_cfn_lint_reports_nothing(product_spec: ProductSpec) -> None:
    assert cfn_lint_findings(product_spec.build().to_yaml()) == []


def test_cfn_lint_gate_does_catch_findings() -> None:
    broken = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Nope: 1\n"
    assert any(finding.startswith("E3002") for finding in cfn_lint_findings(broken))


def _checkov() -> Path | None:
    configured = os.environ.get("CHECKOV") or str(REPO_ROOT / ".venv-checkov/bin/checkov")
    found = shutil.which(configured)
    return Path(found) if found else None


@pytest.fixture(scope="module")
def checkov() -> Path:
    path = _checkov()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("checkov is missing: `make test` installs it into .venv-checkov")
        pytest.skip("checkov not installed (run `make test`, which sets up .venv-checkov)")
    return path


def test_checkov_finds_no_unjustified_failure(checkov: Path, tmp_path: Path) -> None:
    """One checkov run over every template that is deployed: the products, and the bootstrap
    hub, spoke and CI roles templates (checkov starts slowly, so they share the run)."""
    from portfolio.bootstrap.support_templates import support_templates

    for template in (REPO_ROOT / "templates").glob("*.yaml"):
        shutil.copy(template, tmp_path)
    for name, text in support_templates().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    per_file = split_checkov_report(checkov_report(checkov, tmp_path))
    names = sorted(path.name for path in tmp_path.glob("*.yaml"))
    failures = {name: scan_failures(per_file[name]) for name in names}
    assert {name: found for name, found in failures.items() if found} == {}
    for name in support_templates():
        assert per_file[name]["passed"], f"checkov ran no check on {name}"
    assert sum(len(per_file[name]["passed"]) for name in names) > 0, "checkov ran no check"


def test_checkov_gate_rejects_skip_without_reason(checkov: Path, tmp_path: Path) -> None:
    (tmp_path / "open.yaml").write_text(
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
        "    Metadata:\n      checkov:\n        skip:\n          - id: CKV_AWS_18\n",
        encoding="utf-8",
    )
    [result] = run_gates(tmp_path, checkov)
    assert any(
        "CKV_AWS_18" in failure and "without a reason" in failure
        for failure in result.scan_failures
    )
    assert any(not failure.endswith("without a reason") for failure in result.scan_failures)
