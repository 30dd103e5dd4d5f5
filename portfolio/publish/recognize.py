"""Retries that recognise their own success.

A mutating call answered with a 5xx may have taken effect all the same; its retry
(``portfolio.publish.clients``) then meets what the first attempt did: "already exists",
"already associated", "not found" for a delete. Creates with an IdempotencyToken (portfolio,
product, version, constraint) and updates (which set values) repeat harmlessly, and S3 writes
replace; every other mutating operation is listed here with the errors its retry may meet and
how to check that the region is now as the step intended. When it is, the step is done, with
the response its outputs need; when it is not, the error stands.

Only errors that answered a retry after a 5xx are looked at: the same error on a first
attempt means someone else changed the region, which is not ours to paper over. The errors
each operation may return are those of the Service Catalog API reference, e.g.
https://docs.aws.amazon.com/servicecatalog/latest/dg/API_AssociateTagOptionWithResource.html
(DuplicateResourceException) and
https://docs.aws.amazon.com/servicecatalog/latest/dg/API_CreateTagOption.html.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from portfolio.publish.clients import after_uncertain_attempt
from portfolio.publish.observed import pages, share_flags_now

#: A check: (Service Catalog client, the request's parameters) -> the response the step
#: needs when the region is as intended, else None.
Check = Callable[[Any, Mapping[str, Any]], Mapping[str, Any] | None]

_DUPLICATE = "DuplicateResourceException"
_NOT_FOUND = "ResourceNotFoundException"
_BUSY = "InvalidStateException"  # a share operation still IN_PROGRESS


def _tag_option_exists(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    listed = pages(
        sc.list_tag_options,
        "TagOptionDetails",
        "PageToken",
        Filters={"Key": params["Key"], "Value": params["Value"]},
        PageSize=20,
    )
    wanted = (params["Key"], params["Value"])
    found = next((d for d in listed if (d["Key"], d["Value"]) == wanted), None)
    return {"TagOptionDetail": found} if found is not None else None


def _tag_option_associated(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    described = sc.describe_portfolio(Id=params["ResourceId"])
    ids = {option["Id"] for option in described.get("TagOptions", [])}
    return {} if params["TagOptionId"] in ids else None


def _tag_option_gone(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return None if _tag_option_associated(sc, params) is not None else {}


def _principals(sc: Any, portfolio_id: str) -> set[tuple[str, str]]:
    listed = pages(
        sc.list_principals_for_portfolio, "Principals", PortfolioId=portfolio_id, PageSize=20
    )
    return {(p["PrincipalType"], p["PrincipalARN"]) for p in listed}


def _principal_associated(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    wanted = (params["PrincipalType"], params["PrincipalARN"])
    return {} if wanted in _principals(sc, params["PortfolioId"]) else None


def _principal_gone(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    arns = {arn for _type, arn in _principals(sc, params["PortfolioId"])}
    return None if params["PrincipalARN"] in arns else {}


def _product_associated(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    listed = pages(
        sc.list_portfolios_for_product,
        "PortfolioDetails",
        ProductId=params["ProductId"],
        PageSize=100,
    )
    return {} if any(p["Id"] == params["PortfolioId"] for p in listed) else None


def _constraint_gone(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    try:
        sc.describe_constraint(Id=params["Id"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == _NOT_FOUND:
            return {}
        raise
    return None


def _share_as_intended(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The share exists with the flags the request set (it is listed once it settled)."""
    now = share_flags_now(sc, params)
    wanted = {key: params[key] for key in ("ShareTagOptions", "SharePrincipals") if key in params}
    if now is None or any(now.get(key) != value for key, value in wanted.items()):
        return None
    return {}


def _share_gone(sc: Any, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return {} if share_flags_now(sc, params) is None else None


#: boto3 method -> (errors its retry may meet after an attempt that took effect, the check).
RECOGNISED: dict[str, tuple[frozenset[str], Check]] = {
    "create_tag_option": (frozenset({_DUPLICATE}), _tag_option_exists),
    "associate_tag_option_with_resource": (frozenset({_DUPLICATE}), _tag_option_associated),
    "disassociate_tag_option_from_resource": (frozenset({_NOT_FOUND}), _tag_option_gone),
    "associate_principal_with_portfolio": (frozenset({_DUPLICATE}), _principal_associated),
    "disassociate_principal_from_portfolio": (frozenset({_NOT_FOUND}), _principal_gone),
    "associate_product_with_portfolio": (frozenset({_DUPLICATE}), _product_associated),
    "delete_constraint": (frozenset({_NOT_FOUND}), _constraint_gone),
    "create_portfolio_share": (frozenset({_DUPLICATE, _BUSY}), _share_as_intended),
    "update_portfolio_share": (frozenset({_BUSY}), _share_as_intended),
    "delete_portfolio_share": (frozenset({_NOT_FOUND, _BUSY}), _share_gone),
}


#: The other mutating operations: a retry repeats them harmlessly (a create with an
#: IdempotencyToken answers with what the first attempt made; an update sets values; an S3
#: upload replaces an object whose key is its content's hash).
REPEATABLE = frozenset(
    {
        "create_portfolio",
        "create_product",
        "create_provisioning_artifact",
        "create_constraint",
        "update_portfolio",
        "update_product",
        "update_provisioning_artifact",
        "update_tag_option",
        "update_constraint",
        "put_object",
    }
)


def already_done(
    sc: Any, operation: str, params: Mapping[str, Any], error: ClientError
) -> Mapping[str, Any] | None:
    """The response for a step whose retry failed with ``error`` because an earlier attempt
    had done the job; None when that is not what happened (the error stands)."""
    known = RECOGNISED.get(operation)
    code = error.response.get("Error", {}).get("Code", "")
    if known is None or code not in known[0] or not after_uncertain_attempt(error):
        return None
    try:
        return known[1](sc, params)
    except (ClientError, BotoCoreError):
        return None  # cannot tell: the original error stands
