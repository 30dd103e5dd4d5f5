"""Reads what a region's Service Catalog holds now, as frozen data for the planner.

The portfolio and products are found by their identity tag (``portfolio.publish.identity``):
every portfolio of the account is described (its tags), and for each product of the manifest
every product of this account with its name (SearchProductsAsAdmin, ProductSource ACCOUNT, so
a same-named product of an imported portfolio is never a candidate) and every product in the
portfolio, each described for its tags. Versions are found by provisioning artifact name; the
manifest's own version of each product is also described, for its status and the template it
was created from.

Deployments made before the tag existed are found as the publisher found them then: the
portfolio by display name, else (the display name changed) the one portfolio of this account
holding the manifest's products (ListPortfoliosForProduct, one read per existing product; the
one of ``provider_name`` among several); products by name. What is found untagged is adopted:
the plan tags it. Whatever cannot be told apart is an ``identity_problem``: the region stops
before any change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError

from portfolio.publish.identity import Candidate, Choice, Wanted, WantedProduct, choose, tag_value

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
    tagged: bool = True  # False: found by name without the identity tag (the plan adopts it)


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
    tagged: bool = True  # False: found without the identity tag (the plan adopts it)


@dataclass(frozen=True)
class PortfolioSummary:
    """A portfolio of this account, as ListPortfolios names it."""

    id: str
    display_name: str
    provider_name: str


@dataclass(frozen=True)
class ObservedCatalog:
    portfolio: ObservedPortfolio | None
    #: By the manifest's product name (the product's own name may differ: renamed).
    products: Mapping[str, ObservedProduct] = field(default_factory=dict)
    #: (ID, name) of the products in the portfolio that the manifest does not list.
    other_products: tuple[tuple[str, str], ...] = ()
    #: Why the manifest's portfolio or a product cannot be told apart (IDs, the way out).
    identity_problems: tuple[str, ...] = ()
    tag_options: Mapping[tuple[str, str], ObservedTagOption] = field(default_factory=dict)
    stored_template_keys: frozenset[str] = frozenset()  # artifact bucket keys that exist
    #: GetAWSOrganizationsAccessStatus (ENABLED | UNDER_CHANGE | DISABLED), read only when the
    #: manifest shares with an organization or OU; None: not read.
    organizations_access: str | None = None


class OrganizationsAccessUnknown(Exception):
    """GetAWSOrganizationsAccessStatus was refused: the caller cannot share with organization
    nodes (not the management account or a delegated administrator)."""


def read_catalog(sc: Any, wanted: Wanted) -> ObservedCatalog:
    """The manifest's portfolio and products as the region holds them (see the module
    docstring), every TagOption and, when the manifest shares with organization nodes, whether
    sharing with them is enabled."""
    listed = list_portfolios(sc)
    named = {product.name: find_products(sc, product.name) for product in wanted.products}
    tags = ProductTags(sc)
    choice = _choose_portfolio(sc, wanted, listed, named, tags)
    portfolio: ObservedPortfolio | None = None
    in_portfolio: dict[str, Mapping[str, Any]] = {}
    if choice.chosen is not None:
        summary, described = listed[choice.chosen.id]
        portfolio = read_portfolio(sc, summary, described, tagged=not choice.adopt)
        in_portfolio = portfolio_products(sc, portfolio.id)
    products: dict[str, ObservedProduct] = {}
    problems = [choice.problem] if choice.problem else []
    for index, product in enumerate(wanted.products):
        found = _choose_product(product, named[product.name], in_portfolio, tags, index)
        if found.problem:
            problems.append(found.problem)
        elif found.chosen is not None:
            summary = tags.summaries[found.chosen.id]
            associated = found.chosen.id in in_portfolio
            products[product.name] = _product(
                sc, summary, associated, product.version, tagged=not found.adopt
            )
    listed_ids = {product.id for product in products.values()}
    return ObservedCatalog(
        portfolio=portfolio,
        products=products,
        other_products=tuple(
            (product_id, summary.get("Name", ""))
            for product_id, summary in in_portfolio.items()
            if product_id not in listed_ids
        ),
        identity_problems=tuple(problems),
        tag_options=read_tag_options(sc),
        organizations_access=organizations_access(sc) if wanted.organization_shares else None,
    )


class ProductTags:
    """Each product's summary (as SearchProductsAsAdmin gave it) and identity tag, described
    once (DescribeProductAsAdmin) however many times it is a candidate."""

    def __init__(self, sc: Any) -> None:
        self._sc = sc
        self.summaries: dict[str, Mapping[str, Any]] = {}
        self._identities: dict[str, str | None] = {}

    def candidate(self, summary: Mapping[str, Any]) -> Candidate:
        product_id = summary["ProductId"]
        self.summaries.setdefault(product_id, summary)
        if product_id not in self._identities:
            described = self._sc.describe_product_as_admin(Id=product_id)
            self._identities[product_id] = tag_value(described.get("Tags", []))
        return Candidate(product_id, summary.get("Name", ""), self._identities[product_id])


def _choose_portfolio(
    sc: Any,
    wanted: Wanted,
    listed: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]],
    named: Mapping[str, list[Mapping[str, Any]]],
    tags: ProductTags,
) -> Choice:
    """By identity tag, else by display name; else the one portfolio (untagged) holding the
    manifest's products, which was renamed."""
    candidates = [
        Candidate(pid, summary.get("DisplayName", ""), tag_value(described.get("Tags", [])))
        for pid, (summary, described) in listed.items()
    ]
    field = "portfolio.id"
    choice = choose("portfolio", wanted.display_name, wanted.identity, candidates, field)
    if choice.chosen is not None or choice.problem:
        return choice
    existing = [tags.candidate(summary) for found in named.values() for summary in found]
    if not wanted.identity_set and (foreign := _foreign_portfolios(wanted, existing)):
        return Choice(problem=_renamed_without_id(wanted, foreign))
    untagged = {c.id: listed[c.id][0] for c in candidates if c.identity is None}
    holding = portfolios_holding(sc, [c.id for c in existing if c.identity is None], untagged)
    renamed = renamed_portfolio(holding, wanted.provider_name)
    if renamed is not None:
        return Choice(chosen=Candidate(renamed.id, renamed.display_name, None), adopt=True)
    if not holding:
        return Choice()
    listing = ", ".join(f"{c.display_name!r} ({c.id})" for c in holding)
    return Choice(
        problem=f"portfolio.display_name: no portfolio is named {wanted.display_name!r} or "
        f"carries the tag of portfolio.id {wanted.identity!r}, and the manifest's products are "
        f"in several portfolios: {listing}; run `portfolio adopt ID` with the one to publish to"
    )


