"""Everything that links things to the portfolio, in one place (as CDK's association manager):
TagOptions, principals, product associations, constraints and shares. Pure planning.

TagOption and principal associations no longer listed are removed before new ones are added:
a portfolio holds at most 25 TagOptions and 100 principals (10 of them IAM_PATTERN), so
replacing one at the limit must make room first. Neither guards anything (unlike constraints),
so removing first loses nothing that matters if a later step fails.

Constraints are matched by (product, type); each carries a fingerprint of its parameters in
its description, so an unchanged constraint needs no DescribeConstraint call and a changed
one is updated in place. A LAUNCH removed for a new STACKSET (or the reverse) goes right
before its replacement, as AWS allows only one of them; every other removal comes after all
creates and updates, so a failed create never leaves a product with fewer constraints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from portfolio.manifest.model import Constraints, Manifest, Product
from portfolio.publish.observed import ObservedCatalog, ObservedConstraint, ObservedShare
from portfolio.publish.steps import Action, Output, Ref, Step, Subject, Unchanged

Item = Step | Unchanged
PortfolioId = str | Ref
ProductId = str | Ref

MANAGED_BY = "Managed by signed-urls-portfolio"


def portfolio_id(manifest: Manifest, observed: ObservedCatalog) -> PortfolioId:
    if observed.portfolio is not None:
        return observed.portfolio.id
    return Ref("portfolio", manifest.portfolio.display_name)


def product_id(product: Product, observed: ObservedCatalog) -> ProductId:
    current = observed.products.get(product.name)
    return current.id if current is not None else Ref("product", product.name)


def _sc_step(action: Action, subject: Subject, name: str, operation: str, **params: Any) -> Step:
    return Step(action, subject, name, "servicecatalog", operation, params)


# --- TagOptions ---------------------------------------------------------------------------------


def plan_tag_options(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[Item]:
    """Disassociate TagOptions no longer listed (first: the limit is 25 per portfolio); create
    (or reactivate) each listed TagOption and associate it."""
    associated = observed.portfolio.tag_option_ids if observed.portfolio else frozenset()
    yield from _disassociate_tag_options(manifest, observed, portfolio, associated)
    for option in manifest.tag_options:
        label = f"{option.key}={option.value}"
        existing = observed.tag_options.get((option.key, option.value))
        if existing is None:
            yield Step(
                Action.CREATE,
                Subject.TAG_OPTION,
                label,
                "servicecatalog",
                "create_tag_option",
                {"Key": option.key, "Value": option.value},
                outputs=(Output(Ref("tag-option", label), ("TagOptionDetail", "Id")),),
            )
        elif not existing.active:
            yield _sc_step(
                Action.UPDATE,
                Subject.TAG_OPTION,
                label,
                "update_tag_option",
                Id=existing.id,
                Active=True,
            )
        if existing is not None and existing.id in associated:
            yield Unchanged(Subject.TAG_OPTION, label)
        else:
            option_id = existing.id if existing else Ref("tag-option", label)
            yield _sc_step(
                Action.ASSOCIATE,
                Subject.TAG_OPTION,
                label,
                "associate_tag_option_with_resource",
                ResourceId=portfolio,
                TagOptionId=option_id,
            )


def _disassociate_tag_options(
    manifest: Manifest,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    associated: frozenset[str],
) -> Iterator[Item]:
    wanted = {(option.key, option.value) for option in manifest.tag_options}
    by_id = {option.id: option for option in observed.tag_options.values()}
    for option_id in sorted(associated):
        option = by_id.get(option_id)
        if option is not None and (option.key, option.value) in wanted:
            continue
        label = f"{option.key}={option.value}" if option else option_id
        yield _sc_step(
            Action.DISASSOCIATE,
            Subject.TAG_OPTION,
            label,
            "disassociate_tag_option_from_resource",
            ResourceId=portfolio,
            TagOptionId=option_id,
        )


# --- principals ---------------------------------------------------------------------------------


def plan_principals(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[Item]:
    """Disassociate principals no longer listed (first: the limits are 100 per portfolio, 10 of
    type IAM_PATTERN), then associate the listed ones that are missing."""
    current = observed.portfolio.principals if observed.portfolio else frozenset()
    wanted = [(principal.type, principal.arn) for principal in manifest.principals]
    for principal_type, arn in sorted(current - set(wanted)):
        yield _sc_step(
            Action.DISASSOCIATE,
            Subject.PRINCIPAL,
            f"{principal_type} {arn}",
            "disassociate_principal_from_portfolio",
            PortfolioId=portfolio,
            PrincipalARN=arn,
            PrincipalType=principal_type,
        )
    for principal_type, arn in wanted:
        if (principal_type, arn) in current:
            yield Unchanged(Subject.PRINCIPAL, f"{principal_type} {arn}")
        else:
            yield _sc_step(
                Action.ASSOCIATE,
                Subject.PRINCIPAL,
                f"{principal_type} {arn}",
                "associate_principal_with_portfolio",
                PortfolioId=portfolio,
                PrincipalARN=arn,
                PrincipalType=principal_type,
            )


# --- products -----------------------------------------------------------------------------------


def plan_product_associations(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[Item]:
    """Associate every product with the portfolio (before any constraint names it)."""
    for product in manifest.products:
        current = observed.products.get(product.name)
        if current is not None and current.associated:
            continue  # reported with the product
        yield _sc_step(
            Action.ASSOCIATE,
            Subject.PRODUCT,
            product.name,
            "associate_product_with_portfolio",
            ProductId=product_id(product, observed),
            PortfolioId=portfolio,
        )


#: How a product the manifest no longer lists is reported: it stays (provisioned products and
#: their updates may depend on it), but ``plan`` and ``publish`` say so.
LEFT_IN_PORTFOLIO = "not in the manifest, left in the portfolio"


def report_other_products(observed: ObservedCatalog) -> Iterator[Item]:
    """Products in the portfolio that the manifest does not list: reported, never removed."""
    for _product_id, name in sorted(observed.other_products, key=lambda item: (item[1], item[0])):
        yield Unchanged(Subject.PRODUCT, name, LEFT_IN_PORTFOLIO)


# --- constraints --------------------------------------------------------------------------------


def constraint_parameters(constraints: Constraints, region: str) -> dict[str, dict[str, Any]]:
    """Constraint type -> its Parameters document in ``region``, for the constraints set."""
    documents: dict[str, dict[str, Any]] = {}
    if (launch := constraints.launch) is not None:
        documents["LAUNCH"] = (
            {"RoleArn": launch.role_arn}
            if launch.role_arn
            else {"LocalRoleName": launch.role_name_in(region)}
        )
    if constraints.notification is not None:
        documents["NOTIFICATION"] = {
            "NotificationArns": constraints.notification.topic_arns_in(region)
        }
    if constraints.resource_update is not None:
        allowed = constraints.resource_update.tag_updates_allowed
        documents["RESOURCE_UPDATE"] = {
            "Version": "2.0",
            "Properties": {
                "TagUpdateOnProvisionedProduct": "ALLOWED" if allowed else "NOT_ALLOWED"
            },
        }
    if (stackset := constraints.stackset) is not None:
        documents["STACKSET"] = {
            "Version": "2.0",
            "Properties": {
                "AccountList": list(stackset.accounts),
                "RegionList": list(stackset.regions),
                "AdminRole": stackset.admin_role_arn,
                "ExecutionRole": stackset.execution_role_name,
            },
        }
    if constraints.template is not None:
        documents["TEMPLATE"] = {"Rules": constraints.template.rules}
    return documents


def parameters_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def fingerprint(document: dict[str, Any]) -> str:
    return hashlib.sha256(parameters_json(document).encode("utf-8")).hexdigest()[:16]


def constraint_description(constraint_type: str, document: dict[str, Any]) -> str:
    return f"{constraint_type} constraint. {MANAGED_BY} [config {fingerprint(document)}]"


def description_fingerprint(description: str) -> str | None:
    match = re.search(r"\[config ([0-9a-f]{16})\]", description)
    return match.group(1) if match else None


#: LAUNCH and STACKSET exclude each other: one replacing the other must wait for its removal.
_RIVALS = {"LAUNCH": "STACKSET", "STACKSET": "LAUNCH"}


def plan_constraints(
    manifest: Manifest,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    region: str,
    run_nonce: str = "",
) -> Iterator[Item]:
    """Creates and updates (each LAUNCH/STACKSET swap's removal right before its create), then
    every other removal."""
    later: list[Item] = []
    for product in manifest.products:
        now, deferred = _product_constraint_items(
            manifest, product, observed, portfolio, region, run_nonce
        )
        yield from now
        later.extend(deferred)
    yield from later


def _product_constraint_items(
    manifest: Manifest,
    product: Product,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    region: str,
    run_nonce: str,
) -> tuple[list[Item], list[Item]]:
    """(items in order, removals that wait until every create and update is done)."""
    current = observed.products.get(product.name)
    existing = _constraints_of(observed, current.id) if current else {}
    desired = constraint_parameters(product.constraints, region)
    removals = {
        constraint_type: [
            _delete_constraint_step(product, constraint_type, constraint)
            for constraint in found[(1 if constraint_type in desired else 0) :]
        ]
        for constraint_type, found in sorted(existing.items())
    }
    now: list[Item] = []
    for constraint_type, document in desired.items():
        found = existing.get(constraint_type, [])
        item = _constraint_item(
            manifest, product, observed, portfolio, constraint_type, document, found, run_nonce
        )
        rival = _RIVALS.get(constraint_type)
        if rival is not None and rival not in desired and isinstance(item, Step):
            now.extend(removals.pop(rival, []))
        now.append(item)
    return now, [step for steps in removals.values() for step in steps]


def _delete_constraint_step(
    product: Product, constraint_type: str, constraint: ObservedConstraint
) -> Step:
    return _sc_step(
        Action.DELETE,
        Subject.CONSTRAINT,
        f"{constraint_type} on {product.name}",
        "delete_constraint",
        Id=constraint.id,
    )


def _constraints_of(
    observed: ObservedCatalog, product_id_: str
) -> dict[str, list[ObservedConstraint]]:
    grouped: dict[str, list[ObservedConstraint]] = {}
    constraints = observed.portfolio.constraints if observed.portfolio else ()
    for constraint in constraints:
        if constraint.product_id == product_id_:
            grouped.setdefault(constraint.type, []).append(constraint)
    return grouped


def _constraint_item(
    manifest: Manifest,
    product: Product,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    constraint_type: str,
    document: dict[str, Any],
    found: list[ObservedConstraint],
    run_nonce: str,
) -> Item:
    label = f"{constraint_type} on {product.name}"
    description = constraint_description(constraint_type, document)
    if found and description_fingerprint(found[0].description) == fingerprint(document):
        return Unchanged(Subject.CONSTRAINT, label)
    if found:
        return _sc_step(
            Action.UPDATE,
            Subject.CONSTRAINT,
            label,
            "update_constraint",
            Id=found[0].id,
            Parameters=parameters_json(document),
            Description=description,
        )
    return _sc_step(
        Action.CREATE,
        Subject.CONSTRAINT,
        label,
        "create_constraint",
        PortfolioId=portfolio,
        ProductId=product_id(product, observed),
        Type=constraint_type,
        Parameters=parameters_json(document),
        Description=description,
        IdempotencyToken=_constraint_token(run_nonce, manifest, product, constraint_type, document),
    )


def _constraint_token(
    run_nonce: str,
    manifest: Manifest,
    product: Product,
    constraint_type: str,
    document: dict[str, Any],
) -> str:
    parts = (run_nonce, "constraint", manifest.portfolio.display_name, product.name)
    text = "\0".join((*parts, constraint_type)) + parameters_json(document)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- shares -------------------------------------------------------------------------------------


def desired_shares(manifest: Manifest) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(type, recipient) -> (share TagOptions, share principals)."""
    shares = manifest.shares
    tags, principals = shares.share_tag_options, shares.share_principals
    wanted: dict[tuple[str, str], tuple[bool, bool]] = {
        ("ACCOUNT", account): (tags, False) for account in shares.accounts
    }
    for unit in shares.organizational_units:
        wanted[("ORGANIZATIONAL_UNIT", unit)] = (tags, principals)
    if shares.organization:
        wanted[("ORGANIZATION", shares.organization)] = (tags, principals)
    return wanted


#: An account share is made with AccountId (ACCOUNT); one made through AWS Organizations
#: (OrganizationNode Type ACCOUNT) is reported as ORGANIZATION_MEMBER_ACCOUNT.
MEMBER_ACCOUNT = "ORGANIZATION_MEMBER_ACCOUNT"


def _recipient(share_type: str, recipient: str) -> dict[str, Any]:
    if share_type == "ACCOUNT":
        return {"AccountId": recipient}
    node_type = "ACCOUNT" if share_type == MEMBER_ACCOUNT else share_type
    return {"OrganizationNode": {"Type": node_type, "Value": recipient}}


def _share_label(share_type: str, recipient: str) -> str:
    return f"{share_type.lower().replace('_', ' ')} {recipient}"


def _flags(share_type: str, tags: bool, principals: bool) -> dict[str, bool]:
    """SharePrincipals only for organization and OU shares (AWS refuses it on the others)."""
    if share_type in ("ACCOUNT", MEMBER_ACCOUNT):
        return {"ShareTagOptions": tags}
    return {"ShareTagOptions": tags, "SharePrincipals": principals}


def plan_shares(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[Item]:
    """Share with each recipient, update flags that differ, stop sharing with the rest.

    A listed account already reached by an organization member account share (made through
    AWS Organizations, by hand) keeps that share as its share: replacing it would cut the
    account off until it accepts a new one. Without an AccountId share for it, it is
    compared and updated like one (ShareTagOptions); every other such share is removed."""
    current: dict[tuple[str, str], ObservedShare] = {
        (share.type, share.principal_id): share
        for share in (observed.portfolio.shares if observed.portfolio else ())
    }
    kept: set[tuple[str, str]] = set()
    for (share_type, recipient), (tags, principals) in desired_shares(manifest).items():
        key = _current_share_key(current, share_type, recipient)
        kept.add(key)
        yield _share_item(portfolio, key[0], recipient, tags, principals, current)
    for share_type, recipient in sorted(set(current) - kept):
        yield _share_step(
            Action.UNSHARE, "delete_portfolio_share", portfolio, share_type, recipient, {}
        )


def _current_share_key(
    current: dict[tuple[str, str], ObservedShare], share_type: str, recipient: str
) -> tuple[str, str]:
    """The existing share that stands for a desired one: itself, or for an account without an
    AccountId share, its organization member account share."""
    if (
        share_type == "ACCOUNT"
        and (share_type, recipient) not in current
        and (MEMBER_ACCOUNT, recipient) in current
    ):
        return MEMBER_ACCOUNT, recipient
    return share_type, recipient


def _share_item(
    portfolio: PortfolioId,
    share_type: str,
    recipient: str,
    tags: bool,
    principals: bool,
    current: dict[tuple[str, str], ObservedShare],
) -> Item:
    flags = _flags(share_type, tags, principals)
    existing = current.get((share_type, recipient))
    if existing is None:
        return _share_step(
            Action.SHARE, "create_portfolio_share", portfolio, share_type, recipient, flags
        )
    now = _flags(share_type, existing.share_tag_options, existing.share_principals)
    if now == flags:
        detail = "stands for the account share" if share_type == MEMBER_ACCOUNT else ""
        return Unchanged(Subject.SHARE, _share_label(share_type, recipient), detail)
    step = _share_step(
        Action.UPDATE, "update_portfolio_share", portfolio, share_type, recipient, flags
    )
    changed = ", ".join(name for name in flags if flags[name] != now.get(name))
    return dataclasses.replace(step, detail=f"{changed} changed")


def _share_step(
    action: Action,
    operation: str,
    portfolio: PortfolioId,
    share_type: str,
    recipient: str,
    flags: dict[str, bool],
) -> Step:
    return Step(
        action=action,
        subject=Subject.SHARE,
        name=_share_label(share_type, recipient),
        service="servicecatalog",
        operation=operation,
        params={"PortfolioId": portfolio, **_recipient(share_type, recipient), **flags},
        wait="share",
    )
