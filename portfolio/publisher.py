"""Plan, and optionally publish, the manifest in every region at once (one thread per region,
each with its own boto3 session and clients).

Per region: find the artifact bucket, read what Service Catalog holds, plan against it, run
the plan. A region that fails does not stop the others; its outcome carries the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from portfolio.apply import ProgressCallback, StatusPolling, StepResult, apply_plan, planned
from portfolio.aws_calls import ClientSettings, RegionClients, region_clients
from portfolio.catalog_state import bootstrap_output, read_catalog, read_stored_keys
from portfolio.errors import BadInput
from portfolio.manifest import LoadedManifest
from portfolio.manifest_validation import check_version_lock, load_manifest
from portfolio.plan import RegionPlan, TemplateFile
from portfolio.planner import PublishTarget, keys_to_check, plan_region
from portfolio.report import RegionOutcome
from portfolio.version_lock import lock_path_for, read_lock, template_sha256

#: The bootstrap stack ``portfolio bootstrap`` deploys (kept equal to portfolio.bootstrap's).
DEFAULT_BOOTSTRAP_STACK = "signed-urls-portfolio-bootstrap"
ARTIFACT_BUCKET_OUTPUT = "ArtifactBucketName"


class PublishFailed(Exception):
    """Something outside the manifest stops a region (e.g. no artifact bucket)."""


@dataclass(frozen=True)
class PreparedManifest:
    """A manifest that passed every check, with its templates' content hashes."""

    loaded: LoadedManifest
    templates: Mapping[str, TemplateFile]  # product name -> template


def prepare(manifest_path: Path) -> PreparedManifest:
    """Validate the manifest and the version lock; BadInput lists every problem."""
    loaded = load_manifest(manifest_path)
    templates = template_files(loaded)
    hashes = {name: template.sha256 for name, template in templates.items()}
    problems = check_version_lock(loaded, read_lock(lock_path_for(loaded.path)), hashes)
    if problems:
        raise BadInput("\n".join(problems))
    return PreparedManifest(loaded=loaded, templates=templates)


def template_files(loaded: LoadedManifest) -> dict[str, TemplateFile]:
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
    bootstrap_stack: str = DEFAULT_BOOTSTRAP_STACK
    clients: ClientSettings = field(default_factory=ClientSettings)
    polling: StatusPolling = field(default_factory=StatusPolling)
    progress: ProgressCallback | None = None


def publish(prepared: PreparedManifest, options: PublishOptions) -> list[RegionOutcome]:
    """Every region concurrently; outcomes in the order of ``options.regions``."""
    run = functools.partial(publish_region, prepared, options)
    with ThreadPoolExecutor(max_workers=len(options.regions)) as pool:
        return list(pool.map(run, options.regions))


def publish_region(
    prepared: PreparedManifest, options: PublishOptions, region: str
) -> RegionOutcome:
    clients = region_clients(options.clients, region)
    plan: RegionPlan | None = None
    try:
        plan = plan_for_region(prepared, options, clients)
        if options.apply:
            results = apply_plan(plan, clients, options.polling, options.progress)
        else:
            results = planned(plan)
    except (ClientError, BotoCoreError, PublishFailed) as error:
        return _outcome(region, plan, (), clients, error=" ".join(str(error).split()))
    return _outcome(region, plan, results, clients)


def _outcome(
    region: str,
    plan: RegionPlan | None,
    results: Sequence[StepResult],
    clients: RegionClients,
    error: str = "",
) -> RegionOutcome:
    return RegionOutcome(
        region=region,
        plan=plan,
        results=tuple(results),
        api_calls=clients.counter.as_dict(),
        retries=clients.counter.retries,
        error=error,
    )


def plan_for_region(
    prepared: PreparedManifest, options: PublishOptions, clients: RegionClients
) -> RegionPlan:
    """Read the region's state (and which new templates are stored already), then plan."""
    manifest = prepared.loaded.manifest
    bucket = artifact_bucket(options, clients)
    observed = read_catalog(
        clients.servicecatalog,
        manifest.portfolio.display_name,
        [product.name for product in manifest.products],
    )
    target = PublishTarget(
        region=clients.region,
        bucket=bucket or _unknown_bucket(options),
        templates=prepared.templates,
        bucket_region=None if options.artifact_bucket else clients.region,
    )
    if bucket is not None:
        keys = keys_to_check(manifest, target, observed)
        observed = replace(
            observed, stored_template_keys=read_stored_keys(clients.s3, bucket, keys)
        )
    return plan_region(manifest, target, observed)


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
