"""Reading IAM policy documents of generated templates (template data, as ``to_dict`` gives)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import cache
from typing import Any

import awacs


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement of the managed policies attached to ``role`` (a logical ID)."""
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        and {"Ref": role} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def allowed_actions(statements: list[dict[str, Any]]) -> set[str]:
    return {
        action
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


def strings(node: Any) -> Iterator[str]:
    """Every string in JSON-like data (``Fn::Sub`` text included)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)


@cache
def known_actions() -> frozenset[str]:
    """Every IAM action awacs knows (its modules follow the service authorization reference)."""
    actions: set[str] = set()
    for module_info in pkgutil.iter_modules(awacs.__path__):
        module = importlib.import_module(f"awacs.{module_info.name}")
        prefix = getattr(module, "prefix", None)
        if not isinstance(prefix, str):
            continue
        actions.update(
            f"{prefix}:{name}".lower()
            for name, value in vars(module).items()
            if type(value).__name__ == "Action"
        )
    return frozenset(actions)
