"""The portfolio manifest as a typed model: these dataclasses ARE the schema.

Each field's type hint says what YAML value it takes and its ``FieldRule`` (in the field
metadata) declares what else must hold and what it means. ``loading`` reads the hints to turn
YAML into these objects, ``validation`` checks the rules (and the rules across fields), and
``reference`` renders the same rules as the field table in docs/publishing.md. There is no
second schema to keep in sync.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from portfolio.manifest.semver import SEMVER_PATTERN
from portfolio.names import IDENTITY, REGION, REGION_PLACEHOLDER

# --- limits on the manifest file itself (portfolio.manifest.loading), before any field rule --
#: The file: a portfolio of 150 products with long descriptions is about 200 KB.
MAX_MANIFEST_BYTES = 1_048_576
#: Nesting levels (the shipped manifest uses 9; a TEMPLATE rule's conditions add a few each).
MAX_NESTING = 32
#: Values (scalars, lists, mappings) once YAML aliases are expanded.
MAX_VALUES = 100_000
#: Characters in any string or key (the longest field, a version description, allows 8192).
MAX_STRING_LENGTH = 8192

#: Service Catalog keeps at most this many provisioning artifacts (versions) per product.
MAX_VERSIONS_PER_PRODUCT = 100
#: AssociatePrincipalWithPortfolio: at most 10 principals of type IAM_PATTERN per portfolio
#: (of the 100 principals a portfolio may have).
MAX_IAM_PATTERN_PRINCIPALS = 10

_PARTITION = r"aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?"
_IAM_NAME = r"[\w+=,.@-]{1,64}"
_IAM_PATH = r"(?:[\w+=,.@-]+/)*"
ACCOUNT_ID = r"\d{12}"
OU_ID = r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
ORGANIZATION_ID = r"o-[a-z0-9]{10,32}"
ROLE_NAME = _IAM_NAME
_PLACEHOLDER = re.escape(REGION_PLACEHOLDER)
LOCAL_ROLE_NAME = rf"(?:[\w+=,.@-]|{_PLACEHOLDER}){{1,64}}"
ROLE_ARN = rf"arn:{_PARTITION}:iam::{ACCOUNT_ID}:role/{_IAM_PATH}{_IAM_NAME}"
PRINCIPAL_ARN = rf"arn:{_PARTITION}:iam::(?:{ACCOUNT_ID})?:(?:role|user|group)/[\w+=,.@*?/-]+"
SNS_TOPIC_ARN = (
    rf"arn:{_PARTITION}:sns:(?:[a-z0-9-]+|{_PLACEHOLDER}):{ACCOUNT_ID}:[\w-]{{1,256}}(?:\.fifo)?"
)
#: Where a topic ARN names its region: arn:PARTITION:sns:REGION:ACCOUNT:NAME.
SNS_TOPIC_REGION_FIELD = 3
#: Service Catalog allows letters, digits, space separators (\p{Z}) and _ . : / = + - @; a
#: tab or line break is not a space separator, so only the plain space is accepted here.
TAG_TEXT = r"[\w .:/=+\-@]+"
TAG_TEXT_MEANS = "letters, digits, spaces and _ . : / = + - @"
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
URL = r"https?://\S+"
#: What people read in the console: a name or owner is one line; a description may span lines.
#: Either way not blank, and without control characters or bidirectional overrides (text that
#: displays differently from what it is).
TextKind = Literal["line", "prose"]


def derived_identity(name: str) -> str:
    """An identity made from a name: lowercase letters, digits and hyphens ('Signed URLs' ->
    'signed-urls'), at most 64 characters (a longer one keeps 55 and a hash of the name)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"id-{digest}"
    return slug if len(slug) <= 64 else f"{slug[:55].rstrip('-')}-{digest}"


@dataclass(frozen=True)
class FieldRule:
    """What a field means (for the docs) and what its value must satisfy beyond its type."""

    doc: str
    pattern: str | None = None  # full match, for a string or each string item of a list
    # (an optional string field that may stay empty says so in its pattern: "(?:...)?")
    means: str = ""  # what the pattern accepts, in words ("a 12-digit account ID")
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False  # list items must be distinct
    text: TextKind | None = None  # people read it: see TextKind
    region: bool = False  # a region botocore knows (see portfolio.regions)


def rule(doc: str, **checks: Any) -> dict[str, FieldRule]:
    """Field metadata carrying the field's rule (``field(metadata=rule(...))``)."""
    return {"rule": FieldRule(doc, **checks)}


_IDENTITY_MEANS = "lowercase letters, digits and hyphens"


