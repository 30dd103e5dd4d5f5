"""What the publish integration tests share: the artifact bucket they publish to, the catalog
as plain boto3 reads it, and what a first publish of the demo manifest leaves there."""

from __future__ import annotations

from typing import Any

import boto3

from portfolio.names import IDENTITY_TAG_KEY
from portfolio.publish.observed import SHARE_TYPES

BUCKET = "signed-urls-artifacts"


def is_lease_call(params: dict[str, Any]) -> bool:
    """Whether a botocore request (``before-call``'s ``params``) is on the publisher's lease
    object, which tests of the catalog leave out of their counts."""
    return "/leases/" in str(params.get("url_path", ""))


def untag_everything(region: str = "us-east-1", endpoint_url: str | None = None) -> None:
    """Remove the identity tag from every portfolio and product: a deployment made before the
    publisher tagged what it creates."""
    sc = boto3.client("servicecatalog", region_name=region, endpoint_url=endpoint_url)
    for portfolio in sc.list_portfolios()["PortfolioDetails"]:
        sc.update_portfolio(Id=portfolio["Id"], RemoveTags=[IDENTITY_TAG_KEY])
    for detail in sc.search_products_as_admin()["ProductViewDetails"]:
        product_id = detail["ProductViewSummary"]["ProductId"]
        sc.update_product(Id=product_id, RemoveTags=[IDENTITY_TAG_KEY])


def snapshot(region: str = "us-east-1", endpoint_url: str | None = None) -> dict[str, Any]:
    """What Service Catalog holds, read with plain boto3 (not the publisher's reader)."""
    sc = boto3.client("servicecatalog", region_name=region, endpoint_url=endpoint_url)
    portfolios = sc.list_portfolios()["PortfolioDetails"]
    products = sc.search_products_as_admin()["ProductViewDetails"]
    state: dict[str, Any] = {
        "portfolios": sorted(p["DisplayName"] for p in portfolios),
        "products": sorted(p["ProductViewSummary"]["Name"] for p in products),
        "versions": {},
    }
    names = {
        p["ProductViewSummary"]["ProductId"]: p["ProductViewSummary"]["Name"] for p in products
    }
    for product_id, name in names.items():
        artifacts = sc.list_provisioning_artifacts(ProductId=product_id)
        state["versions"][name] = sorted(
            (a["Name"], a["Active"], a["Guidance"])
            for a in artifacts["ProvisioningArtifactDetails"]
        )
    if portfolios:
        portfolio_id = portfolios[0]["Id"]
        state["associated"] = sorted(
            names[p["ProductViewSummary"]["ProductId"]]
            for p in sc.search_products_as_admin(PortfolioId=portfolio_id)["ProductViewDetails"]
        )
        state["constraints"] = sorted(
            (c["Type"], names[c["ProductId"]])
            for c in sc.list_constraints_for_portfolio(PortfolioId=portfolio_id)[
                "ConstraintDetails"
            ]
        )
        state["principals"] = sorted(
            (p["PrincipalType"], p["PrincipalARN"])
            for p in sc.list_principals_for_portfolio(PortfolioId=portfolio_id)["Principals"]
        )
        state["tag_options"] = sorted(
            (t["Key"], t["Value"]) for t in sc.describe_portfolio(Id=portfolio_id)["TagOptions"]
        )
        state["shares"] = sorted(
            (s["Type"], s["PrincipalId"], s["ShareTagOptions"], s["SharePrincipals"])
            for kind in SHARE_TYPES
            for s in sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type=kind)[
                "PortfolioShareDetails"
            ]
        )
    return state


EXPECTED_FIRST_PUBLISH = {
    "portfolios": ["Signed URLs demo"],
    "products": ["Demo product 1", "Demo product 2", "Demo product 3"],
    "versions": {f"Demo product {i}": [("1.0.0", True, "DEFAULT")] for i in (1, 2, 3)},
    "associated": ["Demo product 1", "Demo product 2", "Demo product 3"],
    "constraints": sorted(
        [
            ("LAUNCH", "Demo product 1"),
            ("LAUNCH", "Demo product 2"),
            ("LAUNCH", "Demo product 3"),
            ("NOTIFICATION", "Demo product 1"),
            ("RESOURCE_UPDATE", "Demo product 1"),
            ("RESOURCE_UPDATE", "Demo product 2"),
            ("RESOURCE_UPDATE", "Demo product 3"),
            ("TEMPLATE", "Demo product 1"),
        ]
    ),
    "principals": [("IAM_PATTERN", "arn:aws:iam:::role/app-teams/*")],
    "tag_options": [("cost-center", "platform"), ("data-classification", "internal")],
    "shares": [
        ("ACCOUNT", "111111111111", True, False),
        ("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456", True, True),
    ],
}
