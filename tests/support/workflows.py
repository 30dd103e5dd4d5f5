"""Reading the GitHub Actions workflows (.github/workflows) as data, and what GitHub's OIDC
token says about a job: its ``sub`` claim.

GitHub's default subject is ``repo:<owner>/<repo>:environment:<name>`` for a job that names an
environment, ``repo:<owner>/<repo>:pull_request`` for a pull request, and
``repo:<owner>/<repo>:ref:<ref>`` otherwise:
https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CONFIGURE_CREDENTIALS = "aws-actions/configure-aws-credentials"
_VARIABLE = re.compile(r"\$\{\{\s*vars\.([A-Z0-9_]+)\s*\}\}")
_EVENT_TEST = re.compile(r"github\.event_name\s*==\s*'([a-z_]+)'")


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load_workflow(text: str) -> dict[str, Any]:
    """The workflow as data; YAML 1.1 reads the ``on`` key as True, so it is put back."""
    data = yaml.safe_load(text)
    if True in data:
        data["on"] = data.pop(True)
    return data


def workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load_workflow(path.read_text(encoding="utf-8")) for path in workflow_files()}


def triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def credential_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).startswith(CONFIGURE_CREDENTIALS)]


def role_variable(step: dict[str, Any]) -> str:
    """The repository/environment variable a configure-aws-credentials step takes its role
    from (``${{ vars.NAME }}``)."""
    match = _VARIABLE.fullmatch(str(step["with"]["role-to-assume"]).strip())
    if match is None:
        raise ValueError(f"role-to-assume is not one variable: {step['with']['role-to-assume']}")
    return match.group(1)


def job_events(workflow: dict[str, Any], job: dict[str, Any]) -> set[str]:
    """The events a job runs on: the workflow's triggers, narrowed by ``github.event_name ==``
    tests in the job's ``if``."""
    named = set(_EVENT_TEST.findall(str(job.get("if", ""))))
    return triggers(workflow) & named if named else triggers(workflow)


def job_subjects(workflow: dict[str, Any], job: dict[str, Any], repository: str) -> set[str]:
    """Every ``sub`` claim the job's OIDC token can carry."""
    environment = job.get("environment")
    if isinstance(environment, dict):
        environment = environment.get("name")
    if environment:
        return {f"repo:{repository}:environment:{environment}"}
    subjects = set()
    for event in job_events(workflow, job):
        if event == "pull_request":
            subjects.add(f"repo:{repository}:pull_request")
        else:
            branches = (workflow["on"].get(event) or {}).get("branches", ["<any branch>"])
            subjects.update(f"repo:{repository}:ref:refs/heads/{branch}" for branch in branches)
    return subjects


def uses_lines(text: str) -> Iterator[tuple[str, str, str]]:
    """(action, ref, comment) of every ``uses:`` line of a workflow's text."""
    for line in text.splitlines():
        match = re.match(r"\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(?:#\s*(.*))?$", line)
        if match:
            action, _, ref = match.group(1).partition("@")
            yield action, ref, (match.group(2) or "").strip()


def variables(text: str) -> set[str]:
    return set(re.findall(r"vars\.([A-Z0-9_]+)", text))
