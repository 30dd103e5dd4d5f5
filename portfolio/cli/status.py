"""``portfolio status``: per Region, where the portfolio is shared and what each share reaches;
for the spokes' StackSet, which accounts and Regions have the launch role and which failed.

Read-only. Exit codes: 0 everything the manifest shares is shared and every stack instance is
current; 1 a share is missing, an instance is not current, or AWS could not be read; 2 bad
input. A share with an account that waits for acceptance is reported, not an error: the other
account accepts it (docs/publishing.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portfolio.cli.arguments import add_aws_arguments, client_settings, command_regions
from portfolio.errors import EXIT_FAILED, EXIT_OK, one_line
from portfolio.names import SPOKE_STACK_SET_NAME

if TYPE_CHECKING:
    from portfolio.bootstrap.spoke_status import SpokeStatus
    from portfolio.publish.clients import ClientSettings
    from portfolio.publish.share_status import PortfolioShares

DEFAULT_MANIFEST = "portfolio/portfolio.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``status`` to the ``portfolio`` parser."""
    status = commands.add_parser(
        "status", help="shares per region, and which accounts have the launch role (read-only)"
    )
    status.add_argument("--manifest", default=DEFAULT_MANIFEST, help=f"default: {DEFAULT_MANIFEST}")
    add_aws_arguments(status, "the regions to report on")
    status.add_argument(
        "--stack-set-name", default=SPOKE_STACK_SET_NAME, help=f"default: {SPOKE_STACK_SET_NAME}"
    )
    status.add_argument(
        "--stack-set-region", help="the StackSet's home Region (default: the first Region)"
    )
    status.add_argument(
        "--call-as",
        choices=("SELF", "DELEGATED_ADMIN"),
        default="SELF",
        help="read the StackSet as the management account (SELF) or its delegated administrator",
    )
    status.add_argument("--output", choices=("text", "json"), default="text", help="default: text")
    status.set_defaults(handler=run_status)


def _shares(settings: ClientSettings, manifest: Any, region: str) -> PortfolioShares | str:
    from botocore.exceptions import BotoCoreError, ClientError

    from portfolio.publish.clients import region_clients
    from portfolio.publish.share_status import PortfolioUnclear, read_share_status

    try:
        return read_share_status(region_clients(settings, region).servicecatalog, manifest, region)
    except (ClientError, BotoCoreError) as error:
        return f"{region}: {one_line(error)}"
    except PortfolioUnclear as error:
        return str(error)


def _spokes(settings: ClientSettings, args: argparse.Namespace, home: str) -> SpokeStatus | str:
    from botocore.exceptions import BotoCoreError, ClientError

    from portfolio.bootstrap.spoke_run import SpokeClients
    from portfolio.bootstrap.spoke_status import read_spoke_status

    try:
        cloudformation = SpokeClients.make(settings, home).cloudformation
        return read_spoke_status(cloudformation, args.stack_set_name, home, args.call_as)
    except (ClientError, BotoCoreError) as error:
        return f"StackSet {args.stack_set_name} ({home}): {one_line(error)}"


def run_status(args: argparse.Namespace) -> int:
    from portfolio.manifest.loading import load_manifest

    manifest = load_manifest(Path(args.manifest)).manifest
    resolved = command_regions(args, lambda: manifest.regions)
    regions = resolved.regions
    settings = client_settings(args)
    shares = [_shares(settings, manifest, region) for region in regions]
    organization_shares = manifest.shares.organizational_units or manifest.shares.organization
    spokes = (
        _spokes(settings, args, args.stack_set_region or regions[0])
        if organization_shares
        else None
    )
    errors = [item for item in [*shares, spokes] if isinstance(item, str)]
    readable_shares = [item for item in shares if not isinstance(item, str)]
    readable_spokes = None if isinstance(spokes, str) else spokes
    if args.output == "json":
        print(_json(readable_shares, readable_spokes, errors))
    else:
        print(resolved.describe())
        print(_text(readable_shares, readable_spokes))
    for error in errors:
        print(f"portfolio status: error: {error}", file=sys.stderr)
    healthy = not errors and all(
        not share.missing for region in readable_shares for share in region.shares
    )
    healthy = healthy and (readable_spokes is None or not readable_spokes.without_role())
    return EXIT_OK if healthy else EXIT_FAILED


def _json(shares: list[PortfolioShares], spokes: SpokeStatus | None, errors: list[str]) -> str:
    document = {
        "regions": [
            {
                "region": region.region,
                "portfolio_id": region.portfolio_id,
                "shares": [share.as_dict() for share in region.shares],
            }
            for region in shares
        ],
        "stack_set": spokes.as_dict() if spokes else None,
        "errors": errors,
    }
    return json.dumps(document, indent=2)


def _text(shares: list[PortfolioShares], spokes: SpokeStatus | None) -> str:
    lines = []
    for region in shares:
        portfolio = region.portfolio_id or "not published"
        lines.append(f"{region.region}: portfolio {portfolio}")
        if not region.shares:
            lines.append("  no shares")
        for share in region.shares:
            flags = [
                name
                for name, on in (
                    ("principals", share.share_principals),
                    ("TagOptions", share.share_tag_options),
                )
                if on
            ]
            shared = f"; shares {' and '.join(flags)}" if flags else ""
            lines.append(f"  {share.type} {share.recipient}: {share.state}{shared}")
    if spokes is not None:
        lines += _spoke_lines(spokes)
    return "\n".join(lines)


def _spoke_lines(spokes: SpokeStatus) -> list[str]:
    head = f"StackSet {spokes.stack_set} ({spokes.region})"
    if not spokes.exists:
        return [f"{head}: none (no OU shares bootstrapped)"]
    missing = spokes.without_role()
    lines = [f"{head}: {len(spokes.instances)} stack instances, {len(missing)} without the role"]
    for (unit, region), accounts in spokes.with_role().items():
        listed = ", ".join(accounts)
        lines += textwrap.wrap(
            f"{unit} {region}: launch role in {len(accounts)} account(s): {listed}",
            width=100,
            initial_indent="  ",
            subsequent_indent="    ",
        )
    for instance in missing:
        reason = f": {instance.reason}" if instance.reason else ""
        lines.append(
            f"  {instance.organizational_unit} {instance.region} {instance.account}: "
            f"{instance.state} ({instance.status}/{instance.detailed_status}){reason}"
        )
    return lines
