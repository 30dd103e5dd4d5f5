"""The ``portfolio`` command: build, check and document templates; publish the portfolio.

Exit codes: 0 ok, 1 failed (a gate or AWS said no), 2 bad input, 130 interrupted (Ctrl-C).
Whatever goes wrong is one line on stderr, never a traceback: bad input names the field or
flag; anything unexpected names its type (and asks for a report); a closed stdout (``| head``)
ends the command quietly. Each command group has its own module here (``build``, ``publish``,
``adopt``, ``bootstrap``, ``serve_local``); ``arguments`` holds the flags they share and
``interrupt`` the Ctrl-C handling.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence

from portfolio.cli import adopt, bootstrap, build, publish, serve_local
from portfolio.cli.interrupt import EXIT_INTERRUPTED
from portfolio.errors import EXIT_BAD_INPUT, EXIT_FAILED, BadInput, NotConfigured, one_line

PACKAGE = "signed-urls-portfolio"


def version() -> str:
    """'portfolio 0.1.0 boto3/1.x botocore/1.x Python/3.11.x', like `aws --version`."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    import boto3
    import botocore

    try:
        own = installed(PACKAGE)
    except PackageNotFoundError:  # run from a checkout that was never installed
        own = "unknown (not installed)"
    return (
        f"portfolio {own} boto3/{boto3.__version__} botocore/{botocore.__version__} "
        f"Python/{platform.python_version()}"
    )


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    root = argparse.ArgumentParser(prog="portfolio", description=__doc__.splitlines()[0])
    root.add_argument("--version", action="version", version=version())
    commands = root.add_subparsers(dest="command", required=True)
    build.register(commands)
    publish.register(commands)
    adopt.register(commands)
    bootstrap.register(commands)
    serve_local.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # here, so that a reader gone away (`| head`) is caught below
        return code
    except BadInput as error:
        print(f"portfolio {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NotConfigured as error:
        print(f"portfolio {args.command}: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"portfolio {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_FAILED
    except Exception as error:
        print(
            f"portfolio {args.command}: internal error: {type(error).__name__}: "
            f"{one_line(error)} (please report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _quiet_stdout() -> None:
    """The reader of stdout went away: send what is still buffered nowhere, so that Python's
    flush at exit does not complain about the broken pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
