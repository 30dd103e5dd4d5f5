"""Plan, and optionally publish, the manifest in every region at once (one thread per region,
each with its own boto3 session and clients).

To publish, each region's lease (``portfolio.publish.lease``) is taken first, before anything
is read: a second publisher stops at once (LeaseRefused) instead of planning from a state the
first is changing. Then two phases. Read: per region, read what Service Catalog holds and
plan against it; a plan that asks for what the manifest may not (a changed template under a
published version, a request botocore's model refuses...) stops everything with BadInput
before any region changes anything. Apply: every region runs its plan. A region that fails
(in either phase) does not stop the others; its outcome carries the reason.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from portfolio.errors import BadInput, one_line
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.model import LoadedManifest, Manifest
from portfolio.manifest.validation import check_version_lock
from portfolio.manifest.version_lock import lock_path_for, read_lock, template_sha256
from portfolio.names import ARTIFACT_BUCKET_OUTPUT, BOOTSTRAP_STACK_NAME
from portfolio.publish.apply import (
    ProgressCallback,
    StatusPolling,
    StepResult,
    apply_plan,
    invalid_requests,
    planned,
)
from portfolio.publish.clients import ClientSettings, RegionClients, region_clients
from portfolio.publish.halt import Halt
from portfolio.publish.identity import wanted_of
from portfolio.publish.lease import (
    DEFAULT_TTL_SECONDS,
    Lease,
    LeaseHeld,
    LeaseKeeper,
    LeaseLost,
    acquire,
    new_record,
)
from portfolio.publish.observed import (
    OrganizationsAccessUnknown,
    bootstrap_output,
    read_catalog,
    read_stored_keys,
)
from portfolio.publish.planner import (
    PublishTarget,
    input_problems,
    keys_to_check,
    plan_region,
    region_blockers,
)
from portfolio.publish.report import RegionOutcome
from portfolio.publish.steps import RegionPlan, StepRef, TemplateFile


class PublishFailed(Exception):
    """Something outside the manifest stops a region (e.g. no artifact bucket)."""


class PlanRefused(BadInput):
    """A plan asks for what the manifest may not (exit 2): nothing changed anywhere. Carries
    every region's outcome of the read phase (its plan, not run, and the reads it took)."""

    def __init__(self, problems: Sequence[str], outcomes: Sequence[RegionOutcome]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)
        self.outcomes = tuple(outcomes)


@dataclass(frozen=True)
class PreparedManifest:
    """A manifest that passed every check, with its templates' content hashes."""

    loaded: LoadedManifest
    templates: Mapping[str, TemplateFile]  # product name -> template


def prepare(manifest_path: Path) -> PreparedManifest:
    """Validate the manifest and the version lock; BadInput lists every problem."""
    loaded = load_manifest(manifest_path)
    templates = local_templates(loaded)
    hashes = {name: template.sha256 for name, template in templates.items()}
    problems = check_version_lock(loaded, read_lock(lock_path_for(loaded.path)), hashes)
    if problems:
        raise BadInput("\n".join(problems))
    return PreparedManifest(loaded=loaded, templates=templates)


def local_templates(loaded: LoadedManifest) -> dict[str, TemplateFile]:
    """Product name -> its template file next to the manifest, with the file's sha256."""
    return {
        product.name: TemplateFile(
            path=str(path := loaded.template_path(product)), sha256=template_sha256(path)
        )
        for product in loaded.manifest.products
    }


@dataclass(frozen=True)
class PublishOptions:
    regions: tuple[str, ...]
    apply: bool  # False: plan only
    artifact_bucket: str | None = None  # None: the bootstrap stack's ArtifactBucketName
    bootstrap_stack: str = BOOTSTRAP_STACK_NAME
    clients: ClientSettings = field(default_factory=ClientSettings)
    polling: StatusPolling = field(default_factory=StatusPolling)
    progress: ProgressCallback | None = None
    run_nonce: str | None = None  # None: a new random one for each publish() call
    halt: Halt = field(default_factory=Halt)  # set: start no new step (Ctrl-C, lease lost)
    lease_ttl: int = DEFAULT_TTL_SECONDS
    force_unlock: str | None = None  # the ID of a lease to take over although it is live


class LeaseRefused(Exception):
    """Another run holds the lease of some region: nothing was read or changed anywhere."""

    def __init__(self, held: Sequence[LeaseHeld]) -> None:
        super().__init__("\n".join(str(error) for error in held))
        self.held = tuple(held)


