"""`portfolio bootstrap`: deploy the artifact bucket and launch role stack in each Region, and
with organizational-unit shares the StackSet that puts the launch role in every account of
those OUs (``portfolio.cli.spokes``)."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from portfolio.cli import spokes
from portfolio.cli.arguments import add_region_argument, regions_from
from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput
from portfolio.names import BOOTSTRAP_STACK_NAME, BUCKET_NAME
from portfolio.publish.clients import check_endpoint_url

if TYPE_CHECKING:
    import boto3

DEFAULT_MANIFEST = "portfolio/portfolio.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bootstrap`` to the ``portfolio`` parser."""
    bootstrap = commands.add_parser(
        "bootstrap",
        help="deploy the artifact bucket and the Service Catalog launch role (CloudFormation)",
    )
    add_region_argument(bootstrap, "region to deploy to (default: the profile's region)")
    bootstrap.add_argument("--profile", help="AWS named profile (default: the usual chain)")
    bootstrap.add_argument("--endpoint-url", help="CloudFormation endpoint (e.g. a local moto)")
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
    bootstrap.add_argument(
        "--manifest",
        default=DEFAULT_MANIFEST,
        help=f"whose OU shares and regions the spokes follow, when it exists (default: "
        f"{DEFAULT_MANIFEST})",
    )
    spokes.add_spoke_arguments(bootstrap)
    bootstrap.set_defaults(handler=_bootstrap)


def _regions(values: list[str], default: str | None) -> tuple[str, ...]:
    """The ``--region`` values, else the profile's region."""
    regions = regions_from(values)
    if regions:
        return regions
    if default:
        return (default,)
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
    if args.access_log_bucket and not re.fullmatch(BUCKET_NAME, args.access_log_bucket):
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
    from portfolio.bootstrap.spoke_organization import SpokeDeploymentFailed
    from portfolio.bootstrap.stack_deployment import StackDeploymentFailed, deploy_bootstrap

    _validate(args)
    session = _session(args.profile)
    regions = _regions(args.regions, session.region_name)
    parameters = {
        "AccessLogBucketName": args.access_log_bucket,
        "TrustSourceAccountOnly": "true" if args.trust_source_account_only else "false",
    }
    request = spokes.spoke_request(
        args, regions, {"TrustSourceAccountOnly": parameters["TrustSourceAccountOnly"]}
    )
    try:  # read-only checks of the spokes, before any change
        prepared = spokes.prepare(args, request) if request else None
    except SpokeDeploymentFailed as error:
        print(f"portfolio bootstrap: error: {error}", file=sys.stderr)
        return EXIT_FAILED
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
    if prepared is not None and not spokes.run(*prepared):
        failed = True
    return EXIT_FAILED if failed else EXIT_OK
