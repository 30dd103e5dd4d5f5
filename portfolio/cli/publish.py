"""The ``portfolio plan``, ``portfolio publish`` and ``portfolio lock`` commands.

``plan`` (and ``publish --dry-run``) reads each region and prints what publishing would do;
``publish`` takes each region's lease, does it and releases the leases. ``lock`` records each
product's current version and template sha256 in versions.lock.yaml next to the manifest;
plan and publish refuse a template that changed while its version did not; ``lock --prune``
drops the entries of versions that exist in no region any more. Exit codes: 0 ok, 1 a region
failed (or another run holds a lease), 2 bad input, 130 interrupted. With ``--output json``
stdout is always one JSON document, bad input included.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portfolio.cli.arguments import (
    add_aws_arguments,
    add_lease_arguments,
    add_progress_argument,
    client_settings,
    command_regions,
    progress_printer,
    same_terminal,
)
from portfolio.cli.interrupt import EXIT_INTERRUPTED, stop_on_interrupt
from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.model import LoadedManifest
from portfolio.manifest.validation import check_version_lock
from portfolio.manifest.version_lock import (
    VersionLock,
    lock_path_for,
    pruned,
    read_lock,
    with_versions,
    write_lock,
)
from portfolio.names import ARTIFACT_BUCKET_OUTPUT, BOOTSTRAP_STACK_NAME
from portfolio.paths import shown
from portfolio.publish.lease import DEFAULT_TTL_SECONDS
from portfolio.publish.report import RegionOutcome, render_json, render_text
from portfolio.publish.run import (
    LeaseRefused,
    PlanRefused,
    PublishFailed,
    PublishOptions,
    existing_versions,
    local_templates,
    prepare,
    publish,
)

DEFAULT_MANIFEST = "portfolio/portfolio.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``plan``, ``publish`` and ``lock`` to the ``portfolio`` parser."""
    plan = commands.add_parser("plan", help="show what publishing would change, per region")
    _add_publish_arguments(plan)
    plan.set_defaults(handler=run_plan)

    publish_parser = commands.add_parser("publish", help="publish the portfolio")
    _add_publish_arguments(publish_parser)
    add_lease_arguments(publish_parser)
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
    lock.add_argument(
        "--prune",
        action="store_true",
        help="read AWS and drop the entries of versions that exist in none of the regions "
        "(deleted there); the manifest's own versions stay",
    )
    add_aws_arguments(lock, "with --prune: the regions to read")
    lock.set_defaults(handler=run_lock)


def _add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manifest", default=DEFAULT_MANIFEST, help=f"default: {DEFAULT_MANIFEST}")
    add_aws_arguments(parser, "the regions to publish to")
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
    add_progress_argument(parser)


def run_plan(args: argparse.Namespace) -> int:
    return _run(args, apply=False)


def run_publish(args: argparse.Namespace) -> int:
    return _run(args, apply=not args.dry_run)


def _run(args: argparse.Namespace, *, apply: bool) -> int:
    mode = "publish" if apply else "plan"
    with stop_on_interrupt(args.command) as halt:
        try:
            prepared = prepare(Path(args.manifest))
            regions = command_regions(args, lambda: prepared.loaded.manifest.regions)
            progress = progress_printer(args.progress)
            options = PublishOptions(
                regions=regions.regions,
                apply=apply,
                artifact_bucket=args.artifact_bucket,
                bootstrap_stack=args.bootstrap_stack,
                clients=client_settings(args),
                progress=progress,
                halt=halt,
                lease_ttl=getattr(args, "lease_ttl", DEFAULT_TTL_SECONDS),  # plan takes none
                force_unlock=getattr(args, "force_unlock", None),
            )
            outcomes = publish(prepared, options)
        except BadInput as error:
            if args.output == "json":  # stdout stays JSON; the error line still goes to stderr
                print(_bad_input_json(error, mode))
            raise
        except LeaseRefused as refused:
            return _refused(args, refused, mode)
    _print_report(args, outcomes, mode, regions.source, progress is not None)
    if halt.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if all(outcome.ok for outcome in outcomes) else EXIT_FAILED


def _print_report(
    args: argparse.Namespace,
    outcomes: list[RegionOutcome],
    mode: str,
    regions_from: str,
    progress_shown: bool,
) -> None:
    if args.output == "json":
        print(render_json(outcomes, mode=mode, regions_from=regions_from))
    else:
        steps_shown = progress_shown and same_terminal()
        print(render_text(outcomes, mode=mode, regions_from=regions_from, steps_shown=steps_shown))
    for outcome in outcomes:
        if not outcome.ok:
            print(f"portfolio {args.command}: {outcome.region}: {outcome.failure}", file=sys.stderr)


def _refused(args: argparse.Namespace, refused: LeaseRefused, mode: str) -> int:
    """Another run holds a lease: one line per region on stderr (and the JSON), exit 1."""
    lines = str(refused).splitlines()
    if args.output == "json":
        print(render_json((), mode=mode, errors=lines))
    print(f"portfolio {args.command}: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(line, file=sys.stderr)
    return EXIT_FAILED


def _bad_input_json(error: BadInput, mode: str) -> str:
    """The JSON report of a run stopped by bad input: one error per problem, and the regions'
    plans (not run) and reads when planning found it."""
    outcomes = error.outcomes if isinstance(error, PlanRefused) else ()
    return render_json(outcomes, mode=mode, errors=str(error).splitlines())


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
    if args.prune:
        try:
            updated = _pruned(args, loaded, updated)
        except PublishFailed as error:
            print(f"portfolio lock: error: {error}; nothing pruned", file=sys.stderr)
            return EXIT_FAILED
    if updated != lock:
        write_lock(lock_path, updated)
        print(f"wrote {shown(lock_path)}")
    return EXIT_OK


def _pruned(args: argparse.Namespace, loaded: LoadedManifest, lock: VersionLock) -> VersionLock:
    """``lock`` without the versions that exist in none of the regions (read from AWS); a
    product found in no region keeps its entries (wrong account or regions?)."""
    regions = command_regions(args, lambda: loaded.manifest.regions)
    settings = client_settings(args)
    print(regions.describe(), flush=True)
    existing = existing_versions(loaded.manifest, regions.regions, settings)
    keep = {p.name: p.version for p in loaded.manifest.products}
    result, dropped = pruned(lock, existing, keep)
    where = ", ".join(regions.regions)
    for name, version in dropped:
        print(f"{'pruned':<9} {name} {version} (exists in none of {where})")
    for name in sorted(set(lock.versions) - set(existing)):
        print(f"{'kept':<9} {name}: found in none of {where}, so nothing of it is pruned")
    return result
