"""Does one template hold the same resource as another, modulo references and conditions?

The complete stack must only wire the modules' ``add_*`` functions: each of its resources has
the type and properties of a module's resource, where a module's parameter ``Ref`` may have
become a reference to a resource (or a literal), and a module's optional value (``Fn::If`` with
``AWS::NoValue``) may be present or absent. Everything else (literals, property names, list
items and their order, ``Fn::Sub`` texts, deletion policies, scanner metadata) must be equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

#: A value that is not there: a missing key, or ``{"Ref": "AWS::NoValue"}``.
ABSENT = object()

#: Intrinsic functions whose value is a reference: they match any reference or literal.
_REFERENCES = {
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::ImportValue",
}
_SUB_VARIABLE = re.compile(r"\$\{[^}!]+\}")
#: Resource attributes compared besides Type and Properties (Condition is the wiring's choice).
_COMPARED_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy", "Metadata", "DependsOn")


def _alternatives(node: Any) -> Iterator[Any]:
    """Every value ``node`` may take: both branches of an ``Fn::If``, ABSENT for NoValue."""
    if isinstance(node, dict) and len(node) == 1:
        [(key, argument)] = node.items()
        if key == "Fn::If":
            _, when_true, when_false = argument
            yield from _alternatives(when_true)
            yield from _alternatives(when_false)
            return
        if key == "Ref" and argument == "AWS::NoValue":
            yield ABSENT
            return
    yield node


def _is_reference(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and next(iter(node)) in _REFERENCES


def _sub_text(node: Any) -> str | None:
    """The text of an ``Fn::Sub`` with its variable names blanked, else None."""
    if not (isinstance(node, dict) and set(node) == {"Fn::Sub"}):
        return None
    argument = node["Fn::Sub"]
    text = argument if isinstance(argument, str) else argument[0]
    return _SUB_VARIABLE.sub("${}", text)


def _reference_or_literal(node: Any) -> bool:
    """A reference, or a value a reference could resolve to (not a structure)."""
    return _is_reference(node) or not isinstance(node, list | dict)


def _optional(node: Any) -> bool:
    return any(value is ABSENT for value in _alternatives(node))


def _plain_match(left: Any, right: Any) -> bool:
    if left is ABSENT or right is ABSENT:
        return left is right
    if _is_reference(left) or _is_reference(right):
        left_sub, right_sub = _sub_text(left), _sub_text(right)
        if left_sub is not None and right_sub is not None:
            return left_sub == right_sub
        return _reference_or_literal(left) and _reference_or_literal(right)
    if isinstance(left, dict) and isinstance(right, dict):
        return all(
            matches(left.get(key, ABSENT), right.get(key, ABSENT)) for key in {*left, *right}
        )
    if isinstance(left, list) and isinstance(right, list):
        return _sequences_match(tuple(map(_freeze, left)), tuple(map(_freeze, right)))
    return type(left) is type(right) and left == right


def matches(left: Any, right: Any) -> bool:
    """Whether some value ``left`` may take matches some value ``right`` may take."""
    return any(
        _plain_match(one, other) for one in _alternatives(left) for other in _alternatives(right)
    )


def _freeze(node: Any) -> Any:
    """A hashable copy (for the memoised list alignment)."""
    if isinstance(node, dict):
        return _Frozen(tuple(sorted((key, _freeze(value)) for key, value in node.items())))
    if isinstance(node, list):
        return tuple(map(_freeze, node))
    return node


def _thaw(node: Any) -> Any:
    if isinstance(node, _Frozen):
        return {key: _thaw(value) for key, value in node.items}
    if isinstance(node, tuple):
        return [_thaw(item) for item in node]
    return node


class _Frozen:
    """A dict frozen for hashing."""

    def __init__(self, items: tuple[tuple[str, Any], ...]) -> None:
        self.items = items

    def __hash__(self) -> int:
        return hash(self.items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and self.items == other.items


@cache
def _sequences_match(left: Sequence[Any], right: Sequence[Any]) -> bool:
    """Item by item in order; an optional item (``Fn::If`` with NoValue) may be left out."""
    if not left and not right:
        return True
    first_left = _thaw(left[0]) if left else None
    first_right = _thaw(right[0]) if right else None
    if left and _optional(first_left) and _sequences_match(left[1:], right):
        return True
    if right and _optional(first_right) and _sequences_match(left, right[1:]):
        return True
    return bool(left and right) and (
        matches(first_left, first_right) and _sequences_match(left[1:], right[1:])
    )


def _depends_on(resource: dict[str, Any]) -> list[str]:
    depends = resource.get("DependsOn", [])
    return [depends] if isinstance(depends, str) else list(depends)


def is_twin(module_resource: dict[str, Any], stack_resource: dict[str, Any]) -> bool:
    """Same type, same properties modulo references and conditions, same policies."""
    if module_resource["Type"] != stack_resource["Type"]:
        return False
    if not matches(module_resource.get("Properties", {}), stack_resource.get("Properties", {})):
        return False
    for attribute in _COMPARED_ATTRIBUTES:
        if attribute == "DependsOn":
            if _depends_on(module_resource) != _depends_on(stack_resource):
                return False
        elif not matches(
            module_resource.get(attribute, ABSENT), stack_resource.get(attribute, ABSENT)
        ):
            return False
    return True


def twins(resource: dict[str, Any], template: dict[str, Any]) -> list[str]:
    """Logical IDs of ``template``'s resources that are twins of ``resource``."""
    return [
        name
        for name, candidate in template.get("Resources", {}).items()
        if is_twin(resource, candidate)
    ]
