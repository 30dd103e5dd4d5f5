"""`portfolio bootstrap`: deploy the artifact bucket and launch role stack in each Region."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput
from portfolio.publish.clients import check_endpoint_url

if TYPE_CHECKING:
    import boto3

BUCKET_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def register(commands: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``portfolio`` parser."""
    from portfolio.bootstrap.template import DEFAULT_STACK_NAME

    bootstrap = commands.add_parser(
        "bootstrap",
        help="deploy the artifact bucket and the Service Catalog launch role (CloudFormation)",
    )
    bootstrap.add_argument(
        "--region",
        action="append",
        default=[],
        help="Region to deploy to; repeat or comma-separate for several "
        "(default: the profile's Region)",
    )
    bootstrap.add_argument("--profile", help="AWS named profile (default: the usual chain)")
    bootstrap.add_argument("--endpoint-url", help="CloudFormation endpoint (e.g. a local moto)")
    bootstrap.add_argument(
        "--stack-name", default=DEFAULT_STACK_NAME, help=f"default: {DEFAULT_STACK_NAME}"
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
    bootstrap.set_defaults(handler=_bootstrap)


def regions_from(values: list[str], default: str | None) -> list[str]:
    """``--region`` values (repeated and/or comma-separated), validated and de-duplicated."""
    from portfolio.bootstrap.stack_deployment import REGION_PATTERN

    regions: list[str] = []
    for value in values:
        for region in value.split(","):
            region = region.strip()
            if not REGION_PATTERN.match(region):
                raise BadInput(f"--region {region!r}: not a Region name like us-east-1")
            if region not in regions:
                regions.append(region)
    if regions:
        return regions
    if default:
        return [default]
    raise BadInput("--region: required (no default Region is configured for this profile)")


def _validate(args: argparse.Namespace) -> None:
    from portfolio.bootstrap.stack_deployment import STACK_NAME_PATTERN

    if not STACK_NAME_PATTERN.match(args.stack_name):
        raise BadInput(
            f"--stack-name {args.stack_name!r}: 1-128 letters, digits and hyphens, "
            "starting with a letter"
        )
    if args.endpoint_url is not None:
        check_endpoint_url(args.endpoint_url)
    if args.access_log_bucket and not BUCKET_NAME_PATTERN.match(args.access_log_bucket):
        raise BadInput(f"--access-log-bucket {args.access_log_bucket!r}: not a bucket name")


def _session(profile: str | None) -> boto3.Session:
    import boto3
    from botocore.exceptions import ProfileNotFound

    from portfolio.publish.clients import no_such_profile

    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise BadInput(no_such_profile(profile)) from error


def _bootstrap(args: argparse.Namespace) -> int:
    from portfolio.bootstrap.stack_deployment import StackDeploymentFailed
    from portfolio.bootstrap.template import deploy_bootstrap

    _validate(args)
    session = _session(args.profile)
    regions = regions_from(args.region, session.region_name)
    parameters = {
        "AccessLogBucketName": args.access_log_bucket,
        "TrustSourceAccountOnly": "true" if args.trust_source_account_only else "false",
    }
    failed = False
    for region in regions:
        try:
            outputs = deploy_bootstrap(
                session,
                stack_name=args.stack_name,
                region=region,
                endpoint_url=args.endpoint_url,
                parameters=parameters,
                report=lambda line, region=region: print(f"{region}: {line}", flush=True),
            )
        except StackDeploymentFailed as error:
            print(f"portfolio bootstrap: error: {region}: {error}", file=sys.stderr)
            failed = True
            continue
        for key in sorted(outputs):
            print(f"  {key} = {outputs[key]}")
    return EXIT_FAILED if failed else EXIT_OK
