"""``portfolio ci-roles``: write the template of the roles the GitHub Actions workflows assume
(``portfolio.bootstrap.ci_roles``), to deploy once per account with CloudFormation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portfolio.errors import EXIT_OK, BadInput


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``ci-roles`` to the ``portfolio`` parser."""
    ci_roles = commands.add_parser(
        "ci-roles",
        help="write the CloudFormation template of the pipeline's OIDC roles (docs/pipeline.md)",
    )
    ci_roles.add_argument(
        "--out", metavar="FILE", help="write the template here (default: standard output)"
    )
    ci_roles.set_defaults(handler=run_ci_roles)


def run_ci_roles(args: argparse.Namespace) -> int:
    from portfolio.bootstrap.ci_roles import render_ci_roles_template

    text = render_ci_roles_template()
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.out)
    if not path.name or path.is_dir():
        raise BadInput(f"--out {args.out}: a file name is needed, not a directory")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInput(f"--out {args.out}: cannot write there: {error.strerror}") from error
    print(f"wrote {path}")
    return EXIT_OK
