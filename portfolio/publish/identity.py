"""Which portfolio and products are the manifest's: the identity tag, not the name. Pure.

Service Catalog lets any number of portfolios or products share a name, so a name cannot say
which one a manifest owns. Everything the publisher creates carries the tag
``signed-urls-portfolio:id`` (``names.IDENTITY_TAG_KEY``): the portfolio's value is the
manifest's ``portfolio.id``, each product's ``<portfolio.id>/<product id>``. Observation
(``portfolio.publish.observed``) collects candidates (every portfolio of the account; each
product with the manifest's name, and each product in the portfolio) with their tags, and
``choose`` decides:

- exactly one candidate carries the identity, and nothing untagged has the manifest's name:
  it is the one;
- none carries it, and exactly one untagged candidate has the manifest's name: it is adopted
  (the plan tags it), which is how deployments made before the tag existed carry on;
- several carry it, or one carries it while another has the name without the tag (a
  duplicate left by two publishes at once), or several untagged ones have the name: the
  region stops before any change, listing the IDs and the way out (delete or rename the
  extra, or ``portfolio adopt ID`` to say which one is the manifest's);
- none at all: the plan creates it, tagged.

A candidate tagged with another identity belongs to another manifest and is never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from portfolio.manifest.model import Manifest, Product
from portfolio.names import IDENTITY_TAG_KEY


@dataclass(frozen=True)
class WantedProduct:
    name: str
    version: str  # the manifest's version (read in detail: status, template)
    identity: str  # the value of its identity tag


@dataclass(frozen=True)
class Wanted:
    """What observation looks for in a region."""

    identity: str  # the portfolio's identity tag value
    display_name: str
    identity_set: bool = True  # False: derived from display_name (portfolio.id not set)
    provider_name: str = ""
    products: tuple[WantedProduct, ...] = ()
    organization_shares: bool = False  # read whether sharing with organization nodes is on


def product_identity(manifest: Manifest, product: Product) -> str:
    return f"{manifest.portfolio.identity}/{product.identity}"


def wanted_of(manifest: Manifest) -> Wanted:
    shares = manifest.shares
    return Wanted(
        identity=manifest.portfolio.identity,
        display_name=manifest.portfolio.display_name,
        identity_set=manifest.portfolio.id is not None,
        provider_name=manifest.portfolio.provider_name,
        products=tuple(
            WantedProduct(p.name, p.version, product_identity(manifest, p))
            for p in manifest.products
        ),
        organization_shares=bool(shares.organizational_units or shares.organization),
    )


def identity_tags(value: str) -> list[dict[str, str]]:
    """The Tags / AddTags member that marks a resource as the manifest's."""
    return [{"Key": IDENTITY_TAG_KEY, "Value": value}]


def tag_value(tags: Sequence[dict[str, str]]) -> str | None:
    """The identity tag's value in a Tags list, None when absent."""
    return next((tag["Value"] for tag in tags if tag.get("Key") == IDENTITY_TAG_KEY), None)


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    identity: str | None  # the identity tag's value; None: untagged


@dataclass(frozen=True)
class Choice:
    chosen: Candidate | None = None
    adopt: bool = False  # the chosen one has no identity tag yet: the plan adds it
    problem: str = ""  # why the region stops (the IDs and the way out)


Kind = Literal["portfolio", "product"]


def choose(
    kind: Kind, name: str, identity: str, candidates: Sequence[Candidate], field: str
) -> Choice:
    """Which candidate is the manifest's ``kind`` named ``name`` with ``identity`` (see the
    module docstring); ``field`` names the manifest field in a problem."""
    mine = _unique([c for c in candidates if c.identity == identity])
    named = _unique([c for c in candidates if c.identity is None and c.name == name])
    tag = f"{IDENTITY_TAG_KEY}={identity}"
    if len(mine) > 1:
        return Choice(
            problem=f"{field}: {len(mine)} {kind}s carry the tag {tag}: {_listed(mine)}; keep "
            f"one: delete the others (or remove their tag), or run `portfolio adopt ID` to keep "
            "ID and untag the others"
        )
    if mine and named:
        return Choice(
            problem=f"{field}: {kind} {mine[0].id} carries the tag {tag}, and {_listed(named)} "
            f"{'has' if len(named) == 1 else 'have'} its name {name!r} without it (a duplicate "
            "left by publishes that ran at once?): delete or rename the extra; if one of them "
            "is the right one, `portfolio adopt ID` it and delete the other"
        )
    if mine:
        return Choice(chosen=mine[0])
    if len(named) == 1:
        return Choice(chosen=named[0], adopt=True)
    if named:
        return Choice(
            problem=f"{field}: no {kind} carries the tag {tag}, and {len(named)} untagged "
            f"{kind}s are named {name!r}: {_listed(named)}; run `portfolio adopt ID` with the "
            "one to publish to, and delete the others"
        )
    return Choice()


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    return list({c.id: c for c in candidates}.values())


def _listed(candidates: Sequence[Candidate]) -> str:
    return ", ".join(f"{c.id} ({c.name!r})" for c in sorted(candidates, key=lambda c: c.id))
