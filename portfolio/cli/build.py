"""``portfolio build``, ``portfolio docs`` and ``portfolio check``: generate the product templates
and reference pages, and run cfn-lint, checkov and Control Tower's proactive controls on the
templates (the support templates included: the bootstrap hub and spoke ones and the CI roles).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from portfolio.cli.arguments import require
from portfolio.cli.output_files import OutputDirectoryError, write_all
from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput
from portfolio.paths import shown
from products.building_blocks.errors import GeneratorOptionError

#: The manifest that publishes the products generated here (the reference pages' versions).
SHIPPED_MANIFEST = Path(__file__).resolve().parents[1] / "portfolio.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``build``, ``docs`` and ``check`` to the ``portfolio`` parser."""
    build = commands.add_parser("build", help="generate every product template")
    build.add_argument(
        "--out",
        default="templates",
        help="output directory, written only below (default: templates)",
    )
    build.set_defaults(handler=run_build)

    docs = commands.add_parser("docs", help="generate the product reference pages")
    docs.add_argument(
        "--out", default="docs/products", help="written only below (default: docs/products)"
    )
    docs.add_argument(
        "--manifest",
        default=str(SHIPPED_MANIFEST),
        help="manifest whose product versions and TagOptions the launch examples use "
        "(default: the portfolio.yaml shipped with these products, wherever you run it)",
    )
    docs.add_argument(
        "--publishing-guide",
        metavar="PATH",
        help="also regenerate the manifest field table in this guide (`make build` passes "
        "docs/publishing.md; default: no guide is touched)",
    )
    docs.set_defaults(handler=run_docs)

    check = commands.add_parser(
        "check", help="run cfn-lint, checkov and Control Tower's proactive controls on templates"
    )
    check.add_argument("--templates", default="templates", help="default: templates")
    check.add_argument("--checkov", help="path to the checkov executable (omit: lint only)")
    check.add_argument(
        "--control-tower",
        metavar="PACKAGE",
        help="directory of the npm package @cdklabs/cdk-validator-cfnguard (cfn-guard and "
        "Control Tower's rules; omit: no Control Tower check)",
    )
    check.add_argument(
        "--cache", help="skip gates a template passed unchanged before (a folder; omit: no cache)"
    )
    check.set_defaults(handler=run_check)


def run_build(args: argparse.Namespace) -> int:
    from products.catalog import render_all

    require(args.out, "--out")
    try:
        files = render_all()
    except GeneratorOptionError as error:
        raise BadInput(str(error)) from error
    try:
        written = write_all(Path(args.out), files)
    except OutputDirectoryError as error:
        raise BadInput(str(error)) from error
    for path in written:
        print(f"wrote {shown(path)}")
    return EXIT_OK


def run_docs(args: argparse.Namespace) -> int:
    from portfolio.manifest.loading import load_manifest
    from portfolio.manifest.reference import published, with_field_table
    from products.reference_docs import render_all_references

    require(args.out, "--out")
    launches = published(load_manifest(Path(args.manifest)).manifest)
    guide = None
    if args.publishing_guide is not None:
        guide = Path(require(args.publishing_guide, "--publishing-guide"))
    try:
        updated = with_field_table(guide.read_text(encoding="utf-8")) if guide else None
        written = write_all(Path(args.out), render_all_references(launches))
        if guide is not None and updated is not None:
            guide.write_text(updated, encoding="utf-8")
            written.append(guide)
    except OutputDirectoryError as error:
        raise BadInput(str(error)) from error
    except OSError as error:
        raise BadInput(f"--publishing-guide {guide}: {error.strerror}") from error
    except ValueError as error:
        raise BadInput(f"--publishing-guide {guide}: no manifest field table marks") from error
    for path in written:
        print(f"wrote {shown(path)}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from portfolio.bootstrap.support_templates import support_templates
    from products.gates.cache import run_gates_cached
    from products.gates.control_tower import RulePackMissing, cfn_guard_binary, load_controls

    template_dir = Path(args.templates)
    if not template_dir.is_dir():
        raise BadInput(f"--templates {template_dir}: no such directory")
    checkov = Path(args.checkov) if args.checkov else None
    if checkov is not None and not checkov.exists():
        raise BadInput(f"--checkov {checkov}: no such file (run `make build` to set it up)")
    control_tower = Path(args.control_tower) if args.control_tower else None
    if control_tower is not None:
        try:
            cfn_guard_binary(control_tower)
            load_controls(control_tower)
        except RulePackMissing as error:
            raise BadInput(
                f"--control-tower {control_tower}: {error} (run `make build` to set it up)"
            ) from error
    templates = {
        path.name: path.read_text(encoding="utf-8") for path in template_dir.glob("*.yaml")
    }
    if not templates:
        raise BadInput(f"--templates {template_dir}: no *.yaml templates found")
    with tempfile.TemporaryDirectory() as scratch:
        # The bootstrap hub and spoke stacks and the CI roles are deployed too: same gates.
        write_all(Path(scratch), {**templates, **support_templates()})
        cache = Path(args.cache) if args.cache else None
        results = run_gates_cached(Path(scratch), checkov, cache, control_tower)
    for result in results:
        print(result.summary_line())
        for finding in result.findings:
            print(f"     {finding}")
    return EXIT_OK if all(result.ok for result in results) else EXIT_FAILED
