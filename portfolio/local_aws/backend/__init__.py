"""A stateful Service Catalog for the local AWS endpoint: state, operations and AWS's errors.

moto implements only portfolios, shares and products of Service Catalog. This backend implements
every operation the publisher uses (portfolios, products, provisioning artifacts, constraints,
TagOptions, principals, shares) with AWS's request/response shapes and documented errors, so the
publisher can be exercised end to end without an AWS account. ``portfolio.local_endpoint`` wires
it into moto (in-process ``mock_aws`` and the HTTP server).

Behaviour worth knowing when testing against it:

- One backend per account and region (``local_service_catalog_backends[account][region]``);
  ``mock_aws`` start/stop and ``POST /moto-api/reset`` clear it like moto's own backends.
- Requests are validated against botocore's service model the way the service does it (required
  members, enums, lengths, maxima): violations raise ``ValidationException``.
- Asynchronous work is driven by polling: a new provisioning artifact reports ``CREATING``
  until ``PENDING_DESCRIBES`` ``DescribeProvisioningArtifact`` calls have seen it, and a share
  operation with an organization node (create, update, delete) reports ``IN_PROGRESS`` until as
  many ``DescribePortfolioShareStatus`` calls have seen it. As AWS finishes share operations on
  its own, one also completes when ``DescribePortfolioShares`` lists its share, or
  ``SHARE_SETTLE_SECONDS`` after it started (so a share changed by hand, with nobody polling,
  does not stay ``IN_PROGRESS``). A share cannot be updated or deleted while ``IN_PROGRESS``
  (``InvalidStateException``), as in AWS.
- Account shares (``AccountId``) are synchronous: creating or deleting one answers without a
  token, updating one answers with a token and ``COMPLETED``. ``DescribePortfolioShareStatus``
  reports on organization node operations only (AWS lets only an organization's management
  account or delegated administrator call it): an account share's token gets
  ``OperationNotSupportedException``.
- ``LoadTemplateFromURL`` pointing at S3 (virtual-hosted or path style, any region) must name an
  object in moto's S3, and the object must parse as a CloudFormation template unless
  ``DisableTemplateValidation``; other URLs are accepted unchecked.
- Principals: at most ``MAX_PRINCIPALS_PER_PORTFOLIO``, of which at most
  ``MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO`` of type ``IAM_PATTERN`` (LimitExceededException).
- Organization nodes are checked for format only. Sharing with one needs AWS Organizations
  access (``GetAWSOrganizationsAccessStatus``), which starts as ``ORGANIZATIONS_ACCESS`` (ENABLED,
  unlike a new AWS account, so shares work without a setup call) and follows
  ``EnableAWSOrganizationsAccess`` / ``DisableAWSOrganizationsAccess``; while it is not ENABLED,
  creating or updating a share with an organization node fails (OperationNotSupportedException).
  Every account counts as the management account.
- Products of another account reach this one only through a share it accepted
  (``AcceptPortfolioShare``); ``SearchProductsAsAdmin`` lists them too unless
  ``ProductSource=ACCOUNT`` (products created in this account only).
- A provisioning artifact whose ``failed`` attribute a test sets reports status FAILED.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

import botocore.session
import yaml
from botocore.model import Shape
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException

PENDING_DESCRIBES = 1
"""How many status polls see an artifact CREATING / a share IN_PROGRESS before it completes."""

SHARE_SETTLE_SECONDS = 5.0
"""Wall-clock time after which a share operation completes even if nobody polled it."""

ORGANIZATIONS_ACCESS = "ENABLED"
"""GetAWSOrganizationsAccessStatus of a new backend (ENABLED | UNDER_CHANGE | DISABLED)."""

MAX_ARTIFACTS_PER_PRODUCT = 100
MAX_PRODUCTS_PER_PORTFOLIO = 150
MAX_PRINCIPALS_PER_PORTFOLIO = 100
MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO = 10
MAX_TAG_OPTIONS_PER_RESOURCE = 25
MAX_CONSTRAINTS_PER_PRODUCT_PER_PORTFOLIO = 100
MAX_TAGS_PER_RESOURCE = 20
DEFAULT_PAGE_SIZE = 20

CONSTRAINT_TYPES = ("LAUNCH", "NOTIFICATION", "RESOURCE_UPDATE", "STACKSET", "TEMPLATE")
SINGLE_CONSTRAINT_TYPES = ("LAUNCH", "STACKSET", "RESOURCE_UPDATE")
"""Constraint types a product may have at most once per portfolio."""

ORGANIZATION_SHARE_TYPES = {
    "ORGANIZATION": "ORGANIZATION",
    "ORGANIZATIONAL_UNIT": "ORGANIZATIONAL_UNIT",
    "ACCOUNT": "ORGANIZATION_MEMBER_ACCOUNT",
}
"""OrganizationNode.Type -> the share Type that DescribePortfolioShares reports."""

T = TypeVar("T")


# ---------------------------------------------------------------------------------------- errors


class ServiceCatalogError(ServiceException):
    """An error Service Catalog returns as HTTP 400 with ``__type`` = ``code``."""


class ResourceNotFound(ServiceCatalogError):
    code = "ResourceNotFoundException"


class InvalidParameters(ServiceCatalogError):
    code = "InvalidParametersException"


class DuplicateResource(ServiceCatalogError):
    code = "DuplicateResourceException"


class LimitExceeded(ServiceCatalogError):
    code = "LimitExceededException"


class ResourceInUse(ServiceCatalogError):
    code = "ResourceInUseException"


class InvalidState(ServiceCatalogError):
    code = "InvalidStateException"


class OperationNotSupported(ServiceCatalogError):
    code = "OperationNotSupportedException"


class ValidationError(ServiceCatalogError):
    """What the service answers when a request breaks its model (lengths, enums, maxima)."""

    code = "ValidationException"


# ---------------------------------------------------------------------- model-driven validation


@cache
def service_model() -> Any:
    """botocore's Service Catalog model: the contract both the requests and responses follow."""
    return botocore.session.get_session().get_service_model("servicecatalog")


def validate_request(operation_name: str, params: dict[str, Any]) -> None:
    """Reject what the service would reject before the operation runs (ValidationException)."""
    shape = service_model().operation_model(operation_name).input_shape
    problems = list(_shape_problems(shape, params, "")) if shape is not None else []
    if problems:
        plural = "s" if len(problems) > 1 else ""
        detail = "; ".join(problems)
        raise ValidationError(f"{len(problems)} validation error{plural} detected: {detail}")


