"""`portfolio bootstrap`: deploy the artifact bucket and launch role stack in each region.

Regions and credentials are resolved like every other command's (``portfolio.cli.arguments``).
Updating an existing stack first takes the region's lease in its artifact bucket, so it never
runs while a publish does; creating the stack needs none, as CloudFormation refuses a second
stack of the same name (and there is no bucket to hold a lease yet).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from portfolio.cli.arguments import (
    add_aws_arguments,
    add_lease_arguments,
    client_settings,
    command_regions,
)
from portfolio.cli.interrupt import EXIT_INTERRUPTED, stop_on_interrupt
from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput, one_line
from portfolio.names import ARTIFACT_BUCKET_OUTPUT, BOOTSTRAP_STACK_NAME, BUCKET_NAME

if TYPE_CHECKING:
    from portfolio.publish.clients import ClientSettings
    from portfolio.publish.halt import Halt

DEFAULT_MANIFEST = "portfolio/portfolio.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bootstrap`` to the ``portfolio`` parser."""
    bootstrap = commands.add_parser(
        "bootstrap",
        help="deploy the artifact bucket and the Service Catalog launch role (CloudFormation)",
    )
    add_aws_arguments(bootstrap, "the regions to deploy to")
    bootstrap.add_argument(
        "--manifest",
        default=DEFAULT_MANIFEST,
        help=f"whose regions are the last default of --region (default: {DEFAULT_MANIFEST})",
    )
    bootstrap.add_argument(
        "--stack-name", default=BOOTSTRAP_STACK_NAME, help=f"default: {BOOTSTRAP_STACK_NAME}"
    )
    bootstrap.add_argument(
        "--access-log-bucket",
        default="",
        help="existing bucket for the artifact bucket's S3 access logs (default: none)",
    )
    bootstrap.add_argument(
        "--trust-source-account-only",
        action="store_true",
        help="add aws:SourceAccount to the launch role's trust policy",
    )
    add_lease_arguments(bootstrap)
    bootstrap.set_defaults(handler=_bootstrap)


def _validate(args: argparse.Namespace) -> None:
    from portfolio.bootstrap.stack_deployment import STACK_NAME_PATTERN

    if not STACK_NAME_PATTERN.match(args.stack_name):
        raise BadInput(
            f"--stack-name {args.stack_name!r}: 1-128 letters, digits and hyphens, "
            "starting with a letter"
        )
    if args.access_log_bucket and not re.fullmatch(BUCKET_NAME, args.access_log_bucket):
        raise BadInput(f"--access-log-bucket {args.access_log_bucket!r}: not a bucket name")


def _manifest_regions(path: Path) -> tuple[str, ...]:
    from portfolio.manifest.loading import load_manifest

    return load_manifest(path).manifest.regions


def _bootstrap(args: argparse.Namespace) -> int:
    _validate(args)
    manifest = Path(args.manifest)
    regions = command_regions(
        args, (lambda: _manifest_regions(manifest)) if manifest.is_file() else None
    )
    settings = client_settings(args)
    print(regions.describe(), flush=True)
    parameters = {
        "AccessLogBucketName": args.access_log_bucket,
        "TrustSourceAccountOnly": "true" if args.trust_source_account_only else "false",
    }
    failed = False
    with stop_on_interrupt(args.command) as halt:
        for region in regions.regions:
            if halt.is_set():
                print(f"{region}: not started ({halt.reason})", flush=True)
                continue
            failure = _deploy_region(args, settings, region, parameters, halt)
            if failure:
                print(f"portfolio bootstrap: error: {region}: {failure}", file=sys.stderr)
                failed = True
    if halt.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def _deploy_region(
    args: argparse.Namespace,
    settings: ClientSettings,
    region: str,
    parameters: dict[str, str],
    halt: Halt,
) -> str:
    """Deploy one region's stack (under its lease when the stack exists); "" or why it failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    from portfolio.bootstrap.stack_deployment import StackDeploymentFailed, deploy_bootstrap
    from portfolio.publish.clients import aws_session, region_clients
    from portfolio.publish.lease import LeaseHeld, LeaseLost, held, new_record
    from portfolio.publish.observed import bootstrap_output

    clients = region_clients(settings, region)
    session = aws_session(settings.profile, settings.endpoint_url, region)

    def deploy() -> None:
        outputs = deploy_bootstrap(
            session,
            stack_name=args.stack_name,
            region=region,
            endpoint_url=args.endpoint_url,
            parameters=parameters,
            report=lambda line: print(f"{region}: {line}", flush=True),
        )
        for key in sorted(outputs):
            print(f"  {key} = {outputs[key]}")

    try:
        bucket = bootstrap_output(clients.cloudformation, args.stack_name, ARTIFACT_BUCKET_OUTPUT)
        if bucket is None:
            deploy()
            return ""
        record = new_record("bootstrap", args.lease_ttl)
        with held(clients.lease, bucket, region, record, halt, args.force_unlock) as lease:
            print(f"{region}: {lease.describe()}", flush=True)
            deploy()
    except LeaseHeld as error:
        return str(error).removeprefix(f"{region}: ")
    except (StackDeploymentFailed, LeaseLost) as error:
        return str(error)
    except (ClientError, BotoCoreError) as error:
        return one_line(error)
    return ""
