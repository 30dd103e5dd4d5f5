"""Requests checked against botocore's model of the service, as the service checks them.

Required members, enums, lengths, patterns and maxima: a violation is the service's validation
error (Service Catalog's ``ValidationException`` unless the caller names another, such as
CloudFormation's ``ValidationError``) with AWS's wording, raised before the operation runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import botocore.session
from botocore.model import Shape

from portfolio.local_aws.exceptions import ValidationError


@cache
def service_model(service: str = "servicecatalog") -> Any:
    """botocore's model of ``service``: the contract both the requests and responses follow."""
    return botocore.session.get_session().get_service_model(service)


def validate_request(
    operation_name: str,
    params: dict[str, Any],
    *,
    service: str = "servicecatalog",
    error: Callable[[str], Exception] = ValidationError,
) -> None:
    """Reject what the service would reject before the operation runs (``error``)."""
    shape = service_model(service).operation_model(operation_name).input_shape
    problems = list(_shape_problems(shape, params, "")) if shape is not None else []
    if problems:
        plural = "s" if len(problems) > 1 else ""
        detail = "; ".join(problems)
        raise error(f"{len(problems)} validation error{plural} detected: {detail}")


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
