"""A publish plan as pure data: what would change in each region, and what would not.

A ``Step`` is one Service Catalog or S3 call: its boto3 method and parameters, plus what a
person reads in ``portfolio plan``. Parameters that name something this same plan creates
(a new portfolio's ID, say) hold a ``StepRef`` that ``portfolio.publish.apply`` resolves from
an earlier step's ``StepOutput``. Nothing here talks to AWS, so plans are compared in plain
unit tests. Treat the ``params`` mappings as read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from portfolio.manifest.model import Manifest, Product
    from portfolio.publish.observed import ObservedCatalog


class Action(StrEnum):
    UPLOAD = "upload"
    CREATE = "create"
    UPDATE = "update"
    DEPRECATE = "deprecate"
    ASSOCIATE = "associate"
    DISASSOCIATE = "disassociate"
    DELETE = "delete"
    SHARE = "share"
    UNSHARE = "unshare"


class Subject(StrEnum):
    TEMPLATE = "template"
    PORTFOLIO = "portfolio"
    TAG_OPTION = "tag option"
    PRINCIPAL = "principal"
    PRODUCT = "product"
    VERSION = "version"
    CONSTRAINT = "constraint"
    SHARE = "share"


@dataclass(frozen=True)
class StepRef:
    """The ID of something an earlier step of the same plan creates."""

    kind: Literal["portfolio", "product", "tag-option", "version"]
    name: str

    def __str__(self) -> str:
        return f"<{self.kind} {self.name}>"


@dataclass(frozen=True)
class StepOutput:
    """Where in a step's response the ID for ``ref`` is."""

    ref: StepRef
    path: tuple[str, ...]


@dataclass(frozen=True)
class TemplateFile:
    """An upload body: the local template, checked against its sha256 before it is sent."""

    path: str
    sha256: str


#: What a step waits for after its call: a new version to leave CREATING, a share to finish.
WaitKind = Literal["artifact", "share"]


@dataclass(frozen=True)
class Step:
    action: Action
    subject: Subject
    name: str  # what the step is about, for people: 'Signed URLs - Bucket 1.1.0'
    service: Literal["servicecatalog", "s3"]
    operation: str  # the boto3 client method
    params: Mapping[str, Any]
    outputs: tuple[StepOutput, ...] = ()
    wait: WaitKind | None = None
    detail: str = ""  # why, when not obvious: 'owner, description changed'

    @property
    def label(self) -> str:
        """'create product X (with version 1.0.0)'; 'share account 1234...' (no 'share share')."""
        detail = f" ({self.detail})" if self.detail else ""
        subject = "" if self.action in (Action.SHARE, Action.UNSHARE) else f" {self.subject}"
        return f"{self.action}{subject} {self.name}{detail}"


@dataclass(frozen=True)
class Unchanged:
    subject: Subject
    name: str
    detail: str = ""

    @property
    def label(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.subject} {self.name}{detail}"


#: What each ``plan_*`` function yields: a call to make, or something already as it should be.
PlanItem = Step | Unchanged
#: The ID of a portfolio or product: known when it exists, else the step creating it.
PortfolioId = str | StepRef
ProductId = str | StepRef


def portfolio_id(manifest: Manifest, observed: ObservedCatalog) -> PortfolioId:
    if observed.portfolio is not None:
        return observed.portfolio.id
    return StepRef("portfolio", manifest.portfolio.display_name)


def product_id(product: Product, observed: ObservedCatalog) -> ProductId:
    current = observed.products.get(product.name)
    return current.id if current is not None else StepRef("product", product.name)


def catalog_step(
    action: Action, subject: Subject, name: str, operation: str, **params: Any
) -> Step:
    """A Service Catalog call that waits for nothing and names nothing it creates."""
    return Step(action, subject, name, "servicecatalog", operation, params)


def version_ref(product: Product) -> StepRef:
    """The ID of the manifest's version of ``product``, when this plan creates it."""
    return StepRef("version", f"{product.name} {product.version}")


@dataclass(frozen=True)
class PlannedProduct:
    """A product of the manifest and its current version, by ID (a StepRef until created)."""

    name: str
    id: ProductId
    version: str
    version_id: str | StepRef


@dataclass(frozen=True)
class RegionPlan:
    region: str
    portfolio: str
    steps: tuple[Step, ...]
    unchanged: tuple[Unchanged, ...]
    #: The IDs recipients need (reported after publishing): the portfolio's and each product's
    #: and its current version's, known or to be created by a step of this plan.
    portfolio_id: PortfolioId | None = None
    products: tuple[PlannedProduct, ...] = ()

    @property
    def has_changes(self) -> bool:
        return bool(self.steps)


def count_by_action(steps: tuple[Step, ...]) -> dict[str, int]:
    """``{"create": 3, ...}`` in Action order, only actions that occur."""
    return {
        str(action): sum(1 for s in steps if s.action is action)
        for action in Action
        if any(s.action is action for s in steps)
    }
