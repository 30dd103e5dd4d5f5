"""The gate cache skips only what passed cleanly on the same content, tools and gate code."""

from __future__ import annotations

from pathlib import Path

import pytest

from products.gates import GateResult, cache
from products.gates.cache import RememberedResult, run_command_cached, run_gates_cached
from products.gates.control_tower import ControlTowerResult


class FakeGates:
    """Stands in for ``run_gates``: records what it was asked to check, answers from a table."""

    def __init__(self) -> None:
        self.checked: list[list[str]] = []
        self.lint_findings: dict[str, list[str]] = {}
        self.scan_failures: dict[str, list[str]] = {}
        self.tower_failures: dict[str, list[str]] = {}

    def __call__(
        self, template_dir: Path, checkov: Path | None, control_tower: Path | None = None
    ) -> list[GateResult]:
        names = sorted(path.name for path in template_dir.glob("*.yaml"))
        self.checked.append(names)
        return [
            GateResult(
                name,
                lint_findings=self.lint_findings.get(name, []),
                scan_failures=self.scan_failures.get(name, []) if checkov else [],
                scan_passed=5 if checkov else 0,
                scan_skipped=1 if checkov else 0,
                control_tower=self._tower(name) if control_tower else None,
            )
            for name in names
        ]

    def _tower(self, name: str) -> ControlTowerResult:
        return ControlTowerResult(
            passed=["CT.S3.PR.1"],
            not_applicable=["CT.S3.PR.9"],
            failures=self.tower_failures.get(name, []),
        )