def _member_path(parent: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{parent}.{member}" if parent else member


@cache
def _compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # Java-only syntax such as \p{L}: the service checks it, we cannot
        return None


def _shape_problems(shape: Shape, value: Any, path: str) -> Iterator[str]:
    checkers: dict[str, Callable[[Any, Any, str], Iterator[str]]] = {
        "structure": _structure_problems,
        "list": _list_problems,
        "map": _map_problems,
        "string": _string_problems,
        "integer": _number_problems,
        "long": _number_problems,
        "boolean": _boolean_problems,
    }
    checker = checkers.get(shape.type_name)
    if checker is not None:
        yield from checker(shape, value, path)


def _structure_problems(shape: Any, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"Value at '{path}' failed to satisfy constraint: Member must be a structure"
        return
    for name in shape.required_members:
        if value.get(name) is None:
            where = _member_path(path, name)
            yield f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
    for name, member_value in value.items():
        member = shape.members.get(name)
        if member is not None and member_value is not None:
            yield from _shape_problems(member, member_value, _member_path(path, name))


def _size_problems(metadata: dict[str, Any], size: int, value: Any, path: str) -> Iterator[str]:
    if "min" in metadata and size < metadata["min"]:
        yield (
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {metadata['min']}"
        )
    if "max" in metadata and size > metadata["max"]:
        yield (
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {metadata['max']}"
        )


def _list_problems(shape: Any, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, list):
        yield f"Value at '{path}' failed to satisfy constraint: Member must be a list"
        return
    yield from _size_problems(shape.metadata, len(value), value, path)
    for index, item in enumerate(value, start=1):
        yield from _shape_problems(shape.member, item, f"{path}.{index}.member")


def _map_problems(shape: Any, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"Value at '{path}' failed to satisfy constraint: Member must be a map"
        return
    yield from _size_problems(shape.metadata, len(value), value, path)
    for key, item in value.items():
        yield from _shape_problems(shape.key, key, f"{path}.key")
        yield from _shape_problems(shape.value, item, f"{path}.{key}")


def _string_problems(shape: Any, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, str):
        yield f"Value at '{path}' failed to satisfy constraint: Member must be a string"
        return
    if shape.enum and value not in shape.enum:
        allowed = ", ".join(shape.enum)
        yield (
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{allowed}]"
        )
    yield from _size_problems(shape.metadata, len(value), value, path)
    pattern = shape.metadata.get("pattern")
    compiled = _compiled_pattern(pattern) if pattern else None
    if compiled is not None and not compiled.search(value):
        yield (
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern}"
        )


def _number_problems(shape: Any, value: Any, path: str) -> Iterator[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        yield f"Value at '{path}' failed to satisfy constraint: Member must be an integer"
        return
    if "min" in shape.metadata and value < shape.metadata["min"]:
        yield (
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {shape.metadata['min']}"
        )
    if "max" in shape.metadata and value > shape.metadata["max"]:
        yield (
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {shape.metadata['max']}"
        )


def _boolean_problems(shape: Any, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, bool):
        yield f"Value at '{path}' failed to satisfy constraint: Member must be a boolean"


# --------------------------------------------------------------------------------------- helpers


def _new_id(prefix: str) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(13))


def _now() -> datetime:
    return datetime.now(UTC)


def _page(items: list[T], page_size: int | None, page_token: str | None) -> tuple[list[T], str]:
    """One page of ``items`` and the token of the next page ("" when this is the last)."""
    start = 0
    if page_token:
        match = re.fullmatch(r"page-(\d+)", page_token)
        if match is None:
            raise InvalidParameters(f"PageToken {page_token!r} is not valid")
        start = int(match.group(1))
    size = page_size or DEFAULT_PAGE_SIZE
    end = start + size
    return items[start:end], (f"page-{end}" if end < len(items) else "")


def _page_response(items_key: str, token_key: str, page: tuple[list[Any], str]) -> dict[str, Any]:
    items, next_token = page
    response: dict[str, Any] = {items_key: items}
    if next_token:
        response[token_key] = next_token
    return response


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _merged_tags(
    tags: dict[str, str], add: list[dict[str, str]] | None, remove: list[str] | None
) -> dict[str, str]:
    merged = {key: value for key, value in tags.items() if key not in (remove or [])}
    added_keys = [tag["Key"] for tag in add or []]
    if len(added_keys) != len(set(added_keys)):
        raise InvalidParameters("Tags: duplicate tag keys")
    merged.update({tag["Key"]: tag["Value"] for tag in add or []})
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise LimitExceeded(f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags")
    return merged


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


# ------------------------------------------------------------------------------------- templates

_S3_VIRTUAL_HOST = re.compile(r"(?P<bucket>.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?")
_S3_PATH_HOST = re.compile(r"s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?")


def s3_location(url: str) -> tuple[str, str] | None:
    """(bucket, key) when ``url`` is an S3 object URL in any of AWS's forms, else None."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    path = unquote(parsed.path.lstrip("/"))
    virtual = _S3_VIRTUAL_HOST.fullmatch(host)
    if virtual is not None:
        return virtual.group("bucket"), path
    if _S3_PATH_HOST.fullmatch(host):
        bucket, _, key = path.partition("/")
        return bucket, key
    return None


def _s3_object_body(bucket: str, key: str) -> bytes | None:
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    if owner is None or not key:
        return None
    partition, account_id = owner
    s3_object = s3_backends[account_id][partition].get_object(bucket, key)
    return None if s3_object is None else s3_object.value


class _CloudFormationYamlLoader(yaml.SafeLoader):
    """A YAML loader that accepts CloudFormation short-form tags (!Ref, !Sub, ...)."""


def _construct_short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any = None
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CloudFormationYamlLoader.add_multi_constructor("!", _construct_short_form)


def parse_template(body: bytes) -> dict[str, Any]:
    """The template as data; InvalidParameters when it is not a CloudFormation template."""
    try:
        text = body.decode("utf-8")
        document = (
            json.loads(text)
            if text.lstrip().startswith("{")
            else yaml.load(text, Loader=_CloudFormationYamlLoader)  # a SafeLoader subclass
        )
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise InvalidParameters(f"Invalid templateBody: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise InvalidParameters("Invalid templateBody: a template needs a Resources section")
    return document


def template_parameters(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's parameters as DescribeProvisioningArtifact reports them."""
    parameters = template.get("Parameters") or {}
    return [_artifact_parameter(name, spec) for name, spec in parameters.items()]


def _artifact_parameter(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    constraint_keys = {
        "AllowedPattern": "AllowedPattern",
        "ConstraintDescription": "ConstraintDescription",
        "MaxLength": "MaxLength",
        "MinLength": "MinLength",
        "MaxValue": "MaxValue",
        "MinValue": "MinValue",
    }
    constraints: dict[str, Any] = {
        target: str(spec[source]) for source, target in constraint_keys.items() if source in spec
    }
    if "AllowedValues" in spec:
        constraints["AllowedValues"] = [str(value) for value in spec["AllowedValues"]]
    default = spec.get("Default")
    return _without_none(
        {
            "ParameterKey": name,
            "DefaultValue": None if default is None else str(default),
            "ParameterType": spec.get("Type"),
            "IsNoEcho": str(spec.get("NoEcho", "false")).lower() == "true",
            "Description": spec.get("Description"),
            "ParameterConstraints": constraints,
        }
    )


# ------------------------------------------------------------------------ constraint parameters

_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_SNS_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}")
_ACCOUNT_ID = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


def constraint_document(constraint_type: str, parameters: str) -> dict[str, Any]:
    """The parsed Parameters of a constraint, checked against the shape its Type requires."""
    if constraint_type not in CONSTRAINT_TYPES:
        raise InvalidParameters(f"Type {constraint_type!r} must be one of {list(CONSTRAINT_TYPES)}")
    try:
        document = json.loads(parameters)
    except json.JSONDecodeError as error:
        raise InvalidParameters(f"Parameters is not valid JSON: {error.msg}") from error
    if not isinstance(document, dict):
        raise InvalidParameters("Parameters must be a JSON object")
    _CONSTRAINT_CHECKERS[constraint_type](document)
    return document


def _require_keys(kind: str, document: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise InvalidParameters(f"{kind} constraint Parameters: unknown keys {unknown}")


def _check_launch(document: dict[str, Any]) -> None:
    _require_keys("LAUNCH", document, {"RoleArn", "LocalRoleName"})
    if ("RoleArn" in document) == ("LocalRoleName" in document):
        raise InvalidParameters("LAUNCH constraint needs either RoleArn or LocalRoleName")
    role_arn = document.get("RoleArn")
    if role_arn is not None and not _ROLE_ARN.fullmatch(str(role_arn)):
        raise InvalidParameters(f"LAUNCH constraint RoleArn {role_arn!r} is not an IAM role ARN")
    role_name = document.get("LocalRoleName")
    if role_name is not None and not _ROLE_NAME.fullmatch(str(role_name)):
        raise InvalidParameters(f"LAUNCH constraint LocalRoleName {role_name!r} is not valid")


def _check_notification(document: dict[str, Any]) -> None:
    _require_keys("NOTIFICATION", document, {"NotificationArns"})
    arns = document.get("NotificationArns")
    if not isinstance(arns, list) or not arns:
        raise InvalidParameters("NOTIFICATION constraint needs a non-empty NotificationArns list")
    for arn in arns:
        if not isinstance(arn, str) or not _SNS_TOPIC_ARN.fullmatch(arn):
            raise InvalidParameters(f"NOTIFICATION constraint: {arn!r} is not an SNS topic ARN")


def _check_resource_update(document: dict[str, Any]) -> None:
    _require_keys("RESOURCE_UPDATE", document, {"Version", "Properties"})
    if document.get("Version") != "2.0":
        raise InvalidParameters('RESOURCE_UPDATE constraint Version must be "2.0"')
    properties = document.get("Properties")
    value = (
        properties.get("TagUpdateOnProvisionedProduct") if isinstance(properties, dict) else None
    )
    if value not in ("ALLOWED", "NOT_ALLOWED"):
        raise InvalidParameters(
            "RESOURCE_UPDATE constraint Properties.TagUpdateOnProvisionedProduct must be "
            "ALLOWED or NOT_ALLOWED"
        )


def _check_stackset(document: dict[str, Any]) -> None:
    _require_keys("STACKSET", document, {"Version", "Properties"})
    if not isinstance(document.get("Version"), str):
        raise InvalidParameters("STACKSET constraint needs a Version string")
    properties = document.get("Properties")
    if not isinstance(properties, dict):
        raise InvalidParameters("STACKSET constraint needs a Properties object")
    _require_keys(
        "STACKSET", properties, {"AccountList", "RegionList", "AdminRole", "ExecutionRole"}
    )
    _check_string_list(
        "STACKSET Properties.AccountList", properties.get("AccountList"), _ACCOUNT_ID
    )
    _check_string_list("STACKSET Properties.RegionList", properties.get("RegionList"), _REGION)
    if not _ROLE_ARN.fullmatch(str(properties.get("AdminRole", ""))):
        raise InvalidParameters("STACKSET constraint Properties.AdminRole must be an IAM role ARN")
    if not _ROLE_NAME.fullmatch(str(properties.get("ExecutionRole", ""))):
        raise InvalidParameters("STACKSET constraint Properties.ExecutionRole must be a role name")


def _check_string_list(name: str, values: Any, pattern: re.Pattern[str]) -> None:
    if not isinstance(values, list) or not values:
        raise InvalidParameters(f"{name} must be a non-empty list")
    for value in values:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise InvalidParameters(f"{name}: {value!r} is not valid")


def _check_template(document: dict[str, Any]) -> None:
    _require_keys("TEMPLATE", document, {"Rules"})
    rules = document.get("Rules")
    if not isinstance(rules, dict) or not rules:
        raise InvalidParameters("TEMPLATE constraint needs a non-empty Rules object")
    for name, rule in rules.items():
        assertions = rule.get("Assertions") if isinstance(rule, dict) else None
        if not isinstance(assertions, list) or not assertions:
            raise InvalidParameters(f"TEMPLATE constraint rule {name!r} needs Assertions")
        for assertion in assertions:
            if not isinstance(assertion, dict) or "Assert" not in assertion:
                raise InvalidParameters(f"TEMPLATE constraint rule {name!r}: each needs Assert")


_CONSTRAINT_CHECKERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "LAUNCH": _check_launch,
    "NOTIFICATION": _check_notification,
    "RESOURCE_UPDATE": _check_resource_update,
    "STACKSET": _check_stackset,
    "TEMPLATE": _check_template,
}


# ------------------------------------------------------------------------------------ principals

_IAM_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(role|user|group)/[\w+=,.@/-]+")
_IAM_PATTERN_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam:::(role|user|group)/[\w+=,.@/*?-]+")


def check_principal(principal_arn: str, principal_type: str) -> None:
    """IAM principals name an account; IAM_PATTERN principals must not (and may use * and ?)."""
    pattern = _IAM_PRINCIPAL if principal_type == "IAM" else _IAM_PATTERN_PRINCIPAL
    if not pattern.fullmatch(principal_arn):
        shape = (
            "arn:aws:iam::<account>:role/<name>"
            if principal_type == "IAM"
            else "arn:aws:iam:::role/<path>/<name pattern> (no account id)"
        )
        raise InvalidParameters(
            f"PrincipalARN {principal_arn!r} is not valid for PrincipalType {principal_type}: "
            f"expected {shape}"
        )


# ------------------------------------------------------------------------ organization nodes

_NODE_VALUE = {
    "ORGANIZATION": re.compile(
        r"(?:arn:aws[a-z-]*:organizations::\d{12}:organization/)?(?P<id>o-[a-z0-9]{10,32})"
    ),
    "ORGANIZATIONAL_UNIT": re.compile(
        r"(?:arn:aws[a-z-]*:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/)?"
        r"(?P<id>ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})"
    ),
    "ACCOUNT": re.compile(r"(?P<id>\d{12})"),
}


def organization_node_id(node: dict[str, str]) -> tuple[str, str]:
    """(share type, node id) of an OrganizationNode; InvalidParameters when it is malformed."""
    node_type, value = node.get("Type"), node.get("Value")
    if node_type not in _NODE_VALUE or not value:
        raise InvalidParameters("OrganizationNode needs a Type and a Value")
    match = _NODE_VALUE[node_type].fullmatch(value)
    if match is None:
        raise InvalidParameters(f"OrganizationNode Value {value!r} is not a valid {node_type} id")
    return ORGANIZATION_SHARE_TYPES[node_type], match.group("id")


def _accounts_under(organization_node_id: str) -> list[str]:
    """Accounts below an organization node in moto's Organizations (empty when unknown)."""
    from moto.organizations.models import organizations_backends

    for account_backends in list(organizations_backends.values()):
        for backend in list(account_backends.values()):
            if backend.org is None:
                continue
            if organization_node_id == backend.org.id:
                return [account.id for account in backend.accounts]
            parents = {organization_node_id}
            for unit in backend.ou:  # units are listed after their parents
                if unit.parent_id in parents:
                    parents.add(unit.id)
            return [account.id for account in backend.accounts if account.parent_id in parents]
    return []


# ----------------------------------------------------------------------------------------- state


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


def clock() -> float:
    """Seconds on a monotonic clock (tests replace it to move time on)."""
    return time.monotonic()


@dataclass
class ShareOperation:
    """A create/update/delete of a share, tracked by its PortfolioShareToken: asynchronous for
    an organization node, done at once for an account share (``account_share``)."""

    token: str
    portfolio_id: str
    node_value: str
    successful_shares: list[str]
    account_share: bool = False
    pending_describes: int = field(default_factory=lambda: PENDING_DESCRIBES)
    settles_at: float = field(default_factory=lambda: clock() + SHARE_SETTLE_SECONDS)

    def __post_init__(self) -> None:
        if self.account_share:
            self.complete()

    @property
    def in_progress(self) -> bool:
        return self.pending_describes > 0 and clock() < self.settles_at

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
        return _without_none(
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
        return _without_none(
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
    pending_describes: int = field(default_factory=lambda: PENDING_DESCRIBES)
    failed: bool = False  # set by tests: the artifact's creation failed

    def detail(self) -> dict[str, Any]:
        return _without_none(
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
        return _without_none(
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
        return _without_none(
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
        return _without_none(
            {
                "ProductViewSummary": self.summary(),
                "Status": "AVAILABLE",
                "ProductARN": self.arn,
                "CreatedTime": self.created_time,
                "SourceConnection": self.source_connection,
            }
        )

    def resource_detail(self) -> dict[str, Any]:
        return _without_none(
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
        return _without_none(
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


# --------------------------------------------------------------------------------------- backend


class LocalServiceCatalogBackend(BaseBackend):
    """Service Catalog of one account in one region.

    Each public method is one API operation: keyword arguments are the request members in
    snake_case (nested values keep AWS's names), the return value is the response document.
    """

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.portfolios: dict[str, Portfolio] = {}
        self.products: dict[str, Product] = {}
        self.constraints: dict[str, Constraint] = {}
        self.tag_options: dict[str, TagOption] = {}
        self.tag_option_links: dict[str, list[str]] = {}
        self.share_operations: dict[str, ShareOperation] = {}
        self.idempotent_results: dict[tuple[str, str], str] = {}
        self.organizations_access = ORGANIZATIONS_ACCESS
        self.imported_portfolio_ids: list[str] = []  # of other accounts, shares accepted here

    # ------------------------------------------------------------------------ shared lookups

    def _arn(self, kind: str, resource_id: str) -> str:
        scope = f"{self.partition}:catalog:{self.region_name}:{self.account_id}"
        return f"arn:{scope}:{kind}/{resource_id}"

    def _portfolio(self, portfolio_id: str | None) -> Portfolio:
        portfolio = self.portfolios.get(portfolio_id or "")
        if portfolio is None:
            raise ResourceNotFound(f"Portfolio {portfolio_id} not found.")
        return portfolio

    def _product(self, product_id: str | None) -> Product:
        product = self.products.get(product_id or "")
        if product is None:
            raise ResourceNotFound(f"Product {product_id} not found.")
        return product

    def _product_by_name(self, name: str) -> Product:
        matches = [product for product in self.products.values() if product.name == name]
        if not matches:
            raise ResourceNotFound(f"Product with name {name} not found.")
        if len(matches) > 1:
            raise InvalidParameters(f"Multiple products with name {name} found.")
        return matches[0]

    def _constraint(self, constraint_id: str) -> Constraint:
        constraint = self.constraints.get(constraint_id)
        if constraint is None:
            raise ResourceNotFound(f"Constraint {constraint_id} not found.")
        return constraint

    def _tag_option(self, tag_option_id: str) -> TagOption:
        tag_option = self.tag_options.get(tag_option_id)
        if tag_option is None:
            raise ResourceNotFound(f"TagOption {tag_option_id} not found.")
        return tag_option

    def _linked_tag_options(self, resource_id: str) -> list[dict[str, Any]]:
        linked = self.tag_option_links.get(resource_id, [])
        return [self.tag_options[tag_option_id].detail() for tag_option_id in linked]

    def _idempotent(self, operation: str, token: str | None, create: Callable[[], str]) -> str:
        """The id created by an earlier request with this token, else the id ``create`` makes."""
        key = (operation, token or "")
        if token and key in self.idempotent_results:
            return self.idempotent_results[key]
        resource_id = create()
        if token:
            self.idempotent_results[key] = resource_id
        return resource_id

    # ---------------------------------------------------------------------------- portfolios

    def create_portfolio(
        self,
        display_name: str,
        provider_name: str,
        idempotency_token: str | None = None,
        description: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        def create() -> str:
            portfolio_id = _new_id("port-")
            self.portfolios[portfolio_id] = Portfolio(
                id=portfolio_id,
                arn=self._arn("portfolio", portfolio_id),
                display_name=display_name,
                provider_name=provider_name,
                description=description,
                created_time=_now(),
                tags=_merged_tags({}, tags, None),
            )
            return portfolio_id

        portfolio = self._portfolio(self._idempotent("CreatePortfolio", idempotency_token, create))
        return {"PortfolioDetail": portfolio.detail(), "Tags": _tag_list(portfolio.tags)}

    def describe_portfolio(self, id: str) -> dict[str, Any]:
        portfolio = self._portfolio(id)
        return {
            "PortfolioDetail": portfolio.detail(),
            "Tags": _tag_list(portfolio.tags),
            "TagOptions": self._linked_tag_options(id),
            "Budgets": [],
        }

    def update_portfolio(
        self,
        id: str,
        display_name: str | None = None,
        description: str | None = None,
        provider_name: str | None = None,
        add_tags: list[dict[str, str]] | None = None,
        remove_tags: list[str] | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(id)
        portfolio.tags = _merged_tags(portfolio.tags, add_tags, remove_tags)
        if display_name is not None:
            portfolio.display_name = display_name
        if description is not None:
            portfolio.description = description
        if provider_name is not None:
            portfolio.provider_name = provider_name
        return {"PortfolioDetail": portfolio.detail(), "Tags": _tag_list(portfolio.tags)}

    def delete_portfolio(self, id: str) -> dict[str, Any]:
        portfolio = self._portfolio(id)
        in_use = {
            "products": portfolio.product_ids,
            "principals": portfolio.principals,
            "constraints": [c for c in self.constraints.values() if c.portfolio_id == id],
            "shares": portfolio.shares,
        }
        remaining = [name for name, items in in_use.items() if items]
        if remaining:
            raise ResourceInUse(
                f"Portfolio {id} still has {', '.join(remaining)}; remove them before deleting it."
            )
        self.tag_option_links.pop(id, None)
        del self.portfolios[id]
        return {}

    def list_portfolios(
        self, page_token: str | None = None, page_size: int | None = None
    ) -> dict[str, Any]:
        details = [portfolio.detail() for portfolio in self.portfolios.values()]
        page = _page(details, page_size, page_token)
        return _page_response("PortfolioDetails", "NextPageToken", page)

    # ------------------------------------------------------------------------------ products

    def create_product(
        self,
        name: str,
        owner: str,
        product_type: str,
        idempotency_token: str | None = None,
        description: str | None = None,
        distributor: str | None = None,
        support_description: str | None = None,
        support_email: str | None = None,
        support_url: str | None = None,
        tags: list[dict[str, str]] | None = None,
        provisioning_artifact_parameters: dict[str, Any] | None = None,
        source_connection: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if product_type == "MARKETPLACE":
            raise InvalidParameters("ProductType MARKETPLACE cannot be created through this API")
        if provisioning_artifact_parameters is None and source_connection is None:
            raise InvalidParameters(
                "ProvisioningArtifactParameters is required unless SourceConnection is given"
            )

        def create() -> str:
            merged_tags = _merged_tags({}, tags, None)
            artifact = self._new_artifact(product_type, provisioning_artifact_parameters or {}, {})
            product_id = _new_id("prod-")
            product = Product(
                id=product_id,
                view_id=_new_id("prodview-"),
                arn=self._arn("product", product_id),
                name=name,
                owner=owner,
                product_type=product_type,
                created_time=_now(),
                description=description,
                distributor=distributor,
                support_description=support_description,
                support_email=support_email,
                support_url=support_url,
                source_connection=source_connection,
                tags=merged_tags,
            )
            product.artifacts[artifact.id] = artifact
            self.products[product_id] = product
            return product_id

        product = self._product(self._idempotent("CreateProduct", idempotency_token, create))
        first_artifact = next(iter(product.artifacts.values()))
        return {
            "ProductViewDetail": product.view_detail(),
            "ProvisioningArtifactDetail": first_artifact.detail(),
            "Tags": _tag_list(product.tags),
        }

    def describe_product_as_admin(
        self, id: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        if id is None and name is None:
            raise InvalidParameters("Either Id or Name must be specified.")
        product = self._product(id) if id is not None else self._product_by_name(name or "")
        return {
            "ProductViewDetail": product.view_detail(),
            "ProvisioningArtifactSummaries": [a.summary() for a in product.artifacts.values()],
            "Tags": _tag_list(product.tags),
            "TagOptions": self._linked_tag_options(product.id),
            "Budgets": [],
        }

    def describe_product(self, id: str | None = None, name: str | None = None) -> dict[str, Any]:
        """The end-user view: active versions and the portfolios to launch from."""
        if id is None and name is None:
            raise InvalidParameters("Either Id or Name must be specified.")
        product = self._product(id) if id is not None else self._product_by_name(name or "")
        artifacts = [a for a in product.artifacts.values() if a.active]
        launch_paths = [
            {"Id": portfolio.id, "Name": portfolio.display_name}
            for portfolio in self.portfolios.values()
            if product.id in portfolio.product_ids
        ]
        return {
            "ProductViewSummary": product.summary(),
            "ProvisioningArtifacts": [
                {**artifact.summary(), "Guidance": artifact.guidance} for artifact in artifacts
            ],
            "Budgets": [],
            "LaunchPaths": launch_paths,
        }

    def update_product(
        self,
        id: str,
        name: str | None = None,
        owner: str | None = None,
        description: str | None = None,
        distributor: str | None = None,
        support_description: str | None = None,
        support_email: str | None = None,
        support_url: str | None = None,
        add_tags: list[dict[str, str]] | None = None,
        remove_tags: list[str] | None = None,
        source_connection: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        product = self._product(id)
        product.tags = _merged_tags(product.tags, add_tags, remove_tags)
        changes = {
            "name": name,
            "owner": owner,
            "description": description,
            "distributor": distributor,
            "support_description": support_description,
            "support_email": support_email,
            "support_url": support_url,
            "source_connection": source_connection,
        }
        for attribute, value in changes.items():
            if value is not None:
                setattr(product, attribute, value)
        return {"ProductViewDetail": product.view_detail(), "Tags": _tag_list(product.tags)}

    def delete_product(self, id: str) -> dict[str, Any]:
        product = self._product(id)
        portfolios = [p.id for p in self.portfolios.values() if id in p.product_ids]
        if portfolios:
            raise ResourceInUse(
                f"Product {id} is associated with portfolios {portfolios}; "
                "disassociate it before deleting it."
            )
        self.tag_option_links.pop(id, None)
        del self.products[product.id]
        return {}

    def search_products_as_admin(
        self,
        portfolio_id: str | None = None,
        filters: dict[str, list[str]] | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        page_token: str | None = None,
        page_size: int | None = None,
        product_source: str | None = None,
    ) -> dict[str, Any]:
        products = list(self.products.values())
        if portfolio_id is None and product_source != "ACCOUNT":
            products += [p for p in self._imported_products() if p.id not in self.products]
        if portfolio_id is not None:
            in_portfolio = self._portfolio(portfolio_id).product_ids
            products = [product for product in products if product.id in in_portfolio]
        products = [product for product in products if _matches_filters(product, filters or {})]
        sort_keys: dict[str, Callable[[Product], Any]] = {
            "Title": lambda product: product.name.casefold(),
            "VersionCount": lambda product: len(product.artifacts),
            "CreationDate": lambda product: product.created_time,
        }
        if sort_by is not None:
            products.sort(key=sort_keys[sort_by])
        if sort_order == "DESCENDING":
            products.reverse()
        page = _page([product.view_detail() for product in products], page_size, page_token)
        return _page_response("ProductViewDetails", "NextPageToken", page)

    def _imported_products(self) -> list[Product]:
        """Products of the portfolios other accounts shared with this one (shares accepted)."""
        products: dict[str, Product] = {}
        for portfolio_id in self.imported_portfolio_ids:
            found = _portfolio_elsewhere(portfolio_id, self.region_name, self.account_id)
            if found is None:
                continue
            owner, portfolio = found
            for product_id in portfolio.product_ids:
                products.setdefault(product_id, owner.products[product_id])
        return list(products.values())

    def associate_product_with_portfolio(
        self, product_id: str, portfolio_id: str
    ) -> dict[str, Any]:
        product = self._product(product_id)
        portfolio = self._portfolio(portfolio_id)
        if product.id in portfolio.product_ids:
            return {}
        if len(portfolio.product_ids) >= MAX_PRODUCTS_PER_PORTFOLIO:
            raise LimitExceeded(
                f"Portfolio {portfolio_id} already has {MAX_PRODUCTS_PER_PORTFOLIO} products"
            )
        portfolio.product_ids.append(product.id)
        return {}

    def disassociate_product_from_portfolio(
        self, product_id: str, portfolio_id: str
    ) -> dict[str, Any]:
        product = self._product(product_id)
        portfolio = self._portfolio(portfolio_id)
        if product.id not in portfolio.product_ids:
            raise ResourceNotFound(f"Product {product_id} is not in portfolio {portfolio_id}.")
        if self._constraints_of(portfolio_id, product_id):
            raise ResourceInUse(
                f"Product {product_id} has constraints in portfolio {portfolio_id}; "
                "delete them before disassociating the product."
            )
        portfolio.product_ids.remove(product.id)
        return {}

    def list_portfolios_for_product(
        self, product_id: str, page_token: str | None = None, page_size: int | None = None
    ) -> dict[str, Any]:
        self._product(product_id)
        details = [p.detail() for p in self.portfolios.values() if product_id in p.product_ids]
        page = _page(details, page_size, page_token)
        return _page_response("PortfolioDetails", "NextPageToken", page)

    # --------------------------------------------------------------- provisioning artifacts

    def _new_artifact(
        self, product_type: str, parameters: dict[str, Any], existing: dict[str, Any]
    ) -> ProvisioningArtifact:
        artifact_type = parameters.get("Type", "CLOUD_FORMATION_TEMPLATE")
        if artifact_type != product_type:
            raise InvalidParameters(
                f"Provisioning artifact Type {artifact_type} does not match ProductType "
                f"{product_type}"
            )
        name = parameters.get("Name")
        if name is not None and any(a.name == name for a in existing.values()):
            raise InvalidParameters(f"A provisioning artifact named {name} already exists.")
        info = parameters.get("Info") or {}
        template = self._artifact_template(
            info, product_type, bool(parameters.get("DisableTemplateValidation"))
        )
        return ProvisioningArtifact(
            id=_new_id("pa-"),
            name=name,
            description=parameters.get("Description"),
            type=artifact_type,
            created_time=_now(),
            info=dict(info),
            template=template,
        )

    def _artifact_template(
        self, info: dict[str, str], product_type: str, skip_validation: bool
    ) -> dict[str, Any] | None:
        sources = [key for key in ("LoadTemplateFromURL", "ImportFromPhysicalId") if key in info]
        if len(sources) != 1:
            raise InvalidParameters(
                "Info must contain exactly one of LoadTemplateFromURL or ImportFromPhysicalId"
            )
        url = info.get("LoadTemplateFromURL")
        location = s3_location(url) if url else None
        if location is None:
            return None
        body = _s3_object_body(*location)
        if body is None:
            raise InvalidParameters(
                f"Unable to fetch the template from {url}: the S3 object does not exist."
            )
        if product_type != "CLOUD_FORMATION_TEMPLATE" or skip_validation:
            return None
        return parse_template(body)

    def _artifact(self, product: Product, artifact_id: str) -> ProvisioningArtifact:
        artifact = product.artifacts.get(artifact_id)
        if artifact is None:
            raise ResourceNotFound(
                f"Provisioning artifact {artifact_id} not found for product {product.id}."
            )
        return artifact

    def _artifact_by_name(self, product: Product, name: str) -> ProvisioningArtifact:
        matches = [a for a in product.artifacts.values() if a.name == name]
        if not matches:
            raise ResourceNotFound(f"Provisioning artifact with name {name} not found.")
        if len(matches) > 1:
            raise InvalidParameters(f"Multiple Provisioning Artifact with name {name} found.")
        return matches[0]

    def _product_of_artifact(self, artifact_id: str) -> Product:
        for product in self.products.values():
            if artifact_id in product.artifacts:
                return product
        raise ResourceNotFound(f"Provisioning artifact {artifact_id} not found.")

    def create_provisioning_artifact(
        self,
        product_id: str,
        parameters: dict[str, Any],
        idempotency_token: str | None = None,
    ) -> dict[str, Any]:
        product = self._product(product_id)

        def create() -> str:
            if len(product.artifacts) >= MAX_ARTIFACTS_PER_PRODUCT:
                raise LimitExceeded(
                    f"Product {product_id} already has {MAX_ARTIFACTS_PER_PRODUCT} "
                    "provisioning artifacts"
                )
            artifact = self._new_artifact(product.product_type, parameters, product.artifacts)
            product.artifacts[artifact.id] = artifact
            return artifact.id

        token = f"{product_id}/{idempotency_token}" if idempotency_token else None
        artifact = self._artifact(
            product, self._idempotent("CreateProvisioningArtifact", token, create)
        )
        return {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.public_info(),
            "Status": artifact.status,
        }

    def describe_provisioning_artifact(
        self,
        provisioning_artifact_id: str | None = None,
        product_id: str | None = None,
        provisioning_artifact_name: str | None = None,
        product_name: str | None = None,
        include_provisioning_artifact_parameters: bool | None = None,
    ) -> dict[str, Any]:
        if provisioning_artifact_id is None and provisioning_artifact_name is None:
            raise InvalidParameters(
                "Either ProvisioningArtifactId or ProvisioningArtifactName must be specified."
            )
        if product_id is not None:
            product = self._product(product_id)
        elif product_name is not None:
            product = self._product_by_name(product_name)
        elif provisioning_artifact_id is not None:
            product = self._product_of_artifact(provisioning_artifact_id)
        else:
            raise InvalidParameters("Either ProductId or ProductName must be specified.")
        artifact = (
            self._artifact(product, provisioning_artifact_id)
            if provisioning_artifact_id is not None
            else self._artifact_by_name(product, provisioning_artifact_name or "")
        )
        response: dict[str, Any] = {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.public_info(),
            "Status": artifact.observe(),
        }
        if include_provisioning_artifact_parameters and artifact.template is not None:
            response["ProvisioningArtifactParameters"] = template_parameters(artifact.template)
        return response

    def list_provisioning_artifacts(self, product_id: str) -> dict[str, Any]:
        product = self._product(product_id)
        return {"ProvisioningArtifactDetails": [a.detail() for a in product.artifacts.values()]}

    def update_provisioning_artifact(
        self,
        product_id: str,
        provisioning_artifact_id: str,
        name: str | None = None,
        description: str | None = None,
        active: bool | None = None,
        guidance: str | None = None,
    ) -> dict[str, Any]:
        product = self._product(product_id)
        artifact = self._artifact(product, provisioning_artifact_id)
        if name is not None and any(
            other.name == name and other.id != artifact.id for other in product.artifacts.values()
        ):
            raise InvalidParameters(f"A provisioning artifact named {name} already exists.")
        changes = {"name": name, "description": description, "active": active, "guidance": guidance}
        for attribute, value in changes.items():
            if value is not None:
                setattr(artifact, attribute, value)
        return {
            "ProvisioningArtifactDetail": artifact.detail(),
            "Info": artifact.public_info(),
            "Status": artifact.status,
        }

    def delete_provisioning_artifact(
        self, product_id: str, provisioning_artifact_id: str
    ) -> dict[str, Any]:
        product = self._product(product_id)
        self._artifact(product, provisioning_artifact_id)
        if len(product.artifacts) == 1:
            raise InvalidParameters(
                f"Provisioning artifact {provisioning_artifact_id} is the last one of product "
                f"{product_id} and cannot be deleted."
            )
        del product.artifacts[provisioning_artifact_id]
        return {}

    # --------------------------------------------------------------------------- constraints

    def _constraints_of(self, portfolio_id: str, product_id: str) -> list[Constraint]:
        return [
            constraint
            for constraint in self.constraints.values()
            if constraint.portfolio_id == portfolio_id and constraint.product_id == product_id
        ]

    def _check_constraint_slot(self, portfolio_id: str, product_id: str, kind: str) -> None:
        existing = self._constraints_of(portfolio_id, product_id)
        existing_types = {constraint.type for constraint in existing}
        if kind in SINGLE_CONSTRAINT_TYPES and kind in existing_types:
            raise DuplicateResource(
                f"Product {product_id} already has a {kind} constraint in portfolio {portfolio_id}."
            )
        rival = {"LAUNCH": "STACKSET", "STACKSET": "LAUNCH"}.get(kind)
        if rival in existing_types:
            raise InvalidParameters(
                f"Product {product_id} has a {rival} constraint in portfolio {portfolio_id}; "
                "a product cannot have both a LAUNCH and a STACKSET constraint."
            )
        if len(existing) >= MAX_CONSTRAINTS_PER_PRODUCT_PER_PORTFOLIO:
            raise LimitExceeded(
                f"Product {product_id} already has {MAX_CONSTRAINTS_PER_PRODUCT_PER_PORTFOLIO} "
                f"constraints in portfolio {portfolio_id}"
            )

    def create_constraint(
        self,
        portfolio_id: str,
        product_id: str,
        parameters: str,
        type: str,
        idempotency_token: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        def create() -> str:
            portfolio = self._portfolio(portfolio_id)
            self._product(product_id)
            if product_id not in portfolio.product_ids:
                raise ResourceNotFound(
                    f"Product {product_id} is not associated with portfolio {portfolio_id}."
                )
            constraint_document(type, parameters)
            self._check_constraint_slot(portfolio_id, product_id, type)
            constraint = Constraint(
                id=_new_id("cons-"),
                type=type,
                portfolio_id=portfolio_id,
                product_id=product_id,
                parameters=parameters,
                description=description,
                owner=self.account_id,
            )
            self.constraints[constraint.id] = constraint
            return constraint.id

        constraint_id = self._idempotent("CreateConstraint", idempotency_token, create)
        return self._constraint(constraint_id).response()

    def describe_constraint(self, id: str) -> dict[str, Any]:
        return self._constraint(id).response()

    def update_constraint(
        self, id: str, description: str | None = None, parameters: str | None = None
    ) -> dict[str, Any]:
        constraint = self._constraint(id)
        if parameters is not None:
            constraint_document(constraint.type, parameters)
            constraint.parameters = parameters
        if description is not None:
            constraint.description = description
        return constraint.response()

    def delete_constraint(self, id: str) -> dict[str, Any]:
        self._constraint(id)
        del self.constraints[id]
        return {}

    def list_constraints_for_portfolio(
        self,
        portfolio_id: str,
        product_id: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        self._portfolio(portfolio_id)
        details = [
            constraint.detail()
            for constraint in self.constraints.values()
            if constraint.portfolio_id == portfolio_id
            and (product_id is None or constraint.product_id == product_id)
        ]
        page = _page(details, page_size, page_token)
        return _page_response("ConstraintDetails", "NextPageToken", page)

    # ---------------------------------------------------------------------------- TagOptions

    def _check_unique_tag_option(self, key: str, value: str, other_than: str = "") -> None:
        for tag_option in self.tag_options.values():
            if tag_option.key == key and tag_option.value == value and tag_option.id != other_than:
                raise DuplicateResource(
                    f"TagOption with key {key} and value {value} already exists ({tag_option.id})."
                )

    def create_tag_option(self, key: str, value: str) -> dict[str, Any]:
        self._check_unique_tag_option(key, value)
        tag_option = TagOption(
            id=_new_id("tag-"), key=key, value=value, active=True, owner=self.account_id
        )
        self.tag_options[tag_option.id] = tag_option
        return {"TagOptionDetail": tag_option.detail()}

    def describe_tag_option(self, id: str) -> dict[str, Any]:
        return {"TagOptionDetail": self._tag_option(id).detail()}

    def list_tag_options(
        self,
        filters: dict[str, Any] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        wanted = filters or {}
        details = [
            tag_option.detail()
            for tag_option in self.tag_options.values()
            if wanted.get("Key", tag_option.key) == tag_option.key
            and wanted.get("Value", tag_option.value) == tag_option.value
            and wanted.get("Active", tag_option.active) == tag_option.active
        ]
        page = _page(details, page_size, page_token)
        return _page_response("TagOptionDetails", "PageToken", page)

    def update_tag_option(
        self, id: str, value: str | None = None, active: bool | None = None
    ) -> dict[str, Any]:
        tag_option = self._tag_option(id)
        if value is not None:
            self._check_unique_tag_option(tag_option.key, value, other_than=id)
            tag_option.value = value
        if active is not None:
            tag_option.active = active
        return {"TagOptionDetail": tag_option.detail()}

    def delete_tag_option(self, id: str) -> dict[str, Any]:
        self._tag_option(id)
        users = [resource for resource, linked in self.tag_option_links.items() if id in linked]
        if users:
            raise ResourceInUse(f"TagOption {id} is associated with {users}.")
        del self.tag_options[id]
        return {}

    def _tag_option_resource(self, resource_id: str) -> Portfolio | Product:
        resource = self.portfolios.get(resource_id) or self.products.get(resource_id)
        if resource is None:
            raise ResourceNotFound(f"Resource {resource_id} not found.")
        return resource

    def associate_tag_option_with_resource(
        self, resource_id: str, tag_option_id: str
    ) -> dict[str, Any]:
        self._tag_option_resource(resource_id)
        tag_option = self._tag_option(tag_option_id)
        linked = self.tag_option_links.setdefault(resource_id, [])
        if tag_option_id in linked:
            raise DuplicateResource(
                f"TagOption {tag_option_id} is already associated with {resource_id}."
            )
        if not tag_option.active:
            raise InvalidState(f"TagOption {tag_option_id} is not active.")
        if len(linked) >= MAX_TAG_OPTIONS_PER_RESOURCE:
            raise LimitExceeded(
                f"Resource {resource_id} already has {MAX_TAG_OPTIONS_PER_RESOURCE} TagOptions"
            )
        linked.append(tag_option_id)
        return {}

    def disassociate_tag_option_from_resource(
        self, resource_id: str, tag_option_id: str
    ) -> dict[str, Any]:
        linked = self.tag_option_links.get(resource_id, [])
        if tag_option_id not in linked:
            raise ResourceNotFound(
                f"TagOption {tag_option_id} is not associated with resource {resource_id}."
            )
        linked.remove(tag_option_id)
        return {}

    def list_resources_for_tag_option(
        self,
        tag_option_id: str,
        resource_type: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        self._tag_option(tag_option_id)
        kinds: dict[str, type[Portfolio] | type[Product]] = {
            "Portfolio": Portfolio,
            "Product": Product,
        }
        if resource_type is not None and resource_type not in kinds:
            raise InvalidParameters(f"ResourceType {resource_type!r} must be Portfolio or Product")
        details = []
        for resource_id, linked in self.tag_option_links.items():
            resource = self.portfolios.get(resource_id) or self.products.get(resource_id)
            if tag_option_id not in linked or resource is None:
                continue
            if resource_type is None or isinstance(resource, kinds[resource_type]):
                details.append(resource.resource_detail())
        page = _page(details, page_size, page_token)
        return _page_response("ResourceDetails", "PageToken", page)

    # ---------------------------------------------------------------------------- principals

    def associate_principal_with_portfolio(
        self, portfolio_id: str, principal_arn: str, principal_type: str
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        check_principal(principal_arn, principal_type)
        if principal_arn in portfolio.principals:
            return {}
        if len(portfolio.principals) >= MAX_PRINCIPALS_PER_PORTFOLIO:
            raise LimitExceeded(
                f"Portfolio {portfolio_id} already has {MAX_PRINCIPALS_PER_PORTFOLIO} principals"
            )
        patterns = sum(1 for kind in portfolio.principals.values() if kind == "IAM_PATTERN")
        if principal_type == "IAM_PATTERN" and patterns >= MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO:
            raise LimitExceeded(
                f"Portfolio {portfolio_id} already has {MAX_IAM_PATTERN_PRINCIPALS_PER_PORTFOLIO} "
                "principals of type IAM_PATTERN"
            )
        portfolio.principals[principal_arn] = principal_type
        return {}

    def disassociate_principal_from_portfolio(
        self, portfolio_id: str, principal_arn: str, principal_type: str | None = None
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        known_type = portfolio.principals.get(principal_arn)
        if known_type is None or (principal_type is not None and principal_type != known_type):
            raise ResourceNotFound(
                f"Principal {principal_arn} is not associated with portfolio {portfolio_id}."
            )
        del portfolio.principals[principal_arn]
        return {}

    def list_principals_for_portfolio(
        self, portfolio_id: str, page_size: int | None = None, page_token: str | None = None
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        principals = [
            {"PrincipalARN": arn, "PrincipalType": kind}
            for arn, kind in portfolio.principals.items()
        ]
        page = _page(principals, page_size, page_token)
        return _page_response("Principals", "NextPageToken", page)

    # -------------------------------------------------------------------------------- shares

    def _share_key(
        self, account_id: str | None, organization_node: dict[str, str] | None
    ) -> tuple[str, str]:
        """(share type, principal id) of the recipient named by AccountId or OrganizationNode."""
        if (account_id is None) == (organization_node is None):
            raise InvalidParameters("Provide either AccountId or OrganizationNode, but not both.")
        if organization_node is not None:
            return organization_node_id(organization_node)
        if account_id == self.account_id:
            raise InvalidParameters("A portfolio cannot be shared with its own account.")
        return "ACCOUNT", account_id or ""

    def _start_share_operation(self, portfolio_id: str, share: PortfolioShare) -> str:
        token = _new_id("share-")
        account_shares = ("ACCOUNT", "ORGANIZATION_MEMBER_ACCOUNT")
        successful = [share.principal_id] if share.type in account_shares else []
        self.share_operations[token] = ShareOperation(
            token=token,
            portfolio_id=portfolio_id,
            node_value=share.principal_id,
            successful_shares=successful,
            account_share=share.type == "ACCOUNT",
        )
        share.last_token = token
        return token

    def _check_share_settled(self, share: PortfolioShare) -> None:
        operation = self.share_operations.get(share.last_token or "")
        if operation is not None and operation.in_progress:
            raise InvalidState(
                f"The share with {share.principal_id} is IN_PROGRESS: wait for "
                f"DescribePortfolioShareStatus({operation.token}) to report COMPLETED."
            )

    def create_portfolio_share(
        self,
        portfolio_id: str,
        account_id: str | None = None,
        organization_node: dict[str, str] | None = None,
        share_tag_options: bool = False,
        share_principals: bool = False,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        share_type, principal_id = self._share_key(account_id, organization_node)
        self._check_organizations_access(organization_node)
        if share_principals and share_type not in ("ORGANIZATION", "ORGANIZATIONAL_UNIT"):
            raise InvalidParameters(
                "SharePrincipals is only supported for shares with an ORGANIZATION or "
                "ORGANIZATIONAL_UNIT node."
            )
        existing = portfolio.shares.get((share_type, principal_id))
        if existing is not None:
            return _without_none({"PortfolioShareToken": existing.last_token})
        share = PortfolioShare(
            type=share_type,
            principal_id=principal_id,
            share_tag_options=share_tag_options,
            share_principals=share_principals,
            accepted=share_type != "ACCOUNT",
        )
        portfolio.shares[(share_type, principal_id)] = share
        if organization_node is None:
            return {}
        return {"PortfolioShareToken": self._start_share_operation(portfolio_id, share)}

    def describe_portfolio_share_status(self, portfolio_share_token: str) -> dict[str, Any]:
        operation = self.share_operations.get(portfolio_share_token)
        if operation is None:
            raise ResourceNotFound(f"Portfolio share token {portfolio_share_token} not found.")
        if operation.account_share:
            raise OperationNotSupported(
                f"Portfolio share token {portfolio_share_token} is of the account share with "
                f"{operation.node_value}: DescribePortfolioShareStatus reports on shares with "
                "organization nodes only (read the share with DescribePortfolioShares)."
            )
        return {
            "PortfolioShareToken": operation.token,
            "PortfolioId": operation.portfolio_id,
            "OrganizationNodeValue": operation.node_value,
            "Status": operation.observe(),
            "ShareDetails": {"SuccessfulShares": operation.successful_shares, "ShareErrors": []},
        }

    def describe_portfolio_shares(
        self,
        portfolio_id: str,
        type: str,
        page_token: str | None = None,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        listed = [share for share in portfolio.shares.values() if share.type == type]
        for share in listed:  # what AWS lists has settled: its operation is over
            operation = self.share_operations.get(share.last_token or "")
            if operation is not None:
                operation.complete()
        page = _page([share.detail() for share in listed], page_size, page_token)
        return _page_response("PortfolioShareDetails", "NextPageToken", page)

    def update_portfolio_share(
        self,
        portfolio_id: str,
        account_id: str | None = None,
        organization_node: dict[str, str] | None = None,
        share_tag_options: bool | None = None,
        share_principals: bool | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        key = self._share_key(account_id, organization_node)
        self._check_organizations_access(organization_node)
        share = portfolio.shares.get(key)
        if share is None:
            raise ResourceNotFound(f"Portfolio {portfolio_id} is not shared with {key[1]}.")
        if share_principals is not None and share.type not in (
            "ORGANIZATION",
            "ORGANIZATIONAL_UNIT",
        ):
            raise InvalidParameters(
                "SharePrincipals is only supported for shares with an ORGANIZATION or "
                "ORGANIZATIONAL_UNIT node."
            )
        self._check_share_settled(share)
        if share_tag_options is not None:
            share.share_tag_options = share_tag_options
        if share_principals is not None:
            share.share_principals = share_principals
        token = self._start_share_operation(portfolio_id, share)
        status = "IN_PROGRESS" if self.share_operations[token].in_progress else "COMPLETED"
        return {"PortfolioShareToken": token, "Status": status}

    def delete_portfolio_share(
        self,
        portfolio_id: str,
        account_id: str | None = None,
        organization_node: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        key = self._share_key(account_id, organization_node)
        share = portfolio.shares.get(key)
        if share is None:
            raise ResourceNotFound(f"Portfolio {portfolio_id} is not shared with {key[1]}.")
        self._check_share_settled(share)
        del portfolio.shares[key]
        if organization_node is None:
            return {}
        return {"PortfolioShareToken": self._start_share_operation(portfolio_id, share)}

    def accept_portfolio_share(
        self, portfolio_id: str, portfolio_share_type: str | None = None
    ) -> dict[str, Any]:
        """Import a portfolio another account shared with this one (IMPORTED: an account
        share, accepted here; AWS_ORGANIZATIONS: a share with an organization node above it)."""
        kind = portfolio_share_type or "IMPORTED"
        found = _portfolio_elsewhere(portfolio_id, self.region_name, self.account_id)
        share = found[1].shares.get(("ACCOUNT", self.account_id)) if found else None
        if found is not None and kind == "AWS_ORGANIZATIONS":
            share = next(
                (s for s in found[1].shares.values() if self._reached_by(s)),
                None,
            )
        if found is None or share is None or kind == "AWS_SERVICECATALOG":
            raise ResourceNotFound(
                f"Portfolio {portfolio_id} is not shared with account {self.account_id} ({kind})."
            )
        share.accepted = True
        if portfolio_id not in self.imported_portfolio_ids:
            self.imported_portfolio_ids.append(portfolio_id)
        return {}

    def _reached_by(self, share: PortfolioShare) -> bool:
        """Whether an organization-node share reaches this account."""
        if share.type == "ORGANIZATION_MEMBER_ACCOUNT":
            return share.principal_id == self.account_id
        if share.type in ("ORGANIZATION", "ORGANIZATIONAL_UNIT"):
            return self.account_id in _accounts_under(share.principal_id)
        return False

    # ----------------------------------------------------------------- organizations access

    def _check_organizations_access(self, organization_node: dict[str, str] | None) -> None:
        if organization_node is not None and self.organizations_access != "ENABLED":
            raise OperationNotSupported(
                "Sharing with an organization node needs AWS Organizations access, which is "
                f"{self.organizations_access}: call EnableAWSOrganizationsAccess from the "
                "management account."
            )

    def get_aws_organizations_access_status(self) -> dict[str, Any]:
        return {"AccessStatus": self.organizations_access}

    def enable_aws_organizations_access(self) -> dict[str, Any]:
        self.organizations_access = "ENABLED"
        return {}

    def disable_aws_organizations_access(self) -> dict[str, Any]:
        self.organizations_access = "DISABLED"
        return {}

    def list_portfolio_access(
        self,
        portfolio_id: str,
        organization_parent_id: str | None = None,
        page_token: str | None = None,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        if organization_parent_id is None:
            account_ids = [
                share.principal_id
                for share in portfolio.shares.values()
                if share.type in ("ACCOUNT", "ORGANIZATION_MEMBER_ACCOUNT")
            ]
        else:
            inheriting: set[str] = set()
            for share in portfolio.shares.values():
                if share.type in ("ORGANIZATION", "ORGANIZATIONAL_UNIT"):
                    inheriting.update(_accounts_under(share.principal_id))
            under_parent = _accounts_under(organization_parent_id)
            account_ids = [account for account in under_parent if account in inheriting]
        page = _page(account_ids, page_size, page_token)
        return _page_response("AccountIds", "NextPageToken", page)


def _portfolio_elsewhere(
    portfolio_id: str, region: str, not_account: str
) -> tuple[LocalServiceCatalogBackend, Portfolio] | None:
    """(owner backend, portfolio) of a portfolio another account holds in ``region``."""
    for account_id in list(local_service_catalog_backends.keys()):
        if account_id == not_account:
            continue
        backend = dict.get(local_service_catalog_backends[account_id], region)
        if backend is not None and portfolio_id in backend.portfolios:
            return backend, backend.portfolios[portfolio_id]
    return None


def _matches_filters(product: Product, filters: dict[str, list[str]]) -> bool:
    """SearchProductsAsAdmin filters: values of one key are alternatives, keys must all hold."""
    checks: dict[str, Callable[[str], bool]] = {
        "FullTextSearch": lambda text: text.casefold() in product.search_text(),
        "Owner": lambda owner: owner.casefold() == product.owner.casefold(),
        "ProductType": lambda product_type: product_type == product.product_type,
        "SourceProductId": lambda _: False,  # no product here is a copy of another
    }
    return all(
        any(checks[key](value) for value in values) for key, values in filters.items() if values
    )


local_service_catalog_backends: BackendDict[LocalServiceCatalogBackend] = BackendDict(
    LocalServiceCatalogBackend, "servicecatalog"
)
"""The local Service Catalog state: ``local_service_catalog_backends[account_id][region]``."""

OPERATIONS = (
    "CreatePortfolio",
    "DescribePortfolio",
    "UpdatePortfolio",
    "DeletePortfolio",
    "ListPortfolios",
    "CreateProduct",
    "DescribeProductAsAdmin",
    "DescribeProduct",
    "UpdateProduct",
    "DeleteProduct",
    "SearchProductsAsAdmin",
    "AssociateProductWithPortfolio",
    "DisassociateProductFromPortfolio",
    "ListPortfoliosForProduct",
    "CreateProvisioningArtifact",
    "DescribeProvisioningArtifact",
    "ListProvisioningArtifacts",
    "UpdateProvisioningArtifact",
    "DeleteProvisioningArtifact",
    "CreateConstraint",
    "DescribeConstraint",
    "UpdateConstraint",
    "DeleteConstraint",
    "ListConstraintsForPortfolio",
    "CreateTagOption",
    "DescribeTagOption",
    "ListTagOptions",
    "UpdateTagOption",
    "DeleteTagOption",
    "AssociateTagOptionWithResource",
    "DisassociateTagOptionFromResource",
    "ListResourcesForTagOption",
    "AssociatePrincipalWithPortfolio",
    "DisassociatePrincipalFromPortfolio",
    "ListPrincipalsForPortfolio",
    "CreatePortfolioShare",
    "DescribePortfolioShareStatus",
    "DescribePortfolioShares",
    "UpdatePortfolioShare",
    "DeletePortfolioShare",
    "ListPortfolioAccess",
    "AcceptPortfolioShare",
    "GetAWSOrganizationsAccessStatus",
    "EnableAWSOrganizationsAccess",
    "DisableAWSOrganizationsAccess",
)
"""The operations this backend implements (AWS names); each is a method named in snake_case."""
