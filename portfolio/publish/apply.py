"""Runs a ``RegionPlan``'s steps in order: a thin layer over boto3.

Each step is one client call with its ``StepRef`` parameters resolved from earlier steps'
outputs, then, for asynchronous work, bounded polling (a new version leaving CREATING, a share
with an organization node leaving IN_PROGRESS; an account share's update read back). The
first failure stops the region; the rest of its steps are reported as skipped, and the next
run converges because the planner starts from what exists.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import botocore.loaders
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

from portfolio.errors import one_line
from portfolio.publish.clients import RegionClients, attempts_made
from portfolio.publish.halt import Halt
from portfolio.publish.observed import share_flags_now
from portfolio.publish.recognize import already_done
from portfolio.publish.steps import RegionPlan, Step, StepRef, TemplateFile

StepStatus = Literal["planned", "done", "failed", "skipped", "interrupted"]
ProgressCallback = Callable[[str, Step, StepStatus], None]
_SHARE_FAILED = {"COMPLETED_WITH_ERRORS", "ERROR"}
#: What a step done by an earlier attempt (whose answer was a 5xx) is reported with.
RECOGNISED_NOTE = "an earlier attempt had done it (its answer was an error)"


class StepFailed(Exception):
    """A step's call succeeded but what it started did not (or did not finish in time)."""


class StepInterrupted(Exception):
    """The run was halted while a step waited for what its call started."""


@dataclass(frozen=True)
class StatusPolling:
    """At most ``max_polls`` polls; waits start at ``interval`` and double up to ``max_interval``
    (quick for a local endpoint, patient enough for AWS: about five minutes in all). With a
    ``halt``, a wait ends (StepInterrupted) as soon as the run is halted."""

    interval: float = 0.25
    max_interval: float = 5.0
    max_polls: int = 70
    sleep: Callable[[float], None] = field(default=time.sleep)
    halt: Halt | None = None

    def wait(self, poll: int) -> None:
        seconds = min(self.max_interval, self.interval * 2**poll)
        if self.halt is None:
            self.sleep(seconds)
            return
        if self.sleep is time.sleep:
            halted = self.halt.wait(seconds)
        else:
            self.sleep(seconds)
            halted = self.halt.is_set()
        if halted:
            raise StepInterrupted(f"stopped waiting: {self.halt.reason}")


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: StepStatus
    error: str = ""
    note: str = ""  # e.g. RECOGNISED_NOTE


def planned(plan: RegionPlan) -> tuple[StepResult, ...]:
    """A plan's steps as not-yet-run results (``portfolio plan``, ``--dry-run``)."""
    return tuple(StepResult(step, "planned") for step in plan.steps)


@functools.cache
def _operations(service: str) -> dict[str, Any]:
    """boto3 method name -> botocore's operation model, for ``service``."""
    loader = botocore.loaders.create_loader()  # not a session: it would read the AWS config
    model = ServiceModel(loader.load_service_model(service, "service-2"), service)
    return {xform_name(name): model.operation_model(name) for name in model.operation_names}


def invalid_requests(plan: RegionPlan) -> list[str]:
    """Each step's request checked against botocore's model of its operation (required
    members, types, minimum lengths), one line per problem naming the step: run before the
    first call, so a request AWS would refuse stops the publish before anything changed."""
    problems: list[str] = []
    for step in plan.steps:
        operation = _operations(step.service)[step.operation]
        report = ParamValidator().validate(_as_sent(step.params), operation.input_shape)
        if report.has_errors():
            problems.extend(
                f"{step.label}: {line.strip()}"
                for line in report.generate_report().splitlines()
                if line.strip()
            )
    return problems


def _as_sent(value: Any) -> Any:
    """``value`` shaped like the request boto3 will send: a StepRef stands for an ID, a template
    file for its bytes (neither is read here)."""
    if isinstance(value, StepRef):
        return f"{value.kind}-planned"
    if isinstance(value, TemplateFile):
        return b""
    if isinstance(value, Mapping):
        return {key: _as_sent(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_sent(item) for item in value]
    return value


def apply_plan(
    plan: RegionPlan,
    clients: RegionClients,
    polling: StatusPolling,
    progress: ProgressCallback | None = None,
    ids: dict[StepRef, str] | None = None,
) -> tuple[StepResult, ...]:
    """Run every step in order; stop at the first failure, or when ``polling.halt`` is set.
    ``ids`` receives the ID of everything created."""
    ids = {} if ids is None else ids
    results: list[StepResult] = []
    for step in plan.steps:
        if polling.halt is not None and polling.halt.is_set():
            break
        result = _run(step, clients, ids, polling)
        results.append(result)
        _tell(progress, plan.region, step, result.status)
        if result.status != "done":
            break
    skipped = plan.steps[len(results) :]
    return (*results, *(StepResult(step, "skipped") for step in skipped))


def _run(
    step: Step, clients: RegionClients, ids: dict[StepRef, str], polling: StatusPolling
) -> StepResult:
    try:
        note = run_step(step, clients, ids, polling)
    except StepInterrupted as error:
        return StepResult(step, "interrupted", one_line(error))
    except (ClientError, BotoCoreError, StepFailed, OSError) as error:
        attempts = attempts_made(error)
        gave_up = f" (gave up after {attempts} attempts)" if attempts else ""
        return StepResult(step, "failed", one_line(error) + gave_up)
    return StepResult(step, "done", note=note)


def run_step(
    step: Step, clients: RegionClients, ids: dict[StepRef, str], polling: StatusPolling
) -> str:
    """One call, its outputs recorded in ``ids``, then its wait (if any). Returns a note for
    the report ("" or RECOGNISED_NOTE)."""
    params = resolve(step.params, ids)
    client = clients.for_service(step.service)
    note = ""
    try:
        response = getattr(client, step.operation)(**params)
    except ClientError as error:
        recognised = already_done(clients.servicecatalog, step.operation, params, error)
        if recognised is None:
            raise
        response, note = recognised, RECOGNISED_NOTE
    for output in step.outputs:
        ids[output.ref] = _dig(response, output.path)
    if step.wait == "artifact":
        wait_for_version(clients.servicecatalog, params, response, polling)
    elif step.wait == "share":
        wait_for_share(clients.servicecatalog, params, response, polling)
    return note


def resolve(value: Any, ids: Mapping[StepRef, str]) -> Any:
    """``value`` with every StepRef replaced by its ID and every TemplateFile by its bytes."""
    if isinstance(value, StepRef):
        if value not in ids:
            raise StepFailed(f"no ID for {value}: the step creating it did not run")
        return ids[value]
    if isinstance(value, TemplateFile):
        return _template_bytes(value)
    if isinstance(value, Mapping):
        return {key: resolve(item, ids) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, ids) for item in value]
    return value


