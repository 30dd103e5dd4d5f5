"""The resources of the local Service Catalog, and how each appears in a response.

Plain dataclasses, as in moto's ``models.py``: the backend (``portfolio.local_aws.backend``)
creates and changes them; ``detail()`` and friends give the response documents.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from portfolio.local_aws import settings


def new_id(prefix: str) -> str:
    """A resource id as AWS makes them: ``prefix`` and 13 lowercase letters or digits."""
    alphabet = string.ascii_lowercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(13))


def _settle_deadline() -> float:
    """When a share operation started now completes even if nobody polls it."""
    return settings.clock() + settings.SHARE_SETTLE_SECONDS


def utc_now() -> datetime:
    return datetime.now(UTC)


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    """A response document without the members that have no value (AWS omits them)."""
    return {key: value for key, value in values.items() if value is not None}


@dataclass
class PortfolioShare:
    """A share of a portfolio with an account or organization node."""

    type: str
    principal_id: str
    share_tag_options: bool
    share_principals: bool
    accepted: bool
    last_token: str | None = None

    def detail(self) -> dict[str, Any]:
        return {
            "PrincipalId": self.principal_id,
            "Type": self.type,
            "Accepted": self.accepted,
            "ShareTagOptions": self.share_tag_options,
            "SharePrincipals": self.share_principals,
        }


@dataclass
class ShareOperation:
    """A create/update/delete of a share, tracked by its PortfolioShareToken: asynchronous for
    an organization node, done at once for an account share (``account_share``)."""

    token: str
    portfolio_id: str
    node_value: str
    successful_shares: list[str]
    account_share: bool = False
    pending_describes: int = field(default_factory=lambda: settings.PENDING_DESCRIBES)
    settles_at: float = field(default_factory=_settle_deadline)

    def __post_init__(self) -> None:
        if self.account_share:
            self.complete()

    @property
    def in_progress(self) -> bool:
        return self.pending_describes > 0 and settings.clock() < self.settles_at

    def complete(self) -> None:
        self.pending_describes = 0

    def observe(self) -> str:
        """The status this poll reports; each poll brings the operation closer to COMPLETED."""
        if self.in_progress:
            self.pending_describes -= 1
            return "IN_PROGRESS"
        return "COMPLETED"


@dataclass
class Portfolio:
    id: str
    arn: str
    display_name: str
    provider_name: str
    description: str | None
    created_time: datetime
    tags: dict[str, str]
    product_ids: list[str] = field(default_factory=list)
    principals: dict[str, str] = field(default_factory=dict)
    shares: dict[tuple[str, str], PortfolioShare] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        return without_none(
            {
                "Id": self.id,
                "ARN": self.arn,
                "DisplayName": self.display_name,
                "Description": self.description,
                "CreatedTime": self.created_time,
                "ProviderName": self.provider_name,
            }
        )

    def resource_detail(self) -> dict[str, Any]:
        return without_none(
            {
                "Id": self.id,
                "ARN": self.arn,
                "Name": self.display_name,
                "Description": self.description,
                "CreatedTime": self.created_time,
            }
        )


@dataclass
class ProvisioningArtifact:
    """A version of a product."""

    id: str
    name: str | None
    description: str | None
    type: str
    created_time: datetime
    info: dict[str, str]
    template: dict[str, Any] | None
    active: bool = True
    guidance: str = "DEFAULT"
    pending_describes: int = field(default_factory=lambda: settings.PENDING_DESCRIBES)
    failed: bool = False  # set by tests: the artifact's creation failed

    def detail(self) -> dict[str, Any]:
        return without_none(
            {
                "Id": self.id,
                "Name": self.name,
                "Description": self.description,
                "Type": self.type,
                "CreatedTime": self.created_time,
                "Active": self.active,
                "Guidance": self.guidance,
            }
        )

    def summary(self) -> dict[str, Any]:
        return without_none(
            {
                "Id": self.id,
                "Name": self.name,
                "Description": self.description,
                "CreatedTime": self.created_time,
            }
        )

    def public_info(self) -> dict[str, str]:
        """Info as the service reports it: where the stored template lives."""
        if "LoadTemplateFromURL" in self.info:
            return {"TemplateUrl": self.info["LoadTemplateFromURL"]}
        return dict(self.info)

    @property
    def status(self) -> str:
        if self.pending_describes > 0:
            return "CREATING"
        return "FAILED" if self.failed else "AVAILABLE"

    def observe(self) -> str:
        """The status this poll reports; each poll brings the artifact closer to AVAILABLE (or
        FAILED)."""
        status = self.status
        if self.pending_describes > 0:
            self.pending_describes -= 1
        return status


@dataclass
class Product:
    id: str
    view_id: str
    arn: str
    name: str
    owner: str
    product_type: str
    created_time: datetime
    description: str | None
    distributor: str | None
    support_description: str | None
    support_email: str | None
    support_url: str | None
    source_connection: dict[str, Any] | None
    tags: dict[str, str]
    artifacts: dict[str, ProvisioningArtifact] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return without_none(
            {
                "Id": self.view_id,
                "ProductId": self.id,
                "Name": self.name,
                "Owner": self.owner,
                "ShortDescription": self.description,
                "Type": self.product_type,
                "Distributor": self.distributor,
                "HasDefaultPath": False,
                "SupportEmail": self.support_email,
                "SupportDescription": self.support_description,
                "SupportUrl": self.support_url,
            }
        )

    def view_detail(self) -> dict[str, Any]:
        return without_none(
            {
                "ProductViewSummary": self.summary(),
                "Status": "AVAILABLE",
                "ProductARN": self.arn,
                "CreatedTime": self.created_time,
                "SourceConnection": self.source_connection,
            }
        )

    def resource_detail(self) -> dict[str, Any]:
        return without_none(
            {
                "Id": self.id,
                "ARN": self.arn,
                "Name": self.name,
                "Description": self.description,
                "CreatedTime": self.created_time,
            }
        )

    def search_text(self) -> str:
        fields = (self.name, self.owner, self.description, self.distributor)
        return " ".join(value for value in fields if value).casefold()


@dataclass
class Constraint:
    id: str
    type: str
    portfolio_id: str
    product_id: str
    parameters: str
    description: str | None
    owner: str

    def detail(self) -> dict[str, Any]:
        return without_none(
            {
                "ConstraintId": self.id,
                "Type": self.type,
                "Description": self.description,
                "Owner": self.owner,
                "ProductId": self.product_id,
                "PortfolioId": self.portfolio_id,
            }
        )

    def response(self) -> dict[str, Any]:
        return {
            "ConstraintDetail": self.detail(),
            "ConstraintParameters": self.parameters,
            "Status": "AVAILABLE",
        }


@dataclass
class TagOption:
    id: str
    key: str
    value: str
    active: bool
    owner: str

    def detail(self) -> dict[str, Any]:
        return {
            "Key": self.key,
            "Value": self.value,
            "Active": self.active,
            "Id": self.id,
            "Owner": self.owner,
        }