@dataclass(frozen=True)
class StartedRegion:
    """A region after its artifact bucket was found and, to publish, its lease taken."""

    region: str
    clients: RegionClients
    bucket: str | None = None
    lease: Lease | None = None
    error: str = ""
    held: LeaseHeld | None = None


@dataclass(frozen=True)
class PlannedRegion:
    """A region after the read phase: its plan, or why it cannot be published, and what in
    the manifest it would refuse (bad input)."""

    region: str
    clients: RegionClients
    plan: RegionPlan | None = None
    error: str = ""
    problems: tuple[str, ...] = ()
    lease: Lease | None = None


def publish(prepared: PreparedManifest, options: PublishOptions) -> list[RegionOutcome]:
    """Find each region's artifact bucket and (to publish) take its lease; read and plan every
    region concurrently; then, unless some plan asks for something the manifest may not
    (PlanRefused, nothing changed anywhere), apply every region concurrently; release the
    leases. Outcomes in the order of ``options.regions``. LeaseRefused when another run holds
    a region's lease."""
    nonce = options.run_nonce or secrets.token_hex(8)
    clients: dict[str, RegionClients] = {}
    keeper = LeaseKeeper(lambda region: clients[region].lease, options.halt, options.lease_ttl / 3)
    with ThreadPoolExecutor(max_workers=len(options.regions)) as pool:
        try:
            started = list(
                pool.map(functools.partial(start_region, options, keeper), options.regions)
            )
            clients.update((region.region, region.clients) for region in started)
            held = [region.held for region in started if region.held is not None]
            if held:
                raise LeaseRefused(held)
            planned = list(
                pool.map(functools.partial(plan_region_of, prepared, options, nonce), started)
            )
            outcomes = _finish(pool, options, planned)
        finally:
            release_problems = keeper.release_all()
    return [_with_release_problems(outcome, release_problems) for outcome in outcomes]


def _finish(
    pool: ThreadPoolExecutor, options: PublishOptions, planned: list[PlannedRegion]
) -> list[RegionOutcome]:
    problems = list(dict.fromkeys(p for region in planned for p in region.problems))
    read_phase = [_outcome(region, _planned_steps(region.plan)) for region in planned]
    if problems:
        raise PlanRefused(problems, read_phase)
    if not options.apply:
        return read_phase
    return list(pool.map(functools.partial(apply_region, options), planned))


def _with_release_problems(outcome: RegionOutcome, problems: Sequence[str]) -> RegionOutcome:
    mine = tuple(line for line in problems if line.startswith(f"{outcome.region}:"))
    return replace(outcome, notes=(*outcome.notes, *mine)) if mine else outcome


def _planned_steps(plan: RegionPlan | None) -> tuple[StepResult, ...]:
    """``portfolio plan``: the steps as not run (none for a region that failed to plan)."""
    return planned(plan) if plan is not None else ()


def start_region(options: PublishOptions, keeper: LeaseKeeper, region: str) -> StartedRegion:
    """The region's clients and artifact bucket; to publish, its lease (held by ``keeper``)."""
    clients = region_clients(options.clients, region)
    try:
        bucket = artifact_bucket(options, clients)
        if not options.apply or bucket is None:
            return StartedRegion(region, clients, bucket)
        record = new_record("publish", options.lease_ttl)
        lease = acquire(clients.lease, bucket, region, record, options.force_unlock)
    except LeaseHeld as held:
        return StartedRegion(region, clients, held=held)
    except (ClientError, BotoCoreError, PublishFailed, LeaseLost) as error:
        return StartedRegion(region, clients, error=one_line(error))
    keeper.hold(lease)
    return StartedRegion(region, clients, bucket, lease)


def plan_region_of(
    prepared: PreparedManifest, options: PublishOptions, run_nonce: str, started: StartedRegion
) -> PlannedRegion:
    """The read phase of one region, in its own thread with its own clients: no mutating call."""
    region, clients, lease = started.region, started.clients, started.lease
    if started.error:
        return PlannedRegion(region, clients, error=started.error, lease=lease)
    try:
        plan, problems = plan_for_region(prepared, options, clients, run_nonce, started.bucket)
    except (ClientError, BotoCoreError, PublishFailed) as error:
        return PlannedRegion(region, clients, error=one_line(error), lease=lease)
    return PlannedRegion(region, clients, plan=plan, problems=tuple(problems), lease=lease)


