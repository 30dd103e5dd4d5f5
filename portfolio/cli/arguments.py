"""Flags more than one command takes, defined and checked once: ``--region``.

Every command accepts ``--region`` repeated and/or comma-separated (``--region us-east-1,eu-west-1
--region ap-southeast-2``) and reports a bad value with the same one-line message.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from portfolio.errors import BadInput
from portfolio.names import REGION


def add_region_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--region`` into ``args.regions`` (a list of the raw values; see ``regions_from``)."""
    parser.add_argument(
        "--region",
        action="append",
        dest="regions",
        default=[],
        metavar="REGION",
        help=f"{help_text}; repeat or comma-separate for several",
    )


def regions_from(values: Sequence[str]) -> tuple[str, ...]:
    """``--region`` values split at commas, stripped, checked and de-duplicated in order;
    BadInput naming --region for anything that is not a region name."""
    regions: list[str] = []
    for value in values:
        for region in value.split(","):
            region = region.strip()
            if not re.fullmatch(REGION, region):
                raise BadInput(f"--region {region}: not a region name (e.g. us-east-1)")
            regions.append(region)
    return tuple(dict.fromkeys(regions))
