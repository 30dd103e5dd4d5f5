"""Evaluate resolved IAM policy statements against one request, as IAM would, for tests.

Enough of IAM's logic for the policies this repository writes: action and resource wildcards,
an optional principal (resource policies), and the condition operators the templates use. An
operator it does not know fails the test instead of being ignored. Condition keys are
case-insensitive, values case-sensitive; a missing key fails the condition unless the operator
ends in ``IfExists``; an explicit Deny wins.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


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
    if principal is None:
        return True
    if principal == "*":
        return True
    if request.principal is None:
        return False
    kind, name = request.principal
    return any(str(item) == name for item in _as_list(principal.get(kind, [])))


def statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether ``statement`` applies to ``request`` (action, resource, principal, conditions)."""
    if not any(
        _glob(str(action), request.action, ignore_case=True)
        for action in _as_list(statement["Action"])
    ):
        return False
    if not any(_glob(str(arn), request.resource) for arn in _as_list(statement["Resource"])):
        return False
    if not _principal_matches(statement.get("Principal"), request):
        return False
    return all(
        _condition_holds(operator, block, request.context)
        for operator, block in statement.get("Condition", {}).items()
    )


def allows(statements: Iterable[Mapping[str, Any]], request: Request) -> bool:
    """An Allow applies and no Deny does."""
    applying = [statement for statement in statements if statement_matches(statement, request)]
    return any(s["Effect"] == "Allow" for s in applying) and not any(
        s["Effect"] == "Deny" for s in applying
    )
