"""A small IAM policy evaluator: what a resolved policy allows for one request.

Enough of IAM's evaluation logic to assert a policy's meaning rather than its shape: an
explicit Deny wins, then any Allow, otherwise the request is implicitly denied. Statements match
on Principal (resource policies), Action/NotAction, Resource/NotResource with ``*`` and ``?``
wildcards, and StringEquals/StringLike/Bool conditions (condition keys are case-insensitive,
values are not). Anything else in a Condition makes the statement not match, so a test using an
operator this module does not know fails instead of passing by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

ALLOW = "Allow"
DENY = "Deny"
IMPLICIT_DENY = "ImplicitDeny"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = ".*".join(".".join(map(re.escape, part.split("?"))) for part in pattern.split("*"))
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _principal_matches(statement: Mapping[str, Any], principal: tuple[str, str] | None) -> bool:
    if principal is None:  # an identity policy: the principal is whoever holds it
        return "Principal" not in statement
    declared = statement.get("Principal")
    if declared == "*":
        return True
    kind, name = principal
    return isinstance(declared, dict) and name in _as_list(declared.get(kind, []))


def _matches_any(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    return any(_wildcard(p, value, ignore_case=ignore_case) for p in _as_list(patterns))


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not _matches_any(statement["NotAction"], action, ignore_case=True)
    return _matches_any(statement["Action"], action, ignore_case=True)


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not _matches_any(statement["NotResource"], resource)
    return _matches_any(statement["Resource"], resource)


def _conditions_hold(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    known = {key.lower(): value for key, value in context.items()}
    for operator, tests in condition.items():
        for key, expected in tests.items():
            actual = known.get(key.lower())
            if actual is None:
                return False
            if operator in ("StringEquals", "Bool"):
                if actual not in (str(value) for value in _as_list(expected)):
                    return False
            elif operator == "StringLike":
                if not _matches_any(expected, actual):
                    return False
            else:
                return False
    return True


def _applies(
    statement: Mapping[str, Any],
    *,
    action: str,
    resource: str,
    principal: tuple[str, str] | None,
    context: Mapping[str, str],
) -> bool:
    return (
        _principal_matches(statement, principal)
        and _action_matches(statement, action)
        and _resource_matches(statement, resource)
        and _conditions_hold(statement.get("Condition", {}), context)
    )


def decision(
    statements: Iterable[Mapping[str, Any]],
    *,
    action: str,
    resource: str,
    principal: tuple[str, str] | None = None,
    context: Mapping[str, str] | None = None,
) -> str:
    """ALLOW, DENY (an explicit Deny matched) or IMPLICIT_DENY for one request.

    ``principal`` is e.g. ("Service", "cloudfront.amazonaws.com") for a resource policy, None
    for an identity policy; ``context`` holds the request's condition keys.
    """
    matching = [
        statement["Effect"]
        for statement in statements
        if _applies(
            statement,
            action=action,
            resource=resource,
            principal=principal,
            context=context or {},
        )
    ]
    if DENY in matching:
        return DENY
    return ALLOW if ALLOW in matching else IMPLICIT_DENY
