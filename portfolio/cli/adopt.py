"""``portfolio adopt ID [ID ...]``: say which existing portfolio or product is the manifest's.

The way out when the publisher stops because it cannot tell the manifest's portfolio or a
product apart (``portfolio.publish.identity``): each ``port-...`` or ``prod-...`` ID named gets
the manifest's identity tag, and any other portfolio (or product) carrying that same identity
loses it. A product is matched to the manifest's product of the same name, or to ``--product
NAME``. A resource that carries another manifest's identity is refused. Runs in one region,
under its lease (like publish); changes nothing else: run ``portfolio plan`` next.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from portfolio.cli.arguments import (
    add_aws_arguments,
    add_lease_arguments,
    client_settings,
    command_regions,
)
from portfolio.cli.interrupt import stop_on_interrupt
from portfolio.errors import EXIT_FAILED, EXIT_OK, BadInput, one_line
from portfolio.names import ARTIFACT_BUCKET_OUTPUT, BOOTSTRAP_STACK_NAME, IDENTITY_TAG_KEY

DEFAULT_MANIFEST = "portfolio/portfolio.yaml"


class AdoptRefused(Exception):
    """An ID cannot be adopted (another manifest's, or no such resource)."""


def register(commands: argparse._SubParsersAction) -> None:
    adopt = commands.add_parser(
        "adopt",
        help="tag existing portfolios or products as the manifest's (the way out when the "
        "publisher cannot tell them apart)",
    )
    adopt.add_argument("ids", nargs="+", metavar="ID", help="port-... or prod-... IDs")
    adopt.add_argument("--manifest", default=DEFAULT_MANIFEST, help=f"default: {DEFAULT_MANIFEST}")
    adopt.add_argument(
        "--product", metavar="NAME", help="the manifest's product a single prod-... ID is"
    )
    add_aws_arguments(adopt, "the one region the IDs are in")
    adopt.add_argument("--artifact-bucket", help="bucket holding the lease (default: bootstrap's)")
    adopt.add_argument(
        "--bootstrap-stack", default=BOOTSTRAP_STACK_NAME, help=f"default: {BOOTSTRAP_STACK_NAME}"
    )
    add_lease_arguments(adopt)
    adopt.set_defaults(handler=run_adopt)


def _check_ids(args: argparse.Namespace) -> None:
    for value in args.ids:
        if not value.startswith(("port-", "prod-")):
            raise BadInput(f"ID {value}: not a portfolio (port-...) or product (prod-...) ID")
    products = [value for value in args.ids if value.startswith("prod-")]
    if args.product is not None and len(products) != 1:
        raise BadInput("--product: names the manifest's product of exactly one prod-... ID")


def run_adopt(args: argparse.Namespace) -> int:
    from portfolio.manifest.loading import load_manifest

    _check_ids(args)
    manifest = load_manifest(Path(args.manifest)).manifest
    regions = command_regions(args, lambda: manifest.regions)
    if len(regions.regions) != 1:
        raise BadInput(
            f"--region: adopt works in one region at a time (got {', '.join(regions.regions)} "
            f"from {regions.source})"
        )
    (region,) = regions.regions
    settings = client_settings(args)
    print(regions.describe(), flush=True)
    with stop_on_interrupt(args.command) as halt:
        try:
            _adopt_in(args, manifest, settings, region, halt)
        except AdoptRefused as error:
            print(f"portfolio adopt: error: {error}", file=sys.stderr)
            return EXIT_FAILED
    print("now run `portfolio plan` to see what publishing would do")
    return EXIT_OK


def _adopt_in(
    args: argparse.Namespace, manifest: Any, settings: Any, region: str, halt: Any
) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from portfolio.publish.clients import region_clients
    from portfolio.publish.lease import LeaseHeld, LeaseLost, held, new_record
    from portfolio.publish.observed import bootstrap_output

    clients = region_clients(settings, region)
    try:
        bucket = args.artifact_bucket or bootstrap_output(
            clients.cloudformation, args.bootstrap_stack, ARTIFACT_BUCKET_OUTPUT
        )
        if bucket is None:
            raise AdoptRefused(
                f"{region}: no artifact bucket to hold the lease (stack {args.bootstrap_stack} "
                "has no ArtifactBucketName output); run `portfolio bootstrap` or pass "
                "--artifact-bucket"
            )
        record = new_record("adopt", args.lease_ttl)
        with held(clients.lease, bucket, region, record, halt, args.force_unlock):
            for resource_id in args.ids:
                if resource_id.startswith("port-"):
                    _adopt_portfolio(clients.servicecatalog, manifest, resource_id)
                else:
                    _adopt_product(clients.servicecatalog, manifest, resource_id, args.product)
    except (LeaseHeld, LeaseLost) as error:
        raise AdoptRefused(str(error)) from error
    except (ClientError, BotoCoreError) as error:
        raise AdoptRefused(f"{region}: {one_line(error)}") from error


def _tag_of(tags: list[dict[str, str]]) -> str | None:
    from portfolio.publish.identity import tag_value

    return tag_value(tags)


def _adopt_portfolio(sc: Any, manifest: Any, portfolio_id: str) -> None:
    from portfolio.publish.identity import identity_tags
    from portfolio.publish.observed import list_portfolios

    identity = manifest.portfolio.identity
    listed = list_portfolios(sc)
    if portfolio_id not in listed:
        raise AdoptRefused(f"portfolio {portfolio_id}: not a portfolio of this account here")
    summary, described = listed[portfolio_id]
    current = _tag_of(described.get("Tags", []))
    if current not in (None, identity):
        raise AdoptRefused(
            f"portfolio {portfolio_id}: carries {IDENTITY_TAG_KEY}={current}, another "
            "manifest's; remove that tag first if it really is this manifest's"
        )
    if current is None:
        sc.update_portfolio(Id=portfolio_id, AddTags=identity_tags(identity))
    name = summary["DisplayName"]
    print(f"adopted portfolio {portfolio_id} ({name!r}): {IDENTITY_TAG_KEY}={identity}")
    for other_id, (other, other_described) in listed.items():
        if other_id != portfolio_id and _tag_of(other_described.get("Tags", [])) == identity:
            sc.update_portfolio(Id=other_id, RemoveTags=[IDENTITY_TAG_KEY])
            print(
                f"untagged portfolio {other_id} ({other['DisplayName']!r}): not the manifest's "
                "any more; delete it if it is a duplicate"
            )


def _adopt_product(sc: Any, manifest: Any, product_id: str, name: str | None) -> None:
    from portfolio.publish.identity import identity_tags, product_identity
    from portfolio.publish.observed import find_products

    described = sc.describe_product_as_admin(Id=product_id)
    actual = described["ProductViewDetail"]["ProductViewSummary"]["Name"]
    wanted = name or actual
    product = next((p for p in manifest.products if p.name == wanted), None)
    if product is None:
        raise AdoptRefused(
            f"product {product_id} ({actual!r}): the manifest has no product named {wanted!r}; "
            "name it with --product NAME"
        )
    identity = product_identity(manifest, product)
    current = _tag_of(described.get("Tags", []))
    if current not in (None, identity):
        raise AdoptRefused(
            f"product {product_id}: carries {IDENTITY_TAG_KEY}={current}, not {identity}; "
            "remove that tag first if it really is this product"
        )
    if current is None:
        sc.update_product(Id=product_id, AddTags=identity_tags(identity))
    print(f"adopted product {product_id} ({actual!r}): {IDENTITY_TAG_KEY}={identity}")
    others = {s["ProductId"]: s for n in (actual, product.name) for s in find_products(sc, n)}
    others.pop(product_id, None)
    for other_id, summary in others.items():
        if _tag_of(sc.describe_product_as_admin(Id=other_id).get("Tags", [])) == identity:
            sc.update_product(Id=other_id, RemoveTags=[IDENTITY_TAG_KEY])
            print(f"untagged product {other_id} ({summary['Name']!r}): not the manifest's any more")