def _foreign_portfolios(wanted: Wanted, existing: list[Candidate]) -> list[str]:
    """The portfolio identities that the manifest's products (found by name) carry, when
    they are another portfolio's: the products of the same names of another manifest, or
    this manifest's own after ``display_name`` changed (and with it the derived identity)."""
    prefixes = {c.identity.split("/")[0] for c in existing if c.identity and "/" in c.identity}
    return sorted(prefixes - {wanted.identity})


def _renamed_without_id(wanted: Wanted, foreign: list[str]) -> str:
    listed = ", ".join(repr(identity) for identity in foreign)
    return (
        f"portfolio.id: no portfolio carries the identity {wanted.identity!r} (made from "
        f"display_name {wanted.display_name!r}), and products with the manifest's names belong "
        f"to portfolio.id {listed}: if display_name changed, set portfolio.id: {foreign[0]} to "
        "keep publishing to that portfolio (renaming it); if they are another manifest's, set "
        "portfolio.id to this manifest's own identity"
    )


def _choose_product(
    product: WantedProduct,
    named: list[Mapping[str, Any]],
    in_portfolio: Mapping[str, Mapping[str, Any]],
    tags: ProductTags,
    index: int,
) -> Choice:
    candidates = [tags.candidate(summary) for summary in [*named, *in_portfolio.values()]]
    field = f"products[{index}].id"
    return choose("product", product.name, product.identity, candidates, field)