@dataclass(frozen=True)
class PortfolioInfo:
    display_name: str = field(
        metadata=rule("Portfolio name in the console.", min_length=1, max_length=100, text="line")
    )
    provider_name: str = field(
        metadata=rule("Who provides the portfolio.", min_length=1, max_length=50, text="line")
    )
    description: str = field(
        default="", metadata=rule("Portfolio description.", max_length=2000, text="prose")
    )
    id: str | None = field(
        default=None,
        metadata=rule(
            "Identifies the portfolio: the publisher tags what it creates with it "
            "(`signed-urls-portfolio:id`) and finds it by that tag, so `display_name` may "
            "change. Default: made from `display_name` ('Signed URLs' -> `signed-urls`); set it "
            "before renaming the portfolio.",
            pattern=IDENTITY,
            means=_IDENTITY_MEANS,
            max_length=64,
        ),
    )

    @property
    def identity(self) -> str:
        return self.id if self.id is not None else derived_identity(self.display_name)


@dataclass(frozen=True)
class TagOption:
    key: str = field(
        metadata=rule("TagOption key.", pattern=TAG_TEXT, means=TAG_TEXT_MEANS, max_length=128)
    )
    value: str = field(
        metadata=rule("TagOption value.", pattern=TAG_TEXT, means=TAG_TEXT_MEANS, max_length=256)
    )


@dataclass(frozen=True)
class Principal:
    type: Literal["IAM", "IAM_PATTERN"] = field(
        metadata=rule("`IAM` (one ARN) or `IAM_PATTERN` (wildcards, no account ID).")
    )
    arn: str = field(
        metadata=rule(
            "IAM role/user/group ARN; for IAM_PATTERN e.g. `arn:aws:iam:::role/app-*`.",
            pattern=PRINCIPAL_ARN,
            means="an IAM role, user or group ARN",
        )
    )


@dataclass(frozen=True)
class LaunchConstraint:
    role_arn: str | None = field(
        default=None,
        metadata=rule(
            "Role CloudFormation uses to launch the product.", pattern=ROLE_ARN, means="a role ARN"
        ),
    )
    local_role_name: str | None = field(
        default=None,
        metadata=rule(
            "Role name resolved in each launching account (set this or role_arn); "
            "`{region}` stands for the region being published.",
            pattern=LOCAL_ROLE_NAME,
            means="an IAM role name, optionally with {region}",
        ),
    )

    def role_name_in(self, region: str) -> str | None:
        """The local role name as launching accounts resolve it in ``region``."""
        if self.local_role_name is None:
            return None
        return self.local_role_name.replace(REGION_PLACEHOLDER, region)


@dataclass(frozen=True)
class TemplateConstraint:
    rules: dict[str, Any] = field(
        metadata=rule(
            "CloudFormation template rules: name -> {RuleCondition, Assertions: [{Assert, "
            "AssertDescription}]}."
        )
    )


@dataclass(frozen=True)
class NotificationConstraint:
    topic_arns: tuple[str, ...] = field(
        metadata=rule(
            "SNS topics told about stack events; `{region}` in place of the ARN's region stands "
            "for the region being published (a topic only hears about stacks in its own region, "
            "so an ARN without it allows a single region in `regions`).",
            pattern=SNS_TOPIC_ARN,
            means="an SNS topic ARN, optionally with {region}",
            min_items=1,
            unique=True,
        )
    )

    def topic_arns_in(self, region: str) -> list[str]:
        """The topic ARNs as they are in ``region``."""
        return [arn.replace(REGION_PLACEHOLDER, region) for arn in self.topic_arns]


@dataclass(frozen=True)
class ResourceUpdateConstraint:
    tag_updates_allowed: bool = field(
        metadata=rule("Whether users may change tags of provisioned products.")
    )


@dataclass(frozen=True)
class StackSetConstraint:
    accounts: tuple[str, ...] = field(
        metadata=rule(
            "Accounts the stack set deploys to.",
            pattern=ACCOUNT_ID,
            means="a 12-digit account ID",
            min_items=1,
            unique=True,
        )
    )
    regions: tuple[str, ...] = field(
        metadata=rule(
            "Regions the stack set deploys to.",
            pattern=REGION,
            means="a region name",
            region=True,
            min_items=1,
            unique=True,
        )
    )
    admin_role_arn: str = field(
        metadata=rule("Stack set administration role.", pattern=ROLE_ARN, means="a role ARN")
    )
    execution_role_name: str = field(
        metadata=rule(
            "Stack set execution role name in target accounts.",
            pattern=ROLE_NAME,
            means="an IAM role name",
        )
    )


@dataclass(frozen=True)
class Constraints:
    launch: LaunchConstraint | None = field(
        default=None, metadata=rule("LAUNCH constraint (not with stackset).")
    )
    template: TemplateConstraint | None = field(default=None, metadata=rule("TEMPLATE constraint."))
    notification: NotificationConstraint | None = field(
        default=None, metadata=rule("NOTIFICATION constraint.")
    )
    resource_update: ResourceUpdateConstraint | None = field(
        default=None, metadata=rule("RESOURCE_UPDATE constraint.")
    )
    stackset: StackSetConstraint | None = field(
        default=None, metadata=rule("STACKSET constraint (not with launch).")
    )