def _template_bytes(template: TemplateFile) -> bytes:
    body = Path(template.path).read_bytes()
    if hashlib.sha256(body).hexdigest() != template.sha256:
        raise StepFailed(f"{template.path} changed after it was planned; run again")
    return body


def wait_for_version(
    sc: Any, params: Mapping[str, Any], response: Mapping[str, Any], polling: StatusPolling
) -> None:
    """Poll DescribeProvisioningArtifact until the new version leaves CREATING."""
    product_id = params.get("ProductId") or _dig(
        response, ("ProductViewDetail", "ProductViewSummary", "ProductId")
    )
    artifact_id = _dig(response, ("ProvisioningArtifactDetail", "Id"))
    status = response.get("Status")
    for poll in range(polling.max_polls + 1):
        if status == "AVAILABLE":
            return
        if status == "FAILED":
            raise StepFailed(f"version {artifact_id} of product {product_id} FAILED")
        if status is not None:
            polling.wait(poll)
        status = sc.describe_provisioning_artifact(
            ProductId=product_id, ProvisioningArtifactId=artifact_id
        ).get("Status")
    raise StepFailed(f"version {artifact_id} still {status} after {polling.max_polls} polls")


def wait_for_share(
    sc: Any, params: Mapping[str, Any], response: Mapping[str, Any], polling: StatusPolling
) -> None:
    """Wait until a share created, updated or deleted with an organization node settles
    (DescribePortfolioShareStatus); an account share (AccountId) is confirmed without it."""
    if "OrganizationNode" not in params:
        wait_for_account_share(sc, params, response, polling)
        return
    token = response.get("PortfolioShareToken")
    if not token:
        return
    status = response.get("Status")
    for poll in range(polling.max_polls + 1):
        if status == "COMPLETED":
            return
        if status in _SHARE_FAILED:
            raise StepFailed(f"share {token} {status}")
        if status is not None:
            polling.wait(poll)
        described = sc.describe_portfolio_share_status(PortfolioShareToken=token)
        status = described.get("Status")
        if status in _SHARE_FAILED:
            raise StepFailed(f"share {token} {status}: {_share_errors(described)}")
    raise StepFailed(f"share {token} still {status} after {polling.max_polls} polls")


def wait_for_account_share(
    sc: Any, params: Mapping[str, Any], response: Mapping[str, Any], polling: StatusPolling
) -> None:
    """Only an organization's management account or delegated administrator may call
    DescribePortfolioShareStatus, and account shares need neither: creating and deleting one
    answers without a token, and an update that does not answer COMPLETED is confirmed by
    reading the share's flags back (DescribePortfolioShares) until they show it."""
    status = response.get("Status")
    if status in _SHARE_FAILED:
        raise StepFailed(f"share with {params.get('AccountId')} {status}")
    if status in (None, "COMPLETED"):
        return
    wanted = {name: params[name] for name in ("ShareTagOptions",) if name in params}
    shown: dict[str, Any] = {}
    for poll in range(polling.max_polls + 1):
        if poll:
            polling.wait(poll - 1)
        shown = share_flags_now(sc, params) or {}
        if all(shown.get(name) == value for name, value in wanted.items()):
            return
    shown = {name: shown[name] for name in wanted if name in shown}
    raise StepFailed(
        f"share with {params['AccountId']} still shows {shown} after {polling.max_polls} polls"
    )


def _share_errors(described: Mapping[str, Any]) -> str:
    errors = described.get("ShareDetails", {}).get("ShareErrors", [])
    return "; ".join(f"{e.get('Error', '')}: {e.get('Message', '')}" for e in errors) or "no detail"


def _dig(response: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = response
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            raise StepFailed(f"response has no {'.'.join(path)}")
        value = value[key]
    return value


def _tell(progress: ProgressCallback | None, region: str, step: Step, status: StepStatus) -> None:
    if progress is not None:
        progress(region, step, status)
