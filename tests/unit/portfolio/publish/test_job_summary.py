"""The plan/publish report as a CI job summary (Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portfolio.publish.job_summary import cell, main, read_report, render_summary
from portfolio.publish.report import RegionOutcome, render_json

REPORT = {
    "ok": True,
    "mode": "plan",
    "errors": [],
    "regions": [
        {
            "region": "us-east-1",
            "portfolio": "Signed URLs",
            "ok": True,
            "error": None,
            "changes": [
                {
                    "action": "create",
                    "subject": "version",
                    "name": "Signed URLs - Bucket 1.1.0",
                    "detail": "s3://bucket/templates/ab|cd.yaml",
                    "operation": "create_provisioning_artifact",
                    "status": "planned",
                    "error": None,
                }
            ],
            "unchanged": [{"subject": "portfolio", "name": "Signed URLs", "detail": ""}],
            "summary": {"create": 1},
            "api_calls": {"read": 12, "mutating": 0},
            "retries": 0,
        },
        {
            "region": "eu-west-1",
            "portfolio": "Signed URLs",
            "ok": False,
            "error": "no artifact bucket",
            "changes": [],
            "unchanged": [],
            "summary": {},
            "api_calls": {"read": 1, "mutating": 0},
            "retries": 0,
        },
    ],
    "api_calls": {"read": 13, "mutating": 0},
    "retries": 2,
}


def test_summary_shows_outcome_regions_changes_and_calls() -> None:
    text = render_summary(REPORT, exit_code=1)
    assert text.startswith("## portfolio plan: ok, 1 change (exit 1: failed)\n")
    assert "| us-east-1 | Signed URLs | 1 create | 1 | ok |" in text
    assert "| eu-west-1 | Signed URLs | none | 0 | ❌ no artifact bucket |" in text
    assert (
        "| create | version | Signed URLs - Bucket 1.1.0 | s3://bucket/templates/ab\\|cd.yaml "
        "| planned |" in text
    )
    assert "<details><summary>1 unchanged</summary>" in text
    assert "- portfolio Signed URLs" in text
    assert text.rstrip().endswith("API calls: 13 read, 0 mutating, 2 retried")


def test_errors_and_failed_steps_are_shown() -> None:
    report = json.loads(json.dumps(REPORT))
    report.update(ok=False, errors=["manifest: products[0].version: not semver"])
    report["regions"][0]["changes"][0].update(status="failed", error="AccessDenied | nope")
    text = render_summary(report, exit_code=2)
    assert "## portfolio plan: not ok, 1 change (exit 2: bad input)" in text
    assert "- ❌ manifest: products[0].version: not semver" in text
    assert "| failed: AccessDenied \\| nope |" in text


def test_no_report_still_gives_a_summary() -> None:
    text = render_summary(None, exit_code=1)
    assert text.startswith("## portfolio plan: no report (exit 1: failed)")
    assert "see the job log" in text


def test_the_real_report_renders() -> None:
    """What render_json prints today reads back: the summary follows the report's fields."""
    document = json.loads(render_json([RegionOutcome(region="us-east-1", plan=None)], mode="plan"))
    text = render_summary(document, exit_code=0)
    assert "| us-east-1 |" in text and "No changes." in text


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]"])
def test_unreadable_reports_read_as_none(tmp_path: Path, content: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(content, encoding="utf-8")
    assert read_report(path) is None
    assert read_report(tmp_path / "missing.json") is None


def test_command_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(REPORT), encoding="utf-8")
    assert main([str(path), "--exit-code", "0"]) == 0
    assert capsys.readouterr().out.startswith("## portfolio plan: ok, 1 change (exit 0: ok)")


def test_cells_stay_on_one_line() -> None:
    assert cell("a\nb | c") == "a b \\| c"
    assert cell(None) == ""
