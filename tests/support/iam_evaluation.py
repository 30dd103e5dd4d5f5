"""Evaluate resolved IAM policy statements against one request, as IAM would, for tests.

Enough of IAM's logic for the policies this repository writes, to assert a policy's meaning
rather than its shape: Action/NotAction and Resource/NotResource with ``*`` and ``?``
wildcards, an optional principal (resource policies), and the condition operators the
templates use. An operator it does not know fails the test instead of being ignored. Condition
keys are case-insensitive, values case-sensitive; a missing key fails the condition unless the
operator ends in ``IfExists``; an explicit Deny wins, then any Allow, otherwise the request is
implicitly denied.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOW = "Allow"
DENY = "Deny"
IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True)
class Request:
    """One API call: its action, resource ARN, request context and (for resource policies) the
    calling principal as ``("Service", "cloudfront.amazonaws.com")`` or ``("AWS", arn)``."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    principal: tuple[str, str] | None = None


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value, flags=re.IGNORECASE if ignore_case else 0) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _compare(base: str, expected: str, actual: str) -> bool:
    if base in ("StringEquals", "ArnEquals"):
        return expected == actual
    if base in ("StringLike", "ArnLike"):
        return _glob(expected, actual)
    if base == "Bool":
        return str(expected).lower() == str(actual).lower()
    raise AssertionError(f"condition operator {base} is not modelled: extend iam_evaluation")


def _condition_holds(operator: str, block: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    quantifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    lowered = {key.lower(): value for key, value in context.items()}
    for key, expected in block.items():
        if key.lower() not in lowered:
            if if_exists:
                continue
            return False
        actual = _as_list(lowered[key.lower()])
        expected_values = _as_list(expected)
        matches = [
            any(_compare(base, str(value), str(item)) for value in expected_values)
            for item in actual
        ]
        if quantifier == "ForAllValues":
            holds = all(matches)
        elif quantifier in ("ForAnyValue", ""):
            holds = any(matches)
        else:
            raise AssertionError(f"set operator {quantifier} is not modelled")
        if not holds:
            return False
    return True


def _principal_matches(principal: Any, request: Request) -> bool:
    """A statement without Principal is an identity policy's: it applies to whoever holds it;
    one with a Principal (a resource policy's) applies only to a request naming a caller."""
    if principal is None:
        return True
    if principal == "*":
        return True
    if request.principal is None:
        return False
    kind, name = request.principal
    return any(str(item) == name for item in _as_list(principal.get(kind, [])))


def _listed(
    statement: Mapping[str, Any], element: str, value: str, *, ignore_case: bool = False
) -> bool:
    """Whether ``value`` is in the statement's Action/Resource, or outside its NotAction/..."""
    negated = f"Not{element}"
    patterns = _as_list(statement[negated] if negated in statement else statement[element])
    found = any(_glob(str(pattern), value, ignore_case=ignore_case) for pattern in patterns)
    return not found if negated in statement else found


def statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether ``statement`` applies to ``request`` (action, resource, principal, conditions)."""
    if not _listed(statement, "Action", request.action, ignore_case=True):
        return False
    if not _listed(statement, "Resource", request.resource):
        return False
    if not _principal_matches(statement.get("Principal"), request):
        return False
    return all(
        _condition_holds(operator, block, request.context)
        for operator, block in statement.get("Condition", {}).items()
    )


def _decide(statements: Iterable[Mapping[str, Any]], request: Request) -> str:
    effects = {s["Effect"] for s in statements if statement_matches(s, request)}
    if DENY in effects:
        return DENY
    return ALLOW if ALLOW in effects else IMPLICIT_DENY


def allows(statements: Iterable[Mapping[str, Any]], request: Request) -> bool:
    """An Allow applies and no Deny does."""
    return _decide(statements, request) == ALLOW


def decision(
    statements: Iterable[Mapping[str, Any]],
    *,
    action: str,
    resource: str,
    principal: tuple[str, str] | None = None,
    context: Mapping[str, str | list[str]] | None = None,
) -> str:
    """ALLOW, DENY (an explicit Deny applies) or IMPLICIT_DENY for one request.

    ``principal`` is e.g. ("Service", "cloudfront.amazonaws.com") for a resource policy, None
    for an identity policy; ``context`` holds the request's condition keys.
    """
    return _decide(statements, Request(action, resource, context or {}, principal))