def apply_region(options: PublishOptions, region: PlannedRegion) -> RegionOutcome:
    if region.plan is None:
        return _outcome(region, ())
    ids: dict[StepRef, str] = {}
    polling = replace(options.polling, halt=options.halt)
    try:
        results = apply_plan(region.plan, region.clients, polling, options.progress, ids)
    except (ClientError, BotoCoreError) as error:
        return _outcome(region, (), error=one_line(error))
    halted = options.halt.reason if any(r.status == "skipped" for r in results) else ""
    failed = any(r.status in ("failed", "interrupted") for r in results)
    return _outcome(region, results, error="" if failed else halted, ids=ids)


def _outcome(
    region: PlannedRegion,
    results: Sequence[StepResult],
    error: str = "",
    ids: Mapping[StepRef, str] | None = None,
) -> RegionOutcome:
    return RegionOutcome(
        region=region.region,
        plan=region.plan,
        results=tuple(results),
        api_calls=region.clients.counter.as_dict(),
        retries=region.clients.counter.retries,
        error=error or region.error,
        ids=dict(ids or {}),
        lease=region.lease.describe() if region.lease is not None else "",
    )


def plan_for_region(
    prepared: PreparedManifest,
    options: PublishOptions,
    clients: RegionClients,
    run_nonce: str,
    bucket: str | None,
) -> tuple[RegionPlan, list[str]]:
    """Read the region's state (and which new templates are stored already), then plan.

    Returns the plan and what it would ask of AWS that the manifest may not (exit 2); raises
    PublishFailed when the region's state does not allow publishing."""
    manifest = prepared.loaded.manifest
    try:
        observed = read_catalog(clients.servicecatalog, wanted_of(manifest))
    except OrganizationsAccessUnknown as error:
        raise PublishFailed(
            "shares: sharing with an organization or OU needs the management account or a "
            f"delegated administrator (GetAWSOrganizationsAccessStatus refused: {error})"
        ) from error
    target = PublishTarget(
        region=clients.region,
        bucket=bucket or _unknown_bucket(options),
        templates=prepared.templates,
        bucket_region=None if options.artifact_bucket else clients.region,
        run_nonce=run_nonce,
    )
    blockers = region_blockers(manifest, observed)
    if blockers:
        raise PublishFailed("; ".join(blockers))
    problems = input_problems(manifest, target, observed)
    if bucket is not None:
        keys = keys_to_check(manifest, target, observed)
        observed = replace(
            observed, stored_template_keys=read_stored_keys(clients.s3, bucket, keys)
        )
    plan = plan_region(manifest, target, observed)
    return plan, [*problems, *invalid_requests(plan)]


def existing_versions(
    manifest: Manifest, regions: Sequence[str], settings: ClientSettings
) -> dict[str, set[str]]:
    """Product name -> the names of its versions that exist in any of ``regions``, for the
    products found in at least one (read only). PublishFailed when a region cannot be read or
    its products cannot be told apart."""

    def read(region: str) -> dict[str, set[str]]:
        clients = region_clients(settings, region)
        try:
            observed = read_catalog(clients.servicecatalog, wanted_of(manifest))
        except (ClientError, BotoCoreError, OrganizationsAccessUnknown) as error:
            raise PublishFailed(f"{region}: {one_line(error)}") from error
        if observed.identity_problems:
            raise PublishFailed(f"{region}: {'; '.join(observed.identity_problems)}")
        return {name: {v.name for v in p.versions} for name, p in observed.products.items()}

    found: dict[str, set[str]] = {}
    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        for versions in pool.map(read, regions):
            for name, names in versions.items():
                found.setdefault(name, set()).update(names)
    return found


def artifact_bucket(options: PublishOptions, clients: RegionClients) -> str | None:
    """The bucket to upload to; None only when planning before bootstrap."""
    if options.artifact_bucket:
        return options.artifact_bucket
    bucket = bootstrap_output(
        clients.cloudformation, options.bootstrap_stack, ARTIFACT_BUCKET_OUTPUT
    )
    if bucket is None and options.apply:
        raise PublishFailed(
            f"no artifact bucket: stack {options.bootstrap_stack} has no {ARTIFACT_BUCKET_OUTPUT} "
            f"output in {clients.region}; run `portfolio bootstrap --region {clients.region}` or "
            "pass --artifact-bucket"
        )
    return bucket


def _unknown_bucket(options: PublishOptions) -> str:
    return f"<{ARTIFACT_BUCKET_OUTPUT} of {options.bootstrap_stack}, not deployed yet>"
