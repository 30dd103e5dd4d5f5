"""Remembers clean gate passes by content, so unchanged templates skip cfn-lint and checkov.

A pass is stored under the SHA-256 of the template text and of everything else that decides
the outcome: the source of the gate code, every package installed where the tool runs (so a
new cfn-lint or checkov, or one of their libraries, invalidates the passes) and the tool's
configuration files. Only clean passes are stored: a template with a finding, a changed
template, tool or gate, runs the gates again. Entries are small JSON files; deleting the
directory (``make clean`` does) is always safe.

``python -m products.gates.cache --input PATH ... -- COMMAND ...`` does the same for a whole
command (``make build`` wraps ``taskcat lint`` in it): the command is skipped when it already
exited 0 for the same command line, the same content of every ``--input`` and the same
installed packages of its virtual environment.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from products.gates import GateResult, run_gates
from products.gates.cfn_lint import cfn_lint_findings
from products.gates.checkov import checkov_report
from products.gates.control_tower import ControlTowerResult, evaluate

#: Where ``make build`` keeps the passes (gitignored).
DEFAULT_CACHE_DIR = Path(".cache/gates")

_CFN_LINT_CONFIGS = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")
_CHECKOV_CONFIGS = (".checkov.yaml", ".checkov.yml")


def content_key(*parts: str | bytes) -> str:
    """SHA-256 over ``parts``, each length-prefixed so no two part lists share a key."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(f"{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def files_content(paths: Iterable[Path]) -> str:
    """Key of the named files' content (a folder counts as every file in it; absent: empty)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return content_key(*(f"{file}\0".encode() + _read(file) for file in files))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return b"\0absent"


def installed_packages(site_packages: Path) -> str:
    """Every ``name-version`` installed in ``site_packages`` (what a tool's result depends on)."""
    return "\n".join(sorted(entry.name for entry in site_packages.glob("*.dist-info")))


def tool_environment(executable: Path) -> str | None:
    """Installed packages of the virtual environment ``executable`` runs in; None if unknown.

    Reading the environment's folder is instant, where ``checkov --version`` takes seconds.
    """
    for root in (executable.absolute().parent.parent, executable.resolve().parent.parent):
        site = sorted(root.glob("lib/python*/site-packages"))
        if (root / "pyvenv.cfg").is_file() and len(site) == 1:
            return installed_packages(site[0])
    return None


def _configs(names: Sequence[str]) -> str:
    """The tool's configuration files it would read from here or the home folder."""
    return files_content([folder / name for folder in (Path.cwd(), Path.home()) for name in names])


def _gate_code() -> str:
    """Source of the gate functions and of this cache: a change to either re-runs the gates."""
    gates = (GateResult, cfn_lint_findings, checkov_report, evaluate)
    modules = {inspect.getsourcefile(gate) for gate in gates}
    return files_content([*sorted(Path(m) for m in modules if m), Path(__file__)])


@dataclass(frozen=True)
class PassCache:
    """A folder of clean passes, one JSON file per key."""

    directory: Path

    def recall(self, key: str) -> dict | None:
        try:
            return json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def remember(self, key: str, record: dict) -> None:
        """Write atomically: concurrent runs never read half an entry."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, staged = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out)
        Path(staged).replace(self.directory / f"{key}.json")


class RememberedResult(GateResult):
    """A template's clean result recalled from the cache instead of re-running the gates."""

    def summary_line(self) -> str:
        return f"{super().summary_line()} (cached: unchanged since its last clean pass)"


@dataclass(frozen=True)
class Fingerprints:
    """Everything but the template text that decides each gate's result (None: that gate's
    passes are not cached, e.g. checkov's environment cannot be read)."""

    lint: str
    scan: str | None
    tower: str | None


def gate_fingerprints(checkov: Path | None, control_tower: Path | None = None) -> Fingerprints:
    code = _gate_code()
    here = installed_packages(Path(sysconfig.get_paths()["purelib"]))
    lint = content_key(code, here, _configs(_CFN_LINT_CONFIGS))
    environment = tool_environment(checkov) if checkov else None
    scan = content_key(code, environment, _configs(_CHECKOV_CONFIGS)) if environment else None
    tower = content_key(code, _rule_pack(control_tower)) if control_tower else None
    return Fingerprints(lint, scan, tower)


def _rule_pack(package: Path) -> str:
    """The rule pack's identity: its package.json (the pinned version) and every rule file."""
    rules = sorted(package.glob("rules/**/*.guard"))
    return files_content([package / "package.json", *rules])


@dataclass(frozen=True)
class GateKeys:
    """What a template's passes are stored under: one key per gate (None: not cached)."""

    lint: str
    scan: str | None
    tower: str | None

    @classmethod
    def of(cls, text: str, fingerprints: Fingerprints) -> GateKeys:
        def key(fingerprint: str | None) -> str | None:
            return content_key(fingerprint, text) if fingerprint else None

        return cls(
            content_key(fingerprints.lint, text), key(fingerprints.scan), key(fingerprints.tower)
        )


def _recall(
    cache: PassCache, name: str, keys: GateKeys, scanned: bool, towered: bool
) -> GateResult | None:
    """The remembered clean result, if every gate asked for passed on this exact text."""
    if cache.recall(keys.lint) is None:
        return None
    result = RememberedResult(name)
    if scanned:
        scan = cache.recall(keys.scan) if keys.scan else None
        if scan is None:
            return None
        result.scan_passed, result.scan_skipped = scan["passed"], scan["skipped"]
    if towered:
        tower = cache.recall(keys.tower) if keys.tower else None
        if tower is None:
            return None
        result.control_tower = ControlTowerResult(
            passed=tower["passed"], skipped=tower["skipped"], not_applicable=tower["not_applicable"]
        )
    return result


def _remember(cache: PassCache, keys: GateKeys, result: GateResult) -> None:
    """Store each gate's pass separately, and only a clean one."""
    if not result.lint_findings:
        cache.remember(keys.lint, {"gate": "cfn-lint", "template": result.template})
    if keys.scan and not result.scan_failures:
        record = {"passed": result.scan_passed, "skipped": result.scan_skipped}
        cache.remember(keys.scan, {"gate": "checkov", "template": result.template, **record})
    tower = result.control_tower
    if keys.tower and tower is not None and tower.ok:
        record = {
            "passed": tower.passed,
            "skipped": tower.skipped,
            "not_applicable": tower.not_applicable,
        }
        cache.remember(keys.tower, {"gate": "control-tower", "template": result.template, **record})


def run_gates_cached(
    template_dir: Path,
    checkov: Path | None,
    cache_dir: Path | None,
    control_tower: Path | None = None,
) -> list[GateResult]:
    """``run_gates``, except that templates whose gates all passed cleanly on the same text
    (and the same tools and gate code) are not checked again. No ``cache_dir``: exactly
    ``run_gates``."""
    if cache_dir is None:
        return run_gates(template_dir, checkov, control_tower)
    cache = PassCache(cache_dir)
    fingerprints = gate_fingerprints(checkov, control_tower)
    paths = sorted(template_dir.glob("*.yaml"))
    texts = {path.name: path.read_text(encoding="utf-8") for path in paths}
    keys = {name: GateKeys.of(text, fingerprints) for name, text in texts.items()}
    scanned, towered = checkov is not None, control_tower is not None
    results = {name: _recall(cache, name, keys[name], scanned, towered) for name in keys}
    stale = [path for path in paths if results[path.name] is None]
    if stale:
        with tempfile.TemporaryDirectory() as scratch:
            for path in stale:
                shutil.copy(path, scratch)
            for result in run_gates(Path(scratch), checkov, control_tower):
                _remember(cache, keys[result.template], result)
                results[result.template] = result
    return [results[name] for name in sorted(results)]


def run_command_cached(command: Sequence[str], inputs: Sequence[Path], cache_dir: Path) -> int:
    """Run ``command`` unless it exited 0 before for the same inputs; its exit code."""
    executable = shutil.which(command[0])
    environment = tool_environment(Path(executable)) if executable else None
    if environment is None:
        return subprocess.run(command, check=False).returncode
    key = content_key("\0".join(command), environment, files_content(inputs), _gate_code())
    cache = PassCache(cache_dir)
    if cache.recall(key) is not None:
        print(f"{' '.join(command)}: skipped, unchanged since its last clean pass")
        return 0
    returncode = subprocess.run(command, check=False).returncode
    if returncode == 0:
        cache.remember(key, {"command": list(command)})
    return returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m products.gates.cache",
        description="Run a command unless it already passed on the same inputs.",
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--input", type=Path, action="append", default=[], dest="inputs")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is required (after --)")
    return run_command_cached(command, args.inputs, args.cache_dir)


if __name__ == "__main__":
    sys.exit(main())