def fake_tool(root: Path, name: str, version: str, script: str = "exit 0") -> Path:
    """An executable inside a virtual environment that has ``name-version`` installed."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    site = root / "lib" / "python3.11" / "site-packages"
    for installed in site.glob(f"{name}-*.dist-info"):
        installed.rmdir()
    (site / f"{name}-{version}.dist-info").mkdir(parents=True)
    executable = root / "bin" / name
    executable.parent.mkdir(exist_ok=True)
    executable.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    executable.chmod(0o755)
    return executable


@pytest.fixture
def gates(monkeypatch: pytest.MonkeyPatch) -> FakeGates:
    fake = FakeGates()
    monkeypatch.setattr(cache, "run_gates", fake)
    return fake


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (folder / name).write_text(f"Description: {name}\n", encoding="utf-8")
    return folder


@pytest.fixture
def checkov(tmp_path: Path) -> Path:
    return fake_tool(tmp_path / "venv-checkov", "checkov", "3.2.0")


def test_without_a_cache_folder_every_template_is_checked_every_time(
    gates: FakeGates, templates: Path, checkov: Path
) -> None:
    run_gates_cached(templates, checkov, None)
    run_gates_cached(templates, checkov, None)
    assert gates.checked == [["a.yaml", "b.yaml"]] * 2


def test_a_clean_pass_is_remembered_with_its_counts(
    gates: FakeGates, templates: Path, checkov: Path, tmp_path: Path
) -> None:
    first = run_gates_cached(templates, checkov, tmp_path / "cache")
    again = run_gates_cached(templates, checkov, tmp_path / "cache")
    assert gates.checked == [["a.yaml", "b.yaml"]]
    assert all(isinstance(result, RememberedResult) for result in again)
    assert [(r.template, r.ok, r.scan_passed, r.scan_skipped) for r in again] == [
        (r.template, r.ok, r.scan_passed, r.scan_skipped) for r in first
    ]
    assert again[0].summary_line().endswith("(cached: unchanged since its last clean pass)")


def test_a_changed_template_alone_is_checked_again(
    gates: FakeGates, templates: Path, checkov: Path, tmp_path: Path
) -> None:
    run_gates_cached(templates, checkov, tmp_path / "cache")
    (templates / "b.yaml").write_text("Description: changed\n", encoding="utf-8")
    results = run_gates_cached(templates, checkov, tmp_path / "cache")
    assert gates.checked == [["a.yaml", "b.yaml"], ["b.yaml"]]
    assert [result.template for result in results] == ["a.yaml", "b.yaml"]


def test_a_failing_result_is_never_remembered(
    gates: FakeGates, templates: Path, checkov: Path, tmp_path: Path
) -> None:
    gates.lint_findings["a.yaml"] = ["E3002 line 1: nope"]
    gates.scan_failures["b.yaml"] = ["CKV_AWS_18 Bucket: no access logging"]
    for _ in range(2):
        results = run_gates_cached(templates, checkov, tmp_path / "cache")
        assert [result.ok for result in results] == [False, False]
    assert gates.checked == [["a.yaml", "b.yaml"]] * 2


def test_a_clean_lint_serves_a_lint_only_run_but_not_a_scan(
    gates: FakeGates, templates: Path, checkov: Path, tmp_path: Path
) -> None:
    gates.scan_failures["a.yaml"] = ["CKV_AWS_18 Bucket: no access logging"]
    run_gates_cached(templates, checkov, tmp_path / "cache")
    lint_only = run_gates_cached(templates, None, tmp_path / "cache")
    run_gates_cached(templates, checkov, tmp_path / "cache")
    assert gates.checked == [["a.yaml", "b.yaml"], ["a.yaml"]]
    assert all(isinstance(result, RememberedResult) for result in lint_only)


def test_another_checkov_version_checks_everything_again(
    gates: FakeGates, templates: Path, checkov: Path, tmp_path: Path
) -> None:
    run_gates_cached(templates, checkov, tmp_path / "cache")
    fake_tool(tmp_path / "venv-checkov", "checkov", "3.2.1")
    run_gates_cached(templates, checkov, tmp_path / "cache")
    assert gates.checked == [["a.yaml", "b.yaml"]] * 2


def test_checkov_outside_a_virtual_environment_is_never_cached(
    gates: FakeGates, templates: Path, tmp_path: Path
) -> None:
    system_checkov = tmp_path / "bin" / "checkov"
    system_checkov.parent.mkdir()
    system_checkov.touch()
    run_gates_cached(templates, system_checkov, tmp_path / "cache")
    run_gates_cached(templates, system_checkov, tmp_path / "cache")
    assert gates.checked == [["a.yaml", "b.yaml"]] * 2


def _counting_tool(tmp_path: Path, exit_code: int = 0) -> tuple[Path, Path]:
    runs = tmp_path / "runs"
    script = f'echo run >> "{runs}"\nexit {exit_code}'
    return fake_tool(tmp_path / "venv-tool", "tool", "1.0", script), runs


def _runs(runs: Path) -> int:
    return len(runs.read_text(encoding="utf-8").splitlines()) if runs.exists() else 0


def test_a_command_that_passed_is_skipped_until_an_input_changes(tmp_path: Path) -> None:
    tool, runs = _counting_tool(tmp_path)
    config = tmp_path / "config.yml"
    config.write_text("a: 1\n", encoding="utf-8")
    command = [str(tool), "lint"]
    assert run_command_cached(command, [config, tmp_path / "absent"], tmp_path / "cache") == 0
    assert run_command_cached(command, [config, tmp_path / "absent"], tmp_path / "cache") == 0
    assert _runs(runs) == 1
    config.write_text("a: 2\n", encoding="utf-8")
    assert run_command_cached(command, [config, tmp_path / "absent"], tmp_path / "cache") == 0
    assert _runs(runs) == 2


def test_a_command_that_failed_runs_again_and_keeps_its_exit_code(tmp_path: Path) -> None:
    tool, runs = _counting_tool(tmp_path, exit_code=3)
    for _ in range(2):
        assert run_command_cached([str(tool)], [], tmp_path / "cache") == 3
    assert _runs(runs) == 2


def test_the_command_line_reads_inputs_and_the_command_after_the_separator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool, runs = _counting_tool(tmp_path)
    monkeypatch.chdir(tmp_path)
    argv = ["--cache-dir", "c", "--input", "x", "--input", "y", "--", str(tool), "--flag"]
    assert cache.main(argv) == 0
    assert cache.main(argv) == 0
    assert _runs(runs) == 1
    assert [path.suffix for path in (tmp_path / "c").iterdir()] == [".json"]


def test_the_command_line_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cache.main(["--input", "x"])
    assert "a command to run is required" in capsys.readouterr().err


def fake_rule_pack(root: Path, version: str) -> Path:
    """A directory shaped like the npm package: package.json and one rule file."""
    (root / "rules" / "s3").mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(f'{{"version": "{version}"}}', encoding="utf-8")
    (root / "rules" / "s3" / "ct-s3-pr-1.guard").write_text("rule r {}\n", encoding="utf-8")
    return root


def test_a_clean_control_tower_pass_is_remembered_with_its_counts(
    gates: FakeGates, templates: Path, tmp_path: Path
) -> None:
    pack = fake_rule_pack(tmp_path / "pack", "0.0.62")
    run_gates_cached(templates, None, tmp_path / "cache", pack)
    [again] = [
        result
        for result in run_gates_cached(templates, None, tmp_path / "cache", pack)
        if result.template == "a.yaml"
    ]
    assert len(gates.checked) == 1
    assert isinstance(again, RememberedResult)
    assert again.control_tower is not None
    assert again.control_tower.summary() == (
        "control tower 1 passed, 0 failed, 1 not applicable (declared), 0 found nothing to check"
    )


def test_a_control_tower_failure_is_never_remembered(
    gates: FakeGates, templates: Path, tmp_path: Path
) -> None:
    pack = fake_rule_pack(tmp_path / "pack", "0.0.62")
    gates.tower_failures["a.yaml"] = ["CT.S3.PR.8 Bucket: plain HTTP allowed"]
    run_gates_cached(templates, None, tmp_path / "cache", pack)
    results = run_gates_cached(templates, None, tmp_path / "cache", pack)
    assert gates.checked[-1] == ["a.yaml"]
    assert not next(result for result in results if result.template == "a.yaml").ok


def test_another_rule_pack_checks_again(gates: FakeGates, templates: Path, tmp_path: Path) -> None:
    run_gates_cached(templates, None, tmp_path / "cache", fake_rule_pack(tmp_path / "p", "0.0.62"))
    run_gates_cached(templates, None, tmp_path / "cache", fake_rule_pack(tmp_path / "p", "0.0.63"))
    assert len(gates.checked) == 2 and gates.checked[1] == gates.checked[0]
