"""`portfolio check --cache`: real cfn-lint, run only for what did not pass unchanged before."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio.cli import main

VALID = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
BROKEN = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Nope: 1\n"
CACHED = "(cached: unchanged since its last clean pass)"


def check(templates: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "--templates", str(templates), "--cache", str(cache)])
    return code, capsys.readouterr().out


def line_of(output: str, template: str) -> str:
    [line] = [line for line in output.splitlines() if f" {template}:" in line]
    return line


def test_only_changed_or_failing_templates_are_linted_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates, cache = tmp_path / "templates", tmp_path / "cache"
    templates.mkdir()
    (templates / "topic.yaml").write_text(VALID, encoding="utf-8")

    code, first = check(templates, cache, capsys)
    assert code == 0
    assert CACHED not in first

    code, again = check(templates, cache, capsys)
    assert code == 0
    assert line_of(again, "topic.yaml").endswith(CACHED)
    assert line_of(again, "bootstrap.yaml").endswith(CACHED)

    (templates / "topic.yaml").write_text(BROKEN, encoding="utf-8")
    for _ in range(2):
        code, broken = check(templates, cache, capsys)
        assert code == 1
        assert line_of(broken, "topic.yaml").startswith("FAIL topic.yaml")
        assert "E3002" in broken
        assert line_of(broken, "bootstrap.yaml").endswith(CACHED)
