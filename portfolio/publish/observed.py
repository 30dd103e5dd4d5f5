"""Reads what a region's Service Catalog holds now, as frozen data for the planner.

Products are found by name (SearchProductsAsAdmin, only products created in this account),
versions by provisioning artifact name, the portfolio by display name: the names in the
manifest are the identities, so a run that failed midway finds what it already created instead
of creating it twice. The manifest's own version of each product is also described, for its
status and the template it was created from.

When no portfolio has the manifest's display name but the manifest's products already exist,
the portfolio holding them (ListPortfoliosForProduct, one read per existing product) is taken
as the manifest's portfolio under its old name, so renaming ``display_name`` renames the
portfolio instead of creating a second one; several such portfolios are reported as
``portfolio_candidates`` and the planner refuses to guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError

#: DescribePortfolioShares types. ORGANIZATION_MEMBER_ACCOUNT is a share with an account
#: through AWS Organizations (OrganizationNode Type ACCOUNT), ACCOUNT one made with AccountId.
SHARE_TYPES = ("ACCOUNT", "ORGANIZATION_MEMBER_ACCOUNT", "ORGANIZATIONAL_UNIT", "ORGANIZATION")


@dataclass(frozen=True)
class ObservedVersion:
    id: str
    name: str
    active: bool
    guidance: str  # DEFAULT | DEPRECATED
    #: Read only for the manifest's current version (DescribeProvisioningArtifact); None: not
    #: read. The URL the version's template was loaded from ("" when it has none).
    template_url: str | None = None
    status: str | None = None  # AVAILABLE | CREATING | FAILED; None: not read


@dataclass(frozen=True)
class ObservedProduct:
    id: str
    name: str
    owner: str
    description: str
    distributor: str
    support_email: str
    support_url: str
    support_description: str
    versions: tuple[ObservedVersion, ...] = ()
    associated: bool = False  # with the manifest's portfolio


@dataclass(frozen=True)
class ObservedConstraint:
    id: str
    type: str
    product_id: str
    description: str


@dataclass(frozen=True)
class ObservedShare:
    type: str  # one of SHARE_TYPES
    principal_id: str
    share_tag_options: bool
    share_principals: bool


@dataclass(frozen=True)
class ObservedTagOption:
    id: str
    key: str
    value: str
    active: bool


@dataclass(frozen=True)
class ObservedPortfolio:
    id: str
    display_name: str
    provider_name: str
    description: str
    tag_option_ids: frozenset[str] = frozenset()
    principals: frozenset[tuple[str, str]] = frozenset()  # (type, ARN)
    constraints: tuple[ObservedConstraint, ...] = ()
    shares: tuple[ObservedShare, ...] = ()


@dataclass(frozen=True)
class PortfolioSummary:
    """A portfolio of this account, as ListPortfolios names it."""

    id: str
    display_name: str
    provider_name: str


@dataclass(frozen=True)
class ObservedCatalog:
    portfolio: ObservedPortfolio | None
    products: Mapping[str, ObservedProduct] = field(default_factory=dict)  # by name
    #: (ID, name) of the products in the portfolio that the manifest does not list.
    other_products: tuple[tuple[str, str], ...] = ()
    #: When no portfolio has the manifest's display name: the portfolios of this account that
    #: hold the manifest's existing products, if they are several (one is taken as renamed).
    portfolio_candidates: tuple[PortfolioSummary, ...] = ()
    tag_options: Mapping[tuple[str, str], ObservedTagOption] = field(default_factory=dict)
    stored_template_keys: frozenset[str] = frozenset()  # artifact bucket keys that exist
    #: GetAWSOrganizationsAccessStatus (ENABLED | UNDER_CHANGE | DISABLED), read only when the
    #: manifest shares with an organization or OU; None: not read.
    organizations_access: str | None = None


class OrganizationsAccessUnknown(Exception):
    """GetAWSOrganizationsAccessStatus was refused: the caller cannot share with organization
    nodes (not the management account or a delegated administrator)."""


def read_catalog(
    sc: Any,
    display_name: str,
    product_versions: Mapping[str, str],
    *,
    provider_name: str = "",
    organization_shares: bool = False,
) -> ObservedCatalog:
    """The portfolio named ``display_name`` (or, when none is, the one holding the manifest's
    products: see the module docstring), the products named in ``product_versions`` (product
    name -> the manifest's version), every TagOption and, with ``organization_shares``, whether
    sharing with organization nodes is enabled."""
    summary, listed = find_portfolio_and_list(sc, display_name)
    candidates: tuple[PortfolioSummary, ...] = ()
    if summary is not None:
        portfolio = read_portfolio(sc, summary)
        in_portfolio = portfolio_products(sc, portfolio.id)
        products = read_products(sc, product_versions, frozenset(in_portfolio))
    else:
        products = read_products(sc, product_versions, frozenset())
        candidates = portfolios_holding(sc, products.values(), listed)
        renamed = renamed_portfolio(candidates, provider_name)
        portfolio, in_portfolio = None, {}
        if renamed is not None:
            candidates = ()
            portfolio = read_portfolio(sc, listed[renamed.id])
            in_portfolio = portfolio_products(sc, portfolio.id)
            products = {
                name: replace(product, associated=product.id in in_portfolio)
                for name, product in products.items()
            }
    listed_ids = {product.id for product in products.values()}
    return ObservedCatalog(
        portfolio=portfolio,
        products=products,
        other_products=tuple(
            (product_id, name)
            for product_id, name in in_portfolio.items()
            if product_id not in listed_ids
        ),
        portfolio_candidates=candidates,
        tag_options=read_tag_options(sc),
        organizations_access=organizations_access(sc) if organization_shares else None,
    )


def portfolios_holding(
    sc: Any, products: Iterable[ObservedProduct], listed: Mapping[str, Mapping[str, Any]]
) -> tuple[PortfolioSummary, ...]:
    """This account's portfolios (``listed``: ListPortfolios by ID) holding any of ``products``,
    by display name: one ListPortfoliosForProduct per product."""
    holding: dict[str, PortfolioSummary] = {}
    for product in products:
        for detail in pages(
            sc.list_portfolios_for_product,
            "PortfolioDetails",
            ProductId=product.id,
            PageSize=100,
        ):
            if detail["Id"] in listed:
                holding[detail["Id"]] = _summary(listed[detail["Id"]])
    return tuple(sorted(holding.values(), key=lambda p: (p.display_name, p.id)))


def renamed_portfolio(
    candidates: tuple[PortfolioSummary, ...], provider_name: str
) -> PortfolioSummary | None:
    """The one candidate, or the one candidate of ``provider_name`` among several; None when
    there is none or no single one (the planner reports the candidates then)."""
    if len(candidates) == 1:
        return candidates[0]
    same_provider = [c for c in candidates if c.provider_name == provider_name]
    return same_provider[0] if len(same_provider) == 1 else None


def _summary(detail: Mapping[str, Any]) -> PortfolioSummary:
    return PortfolioSummary(
        id=detail["Id"],
        display_name=detail.get("DisplayName", ""),
        provider_name=detail.get("ProviderName", ""),
    )


#: What GetAWSOrganizationsAccessStatus answers a caller that is neither the management account
#: nor a delegated administrator (or an account outside an organization).
_NOT_AN_ORGANIZATION_ADMIN = frozenset(
    {"OperationNotSupportedException", "ResourceNotFoundException"}
)


def organizations_access(sc: Any) -> str:
    """ENABLED, UNDER_CHANGE or DISABLED; OrganizationsAccessUnknown when the caller may not ask
    (only the management account or a delegated administrator may, and share with nodes)."""
    try:
        return str(sc.get_aws_organizations_access_status().get("AccessStatus", "DISABLED"))
    except ClientError as error:
        details = error.response.get("Error", {})
        if details.get("Code") not in _NOT_AN_ORGANIZATION_ADMIN:
            raise  # throttling, 5xx, access denied...: the region fails with AWS's words
        raise OrganizationsAccessUnknown(
            f"{details.get('Code')}: {details.get('Message', '')}".rstrip(": ")
        ) from error


def pages(
    call: Callable[..., Mapping[str, Any]],
    items: str,
    next_token: str = "NextPageToken",
    **params: Any,
) -> Iterator[Any]:
    """Every item of a Service Catalog listing, following its page token."""
    while True:
        response = call(**params)
        yield from response.get(items, [])
        token = response.get(next_token)
        if not token:
            return
        params = {**params, "PageToken": token}


def find_portfolio_and_list(
    sc: Any, display_name: str
) -> tuple[Mapping[str, Any] | None, dict[str, Mapping[str, Any]]]:
    """The portfolio named ``display_name`` (reading no further page once found), and the
    portfolios read on the way, by ID (all of this account's when none has that name)."""
    listed: dict[str, Mapping[str, Any]] = {}
    for detail in pages(sc.list_portfolios, "PortfolioDetails", PageSize=100):
        listed[detail["Id"]] = detail
        if detail["DisplayName"] == display_name:
            return detail, listed
    return None, listed


def read_portfolio(sc: Any, summary: Mapping[str, Any]) -> ObservedPortfolio:
    portfolio_id = summary["Id"]
    described = sc.describe_portfolio(Id=portfolio_id)
    return ObservedPortfolio(
        id=portfolio_id,
        display_name=summary["DisplayName"],
        provider_name=summary.get("ProviderName", ""),
        description=summary.get("Description", ""),
        tag_option_ids=frozenset(option["Id"] for option in described.get("TagOptions", [])),
        principals=read_principals(sc, portfolio_id),
        constraints=read_constraints(sc, portfolio_id),
        shares=read_shares(sc, portfolio_id),
    )


def read_principals(sc: Any, portfolio_id: str) -> frozenset[tuple[str, str]]:
    listed = pages(
        sc.list_principals_for_portfolio, "Principals", PortfolioId=portfolio_id, PageSize=20
    )
    return frozenset((p["PrincipalType"], p["PrincipalARN"]) for p in listed)


def read_constraints(sc: Any, portfolio_id: str) -> tuple[ObservedConstraint, ...]:
    listed = pages(
        sc.list_constraints_for_portfolio,
        "ConstraintDetails",
        PortfolioId=portfolio_id,
        PageSize=20,
    )
    return tuple(
        ObservedConstraint(
            id=c["ConstraintId"],
            type=c["Type"],
            product_id=c.get("ProductId", ""),
            description=c.get("Description", ""),
        )
        for c in listed
    )


def read_shares(sc: Any, portfolio_id: str) -> tuple[ObservedShare, ...]:
    return tuple(
        ObservedShare(
            type=share["Type"],
            principal_id=share["PrincipalId"],
            share_tag_options=bool(share.get("ShareTagOptions")),
            share_principals=bool(share.get("SharePrincipals")),
        )
        for share_type in SHARE_TYPES
        for share in pages(
            sc.describe_portfolio_shares,
            "PortfolioShareDetails",
            PortfolioId=portfolio_id,
            Type=share_type,
            PageSize=100,
        )
    )


def portfolio_products(sc: Any, portfolio_id: str) -> dict[str, str]:
    """ID -> name of every product associated with the portfolio."""
    listed = pages(
        sc.search_products_as_admin, "ProductViewDetails", PortfolioId=portfolio_id, PageSize=20
    )
    return {
        detail["ProductViewSummary"]["ProductId"]: detail["ProductViewSummary"].get("Name", "")
        for detail in listed
    }


def read_products(
    sc: Any, product_versions: Mapping[str, str], associated: frozenset[str]
) -> dict[str, ObservedProduct]:
    """The products named in ``product_versions`` that this account created.

    One search per product (its name as full-text filter, then the exact name): the reads
    grow with the manifest, not with the account's catalog, and a same-named product of an
    imported portfolio (ProductSource other than ACCOUNT) is never taken for ours.
    """
    found: dict[str, ObservedProduct] = {}
    for name, version in product_versions.items():
        summary = find_product(sc, name)
        if summary is not None:
            found[name] = _product(sc, summary, summary["ProductId"] in associated, version)
    return found


def find_product(sc: Any, name: str) -> Mapping[str, Any] | None:
    """The first product of this account named exactly ``name``."""
    listed = pages(
        sc.search_products_as_admin,
        "ProductViewDetails",
        ProductSource="ACCOUNT",
        Filters={"FullTextSearch": [name]},
        PageSize=20,
    )
    for detail in listed:
        if detail["ProductViewSummary"]["Name"] == name:
            return detail["ProductViewSummary"]
    return None


def _product(
    sc: Any, summary: Mapping[str, Any], associated: bool, current_version: str
) -> ObservedProduct:
    product_id = summary["ProductId"]
    return ObservedProduct(
        id=product_id,
        name=summary["Name"],
        owner=summary.get("Owner", ""),
        description=summary.get("ShortDescription", ""),
        distributor=summary.get("Distributor", ""),
        support_email=summary.get("SupportEmail", ""),
        support_url=summary.get("SupportUrl", ""),
        support_description=summary.get("SupportDescription", ""),
        versions=read_versions(sc, product_id, current_version),
        associated=associated,
    )


def read_versions(sc: Any, product_id: str, current: str) -> tuple[ObservedVersion, ...]:
    """Every version of the product; the one named ``current`` also with its status and
    template URL (one DescribeProvisioningArtifact: only that version is published again)."""
    listed = sc.list_provisioning_artifacts(ProductId=product_id)
    versions = []
    for artifact in listed.get("ProvisioningArtifactDetails", []):
        version = ObservedVersion(
            id=artifact["Id"],
            name=artifact.get("Name", ""),
            active=artifact.get("Active", True),
            guidance=artifact.get("Guidance", "DEFAULT"),
        )
        if version.name == current:
            version = _described(sc, product_id, version)
        versions.append(version)
    return tuple(versions)


def _described(sc: Any, product_id: str, version: ObservedVersion) -> ObservedVersion:
    described = sc.describe_provisioning_artifact(
        ProductId=product_id, ProvisioningArtifactId=version.id
    )
    return replace(
        version,
        template_url=described.get("Info", {}).get("TemplateUrl", ""),
        status=described.get("Status", ""),
    )


def read_tag_options(sc: Any) -> dict[tuple[str, str], ObservedTagOption]:
    return {
        (option["Key"], option["Value"]): ObservedTagOption(
            id=option["Id"], key=option["Key"], value=option["Value"], active=option["Active"]
        )
        for option in pages(sc.list_tag_options, "TagOptionDetails", "PageToken", PageSize=20)
    }


def read_stored_keys(s3: Any, bucket: str, keys: Iterable[str]) -> frozenset[str]:
    """Which of ``keys`` already exist in ``bucket`` (HeadObject each)."""
    return frozenset(key for key in sorted(set(keys)) if _object_exists(s3, bucket, key))


def _object_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def bootstrap_output(cloudformation: Any, stack_name: str, output_key: str) -> str | None:
    """An output of the bootstrap stack, or None when the stack or output does not exist."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return None
        raise
    for output in stacks[0].get("Outputs", []) if stacks else []:
        if output["OutputKey"] == output_key:
            return output["OutputValue"]
    return None
