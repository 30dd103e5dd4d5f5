"""The ``portfolio plan``, ``portfolio publish`` and ``portfolio lock`` commands.

``plan`` (and ``publish --dry-run``) reads each region and prints what publishing would do;
``publish`` does it. ``lock`` records each product's current version and template sha256 in
versions.lock.yaml next to the manifest; plan and publish refuse a template that changed
while its version did not. Exit codes: 0 ok, 1 a region failed, 2 bad input. With
``--output json`` stdout is always one JSON document, bad input included.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from portfolio.cli.arguments import add_region_argument, regions_from
from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.validation import check_version_lock
from portfolio.manifest.version_lock import lock_path_for, read_lock, with_versions, write_lock
from portfolio.names import ARTIFACT_BUCKET_OUTPUT, BOOTSTRAP_STACK_NAME
from portfolio.publish.apply import ProgressCallback, StepStatus
from portfolio.publish.clients import ClientSettings
from portfolio.publish.report import RegionOutcome, render_json, render_text
from portfolio.publish.run import PlanRefused, PublishOptions, local_templates, prepare, publish
from portfolio.publish.steps import Step

DEFAULT_MANIFEST = "portfolio/portfolio.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``plan``, ``publish`` and ``lock`` to the ``portfolio`` parser."""
    plan = commands.add_parser("plan", help="show what publishing would change, per region")
    _add_publish_arguments(plan)
    plan.set_defaults(handler=run_plan)

    publish_parser = commands.add_parser("publish", help="publish the portfolio")
    _add_publish_arguments(publish_parser)
    publish_parser.add_argument(
        "--dry-run", action="store_true", help="only show the plan (same as `portfolio plan`)"
    )
    publish_parser.set_defaults(handler=run_publish)

    lock = commands.add_parser(
        "lock", help="record each product's version and template sha256 in versions.lock.yaml"
    )
    lock.add_argument("--manifest", default=DEFAULT_MANIFEST, help=f"default: {DEFAULT_MANIFEST}")
    lock.add_argument(
        "--force",
        action="store_true",
        help="also re-record a version whose template changed; lock cannot see AWS, so only "
        "use it for a version never published (publish refuses one published with another "
        "template)",
    )
    lock.set_defaults(handler=run_lock)


def _add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manifest", default=DEFAULT_MANIFEST, help=f"default: {DEFAULT_MANIFEST}")
    add_region_argument(parser, "publish to this region instead of the manifest's regions")
    parser.add_argument("--profile", help="AWS named profile (default: the usual credential chain)")
    parser.add_argument(
        "--endpoint-url", help="send every AWS call here (e.g. `portfolio serve-local`)"
    )
    parser.add_argument(
        "--artifact-bucket",
        help=f"bucket for templates (default: {ARTIFACT_BUCKET_OUTPUT} output of the bootstrap "
        "stack)",
    )
    parser.add_argument(
        "--bootstrap-stack",
        default=BOOTSTRAP_STACK_NAME,
        help=f"stack whose outputs name the artifact bucket (default: {BOOTSTRAP_STACK_NAME})",
    )
    parser.add_argument("--output", choices=("text", "json"), default="text", help="default: text")


def run_plan(args: argparse.Namespace) -> int:
    return _run(args, apply=False)


def run_publish(args: argparse.Namespace) -> int:
    return _run(args, apply=not args.dry_run)


def _run(args: argparse.Namespace, *, apply: bool) -> int:
    mode = "publish" if apply else "plan"
    try:
        outcomes = _publish(args, apply=apply)
    except BadInput as error:
        if args.output == "json":  # stdout stays JSON; the error line still goes to stderr
            print(_bad_input_json(error, mode))
        raise
    render = render_json if args.output == "json" else render_text
    print(render(outcomes, mode=mode))
    for outcome in outcomes:
        if not outcome.ok:
            print(f"portfolio {args.command}: {outcome.region}: {outcome.failure}", file=sys.stderr)
    return EXIT_OK if all(outcome.ok for outcome in outcomes) else EXIT_FAILED


def _publish(args: argparse.Namespace, *, apply: bool) -> list[RegionOutcome]:
    prepared = prepare(Path(args.manifest))
    options = PublishOptions(
        regions=regions_from(args.regions) or prepared.loaded.manifest.regions,
        apply=apply,
        artifact_bucket=args.artifact_bucket,
        bootstrap_stack=args.bootstrap_stack,
        clients=ClientSettings(profile=args.profile, endpoint_url=args.endpoint_url),
        progress=_progress_printer(),
    )
    return publish(prepared, options)


def _bad_input_json(error: BadInput, mode: str) -> str:
    """The JSON report of a run stopped by bad input: one error per problem, and the regions'
    plans (not run) and reads when planning found it."""
    outcomes = error.outcomes if isinstance(error, PlanRefused) else ()
    return render_json(outcomes, mode=mode, errors=str(error).splitlines())


def _progress_printer() -> ProgressCallback | None:
    """One line per step on stderr, only when a person is watching."""
    if not sys.stderr.isatty():
        return None
    lock = threading.Lock()

    def show(region: str, step: Step, status: StepStatus) -> None:
        with lock:
            print(f"[{region}] {status:<6} {step.label}", file=sys.stderr, flush=True)

    return show


def run_lock(args: argparse.Namespace) -> int:
    loaded = load_manifest(Path(args.manifest))
    templates = local_templates(loaded)
    hashes = {name: template.sha256 for name, template in templates.items()}
    lock_path = lock_path_for(loaded.path)
    lock = read_lock(lock_path)
    problems = check_version_lock(
        loaded, lock, hashes, require_recorded=False, allow_changed=args.force
    )
    if problems:
        raise BadInput("\n".join(problems))
    current = {p.name: (p.version, hashes[p.name]) for p in loaded.manifest.products}
    updated = with_versions(lock, current)
    for name, (version, digest) in current.items():
        state = "unchanged" if lock.versions.get(name, {}).get(version) == digest else "recorded"
        print(f"{state:<9} {name} {version} sha256 {digest[:12]}")
    if updated != lock:
        write_lock(lock_path, updated)
        print(f"wrote {lock_path}")
    return EXIT_OK
