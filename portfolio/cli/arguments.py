"""Flags more than one command takes, defined and checked once.

Every command that reaches AWS takes ``--region`` (one region or a comma-separated list,
repeatable), ``--profile`` and ``--endpoint-url``, resolves its regions the same way (see
``portfolio.regions``: the flag, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile, then the
manifest) and its credentials the same way (``portfolio.publish.clients.aws_session``: dummy
ones against ``--endpoint-url`` when none are configured, a message saying how to configure
them otherwise). Every command that changes a region takes the lease flags; every long one
``--progress``.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence

from portfolio.errors import BadInput
from portfolio.publish.apply import ProgressCallback, StepStatus
from portfolio.publish.clients import ClientSettings, aws_session, profile_region
from portfolio.publish.lease import DEFAULT_TTL_SECONDS
from portfolio.publish.steps import Step
from portfolio.regions import ResolvedRegions, resolve_regions

#: Lease lifetimes ``--lease-ttl`` accepts (seconds): at least one renewal interval must fit a
#: slow call; at most a day.
LEASE_TTL_RANGE = (30, 86_400)


def add_region_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--region`` into ``args.regions`` (a list of the raw values)."""
    parser.add_argument(
        "--region",
        action="append",
        dest="regions",
        default=[],
        metavar="REGION",
        help=f"{help_text}; one region or a comma-separated list, repeatable (default: "
        "AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region, else the manifest)",
    )


def add_aws_arguments(parser: argparse.ArgumentParser, region_help: str) -> None:
    """``--region``, ``--profile`` and ``--endpoint-url``."""
    add_region_argument(parser, region_help)
    parser.add_argument("--profile", help="AWS named profile (default: the usual credential chain)")
    parser.add_argument(
        "--endpoint-url",
        help="send every AWS call here (e.g. `portfolio serve-local`); without configured "
        "credentials, dummy ones are used",
    )


def add_lease_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force-unlock",
        metavar="LEASE_ID",
        help="take over the lease with this ID although it has not expired (only when its "
        "holder is known to be gone: the error naming the holder gives the ID)",
    )
    parser.add_argument(
        "--lease-ttl",
        type=_lease_ttl,
        default=DEFAULT_TTL_SECONDS,
        metavar="SECONDS",
        help=f"how long the lease outlives a crashed run (renewed every third; default: "
        f"{DEFAULT_TTL_SECONDS})",
    )


def _lease_ttl(text: str) -> int:
    low, high = LEASE_TTL_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number of seconds") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{value}: between {low} and {high} seconds")
    return value


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="one line on stderr per finished step (auto: when stderr is a terminal or the "
        "CI variable is set)",
    )


def client_settings(args: argparse.Namespace) -> ClientSettings:
    """The flags as client settings, after checking the profile and the credentials (BadInput
    before any call when either is missing)."""
    settings = ClientSettings(profile=args.profile, endpoint_url=args.endpoint_url)
    aws_session(settings.profile, settings.endpoint_url)
    return settings


def command_regions(
    args: argparse.Namespace, manifest_regions: Callable[[], Sequence[str]] | None
) -> ResolvedRegions:
    """The command's regions and where they came from (each command says which)."""
    return resolve_regions(
        args.regions, lambda: profile_region(args.profile), manifest_regions, args.profile
    )


def progress_wanted(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return sys.stderr.isatty() or bool(os.environ.get("CI"))


def same_terminal() -> bool:
    """Whether stdout and stderr are the same terminal (progress lines and the report meet)."""
    try:
        if not (sys.stdout.isatty() and sys.stderr.isatty()):
            return False
        return os.fstat(sys.stdout.fileno()).st_rdev == os.fstat(sys.stderr.fileno()).st_rdev
    except (OSError, ValueError):
        return False


def progress_printer(choice: str) -> ProgressCallback | None:
    """One line per finished step on stderr (``--progress``), flushed at once."""
    if not progress_wanted(choice):
        return None
    lock = threading.Lock()

    def show(region: str, step: Step, status: StepStatus) -> None:
        with lock:
            print(f"[{region}] {status:<6} {step.label}", file=sys.stderr, flush=True)

    return show


def require(value: str, flag: str) -> str:
    """A flag value that must not be empty."""
    if not value.strip():
        raise BadInput(f"{flag}: must not be empty")
    return value
