"""The ``portfolio`` command: build, check and document templates; publish the portfolio.

Exit codes: 0 ok, 1 failed (a gate or AWS said no), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from portfolio import bootstrap_command, local_endpoint_command, publisher_command
from portfolio.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, BadInput
from portfolio.template_files import OutputDirectoryError, write_all
from products.errors import GeneratorOptionError


def _build(args: argparse.Namespace) -> int:
    from products.catalog import render_all

    try:
        files = render_all()
    except GeneratorOptionError as error:
        raise BadInput(str(error)) from error
    try:
        written = write_all(Path(args.out), files)
    except OutputDirectoryError as error:
        raise BadInput(str(error)) from error
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _docs(args: argparse.Namespace) -> int:
    from portfolio.manifest_reference import with_field_table
    from products.reference_docs import render_all_references

    guide = Path(args.publishing_guide)
    try:
        written = write_all(Path(args.out), render_all_references())
        guide.write_text(with_field_table(guide.read_text(encoding="utf-8")), encoding="utf-8")
    except OutputDirectoryError as error:
        raise BadInput(str(error)) from error
    except OSError as error:
        raise BadInput(f"--publishing-guide {guide}: {error.strerror}") from error
    except ValueError as error:
        raise BadInput(f"--publishing-guide {guide}: no manifest field table marks") from error
    for path in [*written, guide]:
        print(f"wrote {path}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from portfolio.bootstrap import render_bootstrap_template
    from products.gates.cache import run_gates_cached

    template_dir = Path(args.templates)
    if not template_dir.is_dir():
        raise BadInput(f"--templates {template_dir}: no such directory")
    checkov = Path(args.checkov) if args.checkov else None
    if checkov is not None and not checkov.exists():
        raise BadInput(f"--checkov {checkov}: no such file (run `make build` to set it up)")
    templates = {
        path.name: path.read_text(encoding="utf-8") for path in template_dir.glob("*.yaml")
    }
    if not templates:
        raise BadInput(f"--templates {template_dir}: no *.yaml templates found")
    with tempfile.TemporaryDirectory() as scratch:
        # The bootstrap stack is deployed too, so it passes the same gates.
        write_all(Path(scratch), {**templates, "bootstrap.yaml": render_bootstrap_template()})
        cache = Path(args.cache) if args.cache else None
        results = run_gates_cached(Path(scratch), checkov, cache)
    for result in results:
        print(result.summary_line())
        for finding in result.lint_findings + result.scan_failures:
            print(f"     {finding}")
    return EXIT_OK if all(result.ok for result in results) else EXIT_FAILED


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    root = argparse.ArgumentParser(prog="portfolio", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="generate every product template")
    build.add_argument("--out", default="templates", help="output directory (default: templates)")
    build.set_defaults(handler=_build)

    docs = commands.add_parser("docs", help="generate the product reference pages")
    docs.add_argument("--out", default="docs/products", help="default: docs/products")
    docs.add_argument(
        "--publishing-guide",
        default="docs/publishing.md",
        help="guide whose manifest field table is regenerated (default: docs/publishing.md)",
    )
    docs.set_defaults(handler=_docs)

    check = commands.add_parser("check", help="run cfn-lint and checkov on the templates")
    check.add_argument("--templates", default="templates", help="default: templates")
    check.add_argument("--checkov", help="path to the checkov executable (omit: lint only)")
    check.add_argument("--cache", help="skip templates that passed unchanged before (a folder)")
    check.set_defaults(handler=_check)

    publisher_command.register(commands)
    bootstrap_command.register(commands)
    local_endpoint_command.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except BadInput as error:
        print(f"portfolio {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
