"""The publisher end to end without an AWS account: ``python -m portfolio.demo``.

Starts the local AWS endpoint on a free port, bootstraps it (artifact bucket, launch role),
publishes the portfolio, publishes it again (0 mutating calls), prints the portfolio as
tables, and stops the endpoint. The manifest is copied to a scratch directory with two demo
shares added, so the committed manifest and lock are never written.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import yaml

from portfolio.cli import main as portfolio_main
from portfolio.errors import EXIT_BAD_INPUT, EXIT_OK, BadInput
from portfolio.local_aws import LocalAwsServer
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.version_lock import lock_path_for, record_lock
from portfolio.publish.observed import SHARE_TYPES

DEMO_REGION = "us-east-1"
_SHARED = {"ShareTagOptions": "TagOptions", "SharePrincipals": "principals"}
DEMO_SHARES = {
    "accounts": ["111111111111"],
    "organizational_units": ["ou-demo-12345678"],
    "share_principals": True,
    "share_tag_options": True,
}


def demo_manifest(source: Path, scratch: Path) -> Path:
    """A copy of ``source`` with absolute template paths, demo shares and a current lock."""
    load_manifest(source)  # refuse a bad manifest with its usual one-line errors
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for product in data["products"]:
        product["template"] = str((source.parent / product["template"]).resolve())
    data["regions"] = [DEMO_REGION]
    data["shares"] = DEMO_SHARES
    path = scratch / "portfolio.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    if lock_path_for(source).exists():
        shutil.copy(lock_path_for(source), lock_path_for(path))
    record_lock(load_manifest(path))
    return path


def _step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def _run(argv: Sequence[str]) -> None:
    print("$ portfolio " + " ".join(argv), flush=True)
    code = portfolio_main(list(argv))
    if code != EXIT_OK:
        raise SystemExit(code)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = ["-" * width for width in widths]
    return "\n".join(line(cells).rstrip() for cells in (headers, rule, *rows))


def _share_flags(share: dict[str, Any]) -> str:
    shared = [name for key, name in _SHARED.items() if share.get(key)]
    return f" (shares {' and '.join(shared)})" if shared else ""


def portfolio_tables(sc: Any, display_name: str) -> str:
    """Products, versions and constraints; principals, TagOptions and shares, as text tables."""
    portfolio = next(
        p for p in sc.list_portfolios()["PortfolioDetails"] if p["DisplayName"] == display_name
    )
    portfolio_id = portfolio["Id"]
    products = sc.search_products_as_admin(PortfolioId=portfolio_id)["ProductViewDetails"]
    constraints = sc.list_constraints_for_portfolio(PortfolioId=portfolio_id)["ConstraintDetails"]
    rows = []
    for product in sorted(products, key=lambda p: p["ProductViewSummary"]["Name"]):
        summary = product["ProductViewSummary"]
        artifacts = sc.list_provisioning_artifacts(ProductId=summary["ProductId"])
        versions = ", ".join(
            f"{a['Name']} ({'deprecated' if a['Guidance'] == 'DEPRECATED' else 'active'})"
            for a in artifacts["ProvisioningArtifactDetails"]
        )
        kinds = sorted(c["Type"] for c in constraints if c["ProductId"] == summary["ProductId"])
        rows.append((summary["Name"], versions, ", ".join(kinds)))
    described = sc.describe_portfolio(Id=portfolio_id)
    principals = sc.list_principals_for_portfolio(PortfolioId=portfolio_id)["Principals"]
    shares = [
        share
        for kind in SHARE_TYPES
        for share in sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type=kind)[
            "PortfolioShareDetails"
        ]
    ]
    links = [("principal", p["PrincipalType"], p["PrincipalARN"]) for p in principals]
    links += [("TagOption", o["Key"], o["Value"]) for o in described.get("TagOptions", [])]
    links += [("share", s["Type"], f"{s['PrincipalId']}{_share_flags(s)}") for s in shares]
    return (
        f"Portfolio {display_name!r} ({portfolio_id}) in {DEMO_REGION}\n\n"
        + _table(("Product", "Versions", "Constraints"), rows)
        + "\n\n"
        + _table(("Association", "Type", "Value"), links)
    )


def _quiet_moto() -> None:
    """moto warns about CloudFormation types it does not model; not news for this demo."""
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"moto\..*")


def run_demo(manifest: Path) -> int:
    _quiet_moto()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "demo")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "demo")
    os.environ.pop("AWS_PROFILE", None)
    with (
        tempfile.TemporaryDirectory(prefix="portfolio-demo-") as scratch,
        LocalAwsServer() as server,
    ):
        path = demo_manifest(manifest, Path(scratch))
        url = server.url
        _step(f"local AWS endpoint listening on {url}")
        _step("bootstrap: artifact bucket and launch role")
        _run(["bootstrap", "--region", DEMO_REGION, "--endpoint-url", url])
        _step("publish")
        publish = ["publish", "--manifest", str(path), "--region", DEMO_REGION, "--endpoint-url"]
        _run([*publish, url])
        _step("publish again: nothing changed, so no mutating call")
        _run([*publish, url])
        _step("the published portfolio")
        sc = boto3.client("servicecatalog", region_name=DEMO_REGION, endpoint_url=url)
        display_name = yaml.safe_load(path.read_text(encoding="utf-8"))["portfolio"]["display_name"]
        print(portfolio_tables(sc, display_name))
        _step("stopping the local endpoint")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m portfolio.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--manifest", default="portfolio/portfolio.yaml", help="default: portfolio/portfolio.yaml"
    )
    args = parser.parse_args(argv)
    try:
        return run_demo(Path(args.manifest))
    except BadInput as error:
        print(f"portfolio demo: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as stop:
        return int(stop.code or 0)


if __name__ == "__main__":
    sys.exit(main())