def list_portfolios(sc: Any) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Every portfolio of this account by ID: (ListPortfolios' detail, DescribePortfolio's
    answer, for its tags and TagOptions)."""
    return {
        detail["Id"]: (detail, sc.describe_portfolio(Id=detail["Id"]))
        for detail in pages(sc.list_portfolios, "PortfolioDetails", PageSize=100)
    }


def portfolios_holding(
    sc: Any, product_ids: Iterable[str], listed: Mapping[str, Mapping[str, Any]]
) -> tuple[PortfolioSummary, ...]:
    """The portfolios among ``listed`` (ListPortfolios' details by ID) holding any of the
    products, by display name: one ListPortfoliosForProduct per product."""
    holding: dict[str, PortfolioSummary] = {}
    for product_id in product_ids:
        for detail in pages(
            sc.list_portfolios_for_product,
            "PortfolioDetails",
            ProductId=product_id,
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


def read_portfolio(
    sc: Any, summary: Mapping[str, Any], described: Mapping[str, Any], *, tagged: bool = True
) -> ObservedPortfolio:
    """The portfolio (``described``: its DescribePortfolio answer) with its principals,
    constraints and shares."""
    portfolio_id = summary["Id"]
    return ObservedPortfolio(
        id=portfolio_id,
        display_name=summary["DisplayName"],
        provider_name=summary.get("ProviderName", ""),
        description=summary.get("Description", ""),
        tag_option_ids=frozenset(option["Id"] for option in described.get("TagOptions", [])),
        principals=read_principals(sc, portfolio_id),
        constraints=read_constraints(sc, portfolio_id),
        shares=read_shares(sc, portfolio_id),
        tagged=tagged,
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


def share_flags_now(sc: Any, params: Mapping[str, Any]) -> dict[str, bool] | None:
    """The flags of the share a share request (PortfolioId plus AccountId or OrganizationNode)
    names, as DescribePortfolioShares lists it; None when it is not listed."""
    if "AccountId" in params:
        share_type, recipient = "ACCOUNT", params["AccountId"]
    else:
        node = params["OrganizationNode"]
        share_type = "ORGANIZATION_MEMBER_ACCOUNT" if node["Type"] == "ACCOUNT" else node["Type"]
        recipient = node["Value"]
    listed = pages(
        sc.describe_portfolio_shares,
        "PortfolioShareDetails",
        PortfolioId=params["PortfolioId"],
        Type=share_type,
        PageSize=100,
    )
    for share in listed:
        if share.get("PrincipalId") == recipient:
            return {
                "ShareTagOptions": bool(share.get("ShareTagOptions")),
                "SharePrincipals": bool(share.get("SharePrincipals")),
            }
    return None


def portfolio_products(sc: Any, portfolio_id: str) -> dict[str, Mapping[str, Any]]:
    """ID -> ProductViewSummary of every product associated with the portfolio."""
    listed = pages(
        sc.search_products_as_admin, "ProductViewDetails", PortfolioId=portfolio_id, PageSize=20
    )
    return {
        detail["ProductViewSummary"]["ProductId"]: detail["ProductViewSummary"] for detail in listed
    }


def find_products(sc: Any, name: str) -> list[Mapping[str, Any]]:
    """Every product of this account named exactly ``name`` (its name as full-text filter,
    then the exact name): the reads grow with the manifest, not with the account's catalog."""
    listed = pages(
        sc.search_products_as_admin,
        "ProductViewDetails",
        ProductSource="ACCOUNT",
        Filters={"FullTextSearch": [name]},
        PageSize=20,
    )
    return [
        detail["ProductViewSummary"]
        for detail in listed
        if detail["ProductViewSummary"]["Name"] == name
    ]


def _product(
    sc: Any, summary: Mapping[str, Any], associated: bool, current_version: str, *, tagged: bool
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
        tagged=tagged,
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