@dataclass(frozen=True)
class Product:
    name: str = field(
        metadata=rule("Product name (unique).", min_length=1, max_length=8191, text="line")
    )
    description: str = field(
        metadata=rule("Product description.", min_length=1, max_length=8191, text="prose")
    )
    owner: str = field(metadata=rule("Product owner.", min_length=1, max_length=8191, text="line"))
    template: str = field(
        metadata=rule(
            "Template file, relative to the manifest's directory.", min_length=1, max_length=4096
        )
    )
    version: str = field(
        metadata=rule(
            "Semantic version of the template; bump it when the template changes.",
            pattern=SEMVER_PATTERN,
            means="a semantic version such as 1.2.0",
        )
    )
    version_description: str = field(
        default="",
        metadata=rule("What changed in this version.", max_length=8192, text="prose"),
    )
    distributor: str = field(
        default="", metadata=rule("Distributor.", max_length=8191, text="line")
    )
    support_email: str = field(
        default="",
        metadata=rule("Support email.", pattern=f"(?:{EMAIL})?", means="an email address"),
    )
    support_url: str = field(
        default="",
        metadata=rule(
            "Support URL.", pattern=f"(?:{URL})?", means="an http(s) URL", max_length=2083
        ),
    )
    support_description: str = field(
        default="", metadata=rule("How to get support.", max_length=8191, text="prose")
    )
    constraints: Constraints = field(
        default_factory=Constraints, metadata=rule("Constraints on this product.")
    )
    id: str | None = field(
        default=None,
        metadata=rule(
            "Identifies the product within the portfolio (its tag is `PORTFOLIO-ID/PRODUCT-ID`), "
            "so `name` may change. Default: made from `name`; set it before renaming the product.",
            pattern=IDENTITY,
            means=_IDENTITY_MEANS,
            max_length=64,
        ),
    )

    @property
    def identity(self) -> str:
        return self.id if self.id is not None else derived_identity(self.name)


@dataclass(frozen=True)
class Shares:
    accounts: tuple[str, ...] = field(
        default=(),
        metadata=rule(
            "Accounts to share with.",
            pattern=ACCOUNT_ID,
            means="a 12-digit account ID",
            unique=True,
        ),
    )
    organizational_units: tuple[str, ...] = field(
        default=(),
        metadata=rule(
            "Organizational units to share with.",
            pattern=OU_ID,
            means="an OU ID (ou-xxxx-xxxxxxxx)",
            unique=True,
        ),
    )
    organization: str | None = field(
        default=None,
        metadata=rule(
            "Organization to share with.", pattern=ORGANIZATION_ID, means="an organization ID"
        ),
    )
    share_principals: bool = field(
        default=False,
        metadata=rule("Share principal associations (organization and OU shares only)."),
    )
    share_tag_options: bool = field(default=False, metadata=rule("Share TagOptions."))


@dataclass(frozen=True)
class Manifest:
    portfolio: PortfolioInfo = field(metadata=rule("The portfolio itself."))
    regions: tuple[str, ...] = field(
        metadata=rule(
            "Regions to publish to (concurrently) when neither `--region`, `AWS_REGION`, "
            "`AWS_DEFAULT_REGION` nor the profile names one.",
            pattern=REGION,
            means="a region name",
            region=True,
            min_items=1,
            unique=True,
        )
    )
    products: tuple[Product, ...] = field(
        metadata=rule("Products, one per template.", min_items=1, max_items=150)
    )
    keep_active_versions: int = field(
        default=2,
        metadata=rule(
            "Versions per product that stay active (the manifest's and the newest older ones); "
            "older ones become DEPRECATED.",
            minimum=1,
            maximum=MAX_VERSIONS_PER_PRODUCT,
        ),
    )
    deactivate_deprecated: bool = field(
        default=False, metadata=rule("Also hide deprecated versions (Active: false).")
    )
    tag_options: tuple[TagOption, ...] = field(
        default=(),
        metadata=rule("TagOptions associated with the portfolio.", max_items=25, unique=True),
    )
    principals: tuple[Principal, ...] = field(
        default=(),
        metadata=rule(
            f"Who may launch the products (at most {MAX_IAM_PATTERN_PRINCIPALS} of type "
            "IAM_PATTERN).",
            max_items=100,
            unique=True,
        ),
    )
    shares: Shares = field(default_factory=Shares, metadata=rule("Portfolio shares."))


@dataclass(frozen=True)
class LoadedManifest:
    """A validated manifest and the file it came from (template paths are relative to it)."""

    manifest: Manifest
    path: Path

    def template_path(self, product: Product) -> Path:
        return (self.path.parent / product.template).resolve()
