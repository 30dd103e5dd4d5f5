"""Control Tower proactive controls as a gate: AWS CloudFormation Guard with Control Tower's rules.

Proactive controls are Guard rules that Control Tower runs as CloudFormation hooks before a
resource is created or updated
(https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html).
The npm package ``@cdklabs/cdk-validator-cfnguard`` (``make`` installs it into ``.cfn-guard``)
ships the ``cfn-guard`` binary per platform under ``bin/<os>/<arch>/`` and the rules: one
``rules/control-tower/cfn-guard/<service>/ct-*.guard`` file per control, described by
``rules/control-tower/metadata/<service>/ct-*.metadata.json`` (ID, title, resource types).

Only controls that evaluate a resource type some template declares run, one cfn-guard run per
control over every template. A control may fail on a resource only where that resource declares
it not applicable, with a reason (``products.building_blocks.control_tower``). None of the
pack's rules reads Metadata (unlike the Guard rules registry's ``Metadata.guard.SuppressedRules``
filters; see aws-guard-rules-registry#241 and cdk-validator-cfnguard#202), so this gate honours
the declaration itself: per resource and per control, never for the whole template. A
declaration without a reason fails, and so does one that hides no failure, so none outlives its
cause.

cfn-guard reads a template as plain data: ``!GetAtt Bucket.Arn`` becomes the string
``"Bucket.Arn"``, where CloudFormation reads ``["Bucket", "Arn"]``, the form the rules match
(CDK synthesizes it). The gate therefore hands cfn-guard each template as the JSON
CloudFormation parses (cfn-lint's decoder), not the YAML text.
"""

from __future__ import annotations

import json
import platform
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from products.building_blocks.control_tower import GUARD_METADATA_KEY, SUPPRESSED_RULES_KEY

#: The npm package holding cfn-guard and the rules, pinned in the Makefile.
PACKAGE = "@cdklabs/cdk-validator-cfnguard"
RULES = Path("rules/control-tower")

#: cfn-guard exits 0 when every rule passes or skips, 19 (or 5) when one fails.
_VALIDATION_EXIT_CODES = (0, 5, 19)
_OS_DIRECTORIES = {"Linux": "ubuntu", "Darwin": "macos"}
_ARCH_DIRECTORIES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
}


class RulePackMissing(RuntimeError):
    """The given directory holds no cfn-guard for this machine, or no Control Tower rules."""


@dataclass(frozen=True)
class Control:
    """One proactive control: its rule file and the resource types it evaluates."""

    id: str
    title: str
    rule_file: Path
    resource_types: frozenset[str]


@dataclass
class ControlTowerResult:
    """What the controls found in one template (control IDs; findings as text)."""

    passed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (
            f"control tower {len(self.passed)} passed, {len(self.failures)} failed, "
            f"{len(self.not_applicable)} not applicable (declared), "
            f"{len(self.skipped)} found nothing to check"
        )


def cfn_guard_binary(package: Path) -> Path:
    """The package's cfn-guard build for this machine (``bin/<os>/<arch>/cfn-guard``)."""
    system, machine = platform.system(), platform.machine().lower()
    if system not in _OS_DIRECTORIES or machine not in _ARCH_DIRECTORIES:
        raise RulePackMissing(f"{PACKAGE} ships no cfn-guard for {system} {machine}")
    binary = package / "bin" / _OS_DIRECTORIES[system] / _ARCH_DIRECTORIES[machine] / "cfn-guard"
    if not binary.is_file():
        raise RulePackMissing(f"no {binary.relative_to(package)} in it (not {PACKAGE}?)")
    return binary


def load_controls(package: Path) -> list[Control]:
    """Every control in the package's rule pack, from its metadata files."""
    controls = []
    for metadata_file in sorted((package / RULES / "metadata").glob("*/ct-*.metadata.json")):
        metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
        name = metadata_file.name.removesuffix(".metadata.json")
        rule_file = package / RULES / "cfn-guard" / metadata_file.parent.name / f"{name}.guard"
        controls.append(
            Control(
                id=metadata["Id"],
                title=metadata["DisplayName"],
                rule_file=rule_file,
                resource_types=frozenset(metadata["EvaluatedResourceTypes"]),
            )
        )
    if not controls:
        raise RulePackMissing(f"no {RULES}/metadata/*/ct-*.metadata.json in it (not {PACKAGE}?)")
    return controls


