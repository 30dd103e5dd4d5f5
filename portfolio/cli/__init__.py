"""The ``portfolio`` command: build, check and document templates; publish the portfolio.

Exit codes: 0 ok, 1 failed (a gate or AWS said no), 2 bad input. Each command group has its own
module here (``build``, ``publish``, ``bootstrap``, ``ci_roles``, ``serve_local``);
``arguments`` holds the flags they share.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from portfolio.cli import bootstrap, build, ci_roles, publish, serve_local
from portfolio.errors import EXIT_BAD_INPUT, BadInput


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    root = argparse.ArgumentParser(prog="portfolio", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    build.register(commands)
    publish.register(commands)
    bootstrap.register(commands)
    ci_roles.register(commands)
    serve_local.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except BadInput as error:
        print(f"portfolio {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
