"""The spoke flags of ``portfolio bootstrap``: which OUs get the launch role through the
StackSet, from where, and how fast.

The OUs are ``--spoke-ous`` when given, else the manifest's ``shares.organizational_units``
(and ``shares.organization``: the organization's root); the Regions are ``--region`` when given,
else the manifest's ``regions``, else the bootstrap's. Every value is checked before any AWS
call; what needs AWS to check (the OUs exist, the caller may act as ``--call-as`` says) is
checked by read-only calls before the first change (``portfolio.bootstrap.spoke_run``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from portfolio.errors import BadInput
from portfolio.names import ORGANIZATION_ROOT_ID, SPOKE_STACK_SET_NAME
from portfolio.regions import region_problem, regions_from

if TYPE_CHECKING:
    from portfolio.bootstrap.spoke_run import PreparedSpokes, SpokeClients, SpokeRequest
    from portfolio.manifest.model import Manifest
    from portfolio.publish.clients import ClientSettings

CALL_AS = ("SELF", "DELEGATED_ADMIN")
REGION_CONCURRENCY = ("PARALLEL", "SEQUENTIAL")


def _percentage(low: int) -> argparse._ActionType:
    def percentage(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = -1
        if not low <= value <= 100:
            raise argparse.ArgumentTypeError(f"{text!r}: a whole number from {low} to 100")
        return value

    return percentage


def add_spoke_arguments(parser: argparse.ArgumentParser) -> None:
    """The StackSet flags (defaults: ``stack_set_plan.OperationPreferences``)."""
    spokes = parser.add_argument_group(
        "spokes (the launch role in every account of the shared OUs, through a StackSet)"
    )
    spokes.add_argument(
        "--spoke-ous",
        action="append",
        default=[],
        metavar="OU",
        help="OU or root IDs to deploy to instead of the manifest's shares; comma-separated, "
        "repeatable",
    )
    spokes.add_argument("--no-spokes", action="store_true", help="deploy no StackSet")
    spokes.add_argument(
        "--stack-set-name",
        default=SPOKE_STACK_SET_NAME,
        help=f"default: {SPOKE_STACK_SET_NAME}",
    )
    spokes.add_argument(
        "--stack-set-region", help="the StackSet's home Region (default: the first Region)"
    )
    spokes.add_argument(
        "--call-as",
        choices=CALL_AS,
        default="SELF",
        help="SELF from the management account (default), DELEGATED_ADMIN from an account "
        "registered as StackSets' delegated administrator",
    )
    spokes.add_argument(
        "--max-concurrent-percentage",
        type=_percentage(1),
        default=25,
        help="accounts deployed to at once, per Region, in percent (default: 25)",
    )
    spokes.add_argument(
        "--failure-tolerance-percentage",
        type=_percentage(0),
        default=10,
        help="failed accounts, per Region, in percent, beyond which an operation stops "
        "(default: 10)",
    )
    spokes.add_argument(
        "--region-concurrency",
        choices=REGION_CONCURRENCY,
        default="PARALLEL",
        help="deploy to the Regions at once or one after the other (default: PARALLEL)",
    )
    spokes.add_argument(
        "--retry-failed",
        action="store_true",
        help="update the stack instances whose last operation failed, once (fix the cause first)",
    )


def _manifest(path: Path) -> Manifest | None:
    if not path.is_file():
        return None
    from portfolio.manifest.loading import load_manifest

    return load_manifest(path).manifest


def _units(args: argparse.Namespace, manifest: Manifest | None) -> list[tuple[str, str]]:
    from portfolio.manifest.model import OU_ID

    if args.spoke_ous:
        units = [
            (unit.strip(), "--spoke-ous") for value in args.spoke_ous for unit in value.split(",")
        ]
    elif manifest is not None:
        units = [
            (unit, f"shares.organizational_units[{index}]")
            for index, unit in enumerate(manifest.shares.organizational_units)
        ]
    else:
        units = []
    for unit, source in units:
        if not re.fullmatch(f"{OU_ID}|{ORGANIZATION_ROOT_ID}", unit):
            raise BadInput(
                f"{source} {unit!r}: not an OU ID (ou-xxxx-xxxxxxxx) or root ID (r-xxxx)"
            )
    return list(dict.fromkeys(units))


def spoke_request(
    args: argparse.Namespace, hub_regions: tuple[str, ...], parameters: dict[str, str]
) -> SpokeRequest | None:
    """The spokes to deploy, or None (no OU shares, or --no-spokes); BadInput naming the field."""
    from portfolio.bootstrap.spoke_organization import SpokeTargets
    from portfolio.bootstrap.spoke_run import SpokeRequest
    from portfolio.bootstrap.stack_deployment import STACK_NAME_PATTERN
    from portfolio.bootstrap.stack_set_plan import OperationPreferences

    if args.no_spokes:
        return None
    manifest = _manifest(Path(args.manifest))
    units = _units(args, manifest)
    organization = None if args.spoke_ous or manifest is None else manifest.shares.organization
    if not units and organization is None:
        return None
    if not STACK_NAME_PATTERN.match(args.stack_set_name):
        raise BadInput(
            f"--stack-set-name {args.stack_set_name!r}: 1-128 letters, digits and hyphens, "
            "starting with a letter"
        )
    regions = regions_from(args.regions) or (manifest.regions if manifest else hub_regions)
    home = args.stack_set_region
    if home is not None and region_problem(home):
        raise BadInput(f"--stack-set-region {home}: {region_problem(home)}")
    return SpokeRequest(
        targets=SpokeTargets(tuple(units), organization),
        regions=tuple(regions),
        home=home,
        parameters=parameters,
        name=args.stack_set_name,
        call_as=args.call_as,
        preferences=OperationPreferences(
            max_concurrent_percentage=args.max_concurrent_percentage,
            failure_tolerance_percentage=args.failure_tolerance_percentage,
            region_concurrency=args.region_concurrency,
        ),
        retry_failed=args.retry_failed,
    )


def prepare(settings: ClientSettings, request: SpokeRequest) -> tuple[SpokeClients, PreparedSpokes]:
    """Read-only checks before any change (BadInput: exit 2); SpokeDeploymentFailed when AWS
    could not be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    from portfolio.bootstrap.spoke_organization import SpokeDeploymentFailed
    from portfolio.bootstrap.spoke_run import SpokeClients, prepare_spokes
    from portfolio.errors import one_line

    clients = SpokeClients.make(settings, request.home_region)
    try:
        return clients, prepare_spokes(clients, request)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise SpokeDeploymentFailed(f"StackSet {request.name}: {one_line(message)}") from error
    except BotoCoreError as error:
        raise SpokeDeploymentFailed(f"StackSet {request.name}: {one_line(error)}") from error


def run(clients: SpokeClients, prepared: PreparedSpokes) -> bool:
    """Deploy the StackSet, printing each step and the accounts that lack the launch role."""
    from portfolio.bootstrap.spoke_run import run_spokes

    region = prepared.request.home_region
    outcome = run_spokes(
        clients, prepared, report=lambda line: print(f"{region}: {line}", flush=True)
    )
    states: dict[str, int] = {}
    for instance in outcome.instances:
        states[instance.state] = states.get(instance.state, 0) + 1
    summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items())) or "none"
    print(f"  StackSet {outcome.stack_set} ({region}): instances: {summary}")
    for instance in outcome.failed_instances:
        reason = f": {instance.reason}" if instance.reason else ""
        print(f"    {instance.account} {instance.region} {instance.state}{reason}")
    if outcome.failed_instances and not prepared.request.retry_failed:
        print("    (fix the cause, then run again with --retry-failed)")
    calls = clients.counter.as_dict()
    print(f"  spokes: {calls['read']} read, {calls['mutating']} mutating calls")
    if outcome.failure:
        print(f"portfolio bootstrap: error: {outcome.failure}", file=sys.stderr)
    return outcome.ok