def parse_template(text: str) -> dict[str, Any]:
    """The template as CloudFormation reads it (short-form tags expanded, GetAtt as a list)."""
    from cfnlint.decode import decode_str  # slow import: only when gating

    template, matches = decode_str(text)
    if matches or not isinstance(template, dict):
        raise ValueError(f"not a CloudFormation template: {matches[0] if matches else text[:80]}")
    return template


def resource_types(template: dict[str, Any]) -> set[str]:
    return {resource.get("Type", "") for resource in template.get("Resources", {}).values()}


def declarations(template: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(resource, control ID) -> reason ("" when missing) for every declaration in the template."""
    declared = {}
    for name, resource in template.get("Resources", {}).items():
        guard = (resource.get("Metadata") or {}).get(GUARD_METADATA_KEY) or {}
        for entry in guard.get(SUPPRESSED_RULES_KEY) or []:
            # A bare ID (the registry's own form) has no reason: it is declared, not justified.
            control_id, reason = (
                (entry.get("id", ""), entry.get("comment") or "")
                if isinstance(entry, dict)
                else (str(entry), "")
            )
            declared[(name, str(control_id))] = str(reason).strip()
    return declared


def _paths(node: Any) -> Iterator[str]:
    """Every ``path`` cfn-guard reports anywhere in a result tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str):
                yield value
            else:
                yield from _paths(value)
    elif isinstance(node, list):
        for item in node:
            yield from _paths(item)


def failing_resources(file_report: dict[str, Any]) -> set[str]:
    """Logical IDs of the resources the failed checks of one template point at."""
    return {
        path.split("/")[2]
        for path in _paths(file_report.get("not_compliant", []))
        if path.startswith("/Resources/") and len(path.split("/")) > 2
    }


def run_control(binary: Path, control: Control, data_dir: Path) -> dict[str, dict[str, Any]]:
    """One control over every template in ``data_dir``: file name -> cfn-guard's report."""
    completed = subprocess.run(
        [
            str(binary),
            "validate",
            "--rules",
            str(control.rule_file),
            "--data",
            str(data_dir),
            "--structured",
            "--output-format",
            "json",
            "--show-summary",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in _VALIDATION_EXIT_CODES:
        raise RuntimeError(f"cfn-guard failed on {control.id}: {completed.stderr.strip()[-500:]}")
    return {Path(report["name"]).name: report for report in json.loads(completed.stdout)}


def judge(
    control: Control,
    report: dict[str, Any],
    declared: dict[tuple[str, str], str],
    result: ControlTowerResult,
) -> set[tuple[str, str]]:
    """Record one control's outcome on one template; return the declarations it used."""
    status = report.get("status")
    if status == "PASS":
        result.passed.append(control.id)
        return set()
    if status != "FAIL":
        result.skipped.append(control.id)
        return set()
    resources = failing_resources(report) or {"(template)"}
    used = set()
    for resource in sorted(resources):
        reason = declared.get((resource, control.id))
        if reason is None:
            result.failures.append(f"{control.id} {resource}: {control.title}")
        elif not reason:
            result.failures.append(f"{control.id} {resource}: declared not applicable, no reason")
        else:
            result.not_applicable.append(f"{control.id} {resource}")
        used.add((resource, control.id))
    return used


def evaluate(package: Path, templates: dict[str, str]) -> dict[str, ControlTowerResult]:
    """Template file name -> what the controls for its resource types found in it."""
    binary = cfn_guard_binary(package)
    parsed = {name: parse_template(text) for name, text in templates.items()}
    in_use = set().union(*(resource_types(template) for template in parsed.values()))
    controls = [control for control in load_controls(package) if control.resource_types & in_use]
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        for name, template in parsed.items():
            (data_dir / f"{Path(name).stem}.json").write_text(json.dumps(template), "utf-8")
        with ThreadPoolExecutor() as pool:
            reports = list(pool.map(lambda each: run_control(binary, each, data_dir), controls))
    results = {}
    for name, template in parsed.items():
        result = results[name] = ControlTowerResult()
        declared = declarations(template)
        used: set[tuple[str, str]] = set()
        for control, by_file in zip(controls, reports, strict=True):
            if control.resource_types & resource_types(template):
                used |= judge(control, by_file[f"{Path(name).stem}.json"], declared, result)
        for resource, control_id in sorted(declared.keys() - used):
            result.failures.append(
                f"{control_id} {resource}: declared not applicable, but nothing fails here"
            )
    return results
