"""YAML in, the typed manifest out: the file is read, parsed and converted field by field.

The conversion follows the dataclasses of ``portfolio.manifest.model``: a key it does not know,
a missing required key or a value of the wrong type is a problem here; whatever else a field's
rule or the manifest as a whole must satisfy is checked by ``portfolio.manifest.validation``.
Every problem is collected (one line each, naming the field) before BadInput is raised.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml

from portfolio.errors import BadInput
from portfolio.manifest.model import FieldRule, LoadedManifest, Manifest
from portfolio.manifest.validation import (
    Problems,
    check_items,
    check_manifest,
    check_value,
    kind_of,
)

_INVALID = object()  # a value that failed its checks (its problems are already recorded)


def load_manifest(path: Path) -> LoadedManifest:
    """Read, parse and check the manifest at ``path``; BadInput lists every problem."""
    loaded = LoadedManifest(manifest=parse_manifest(read_yaml(path)), path=path.resolve())
    problems = Problems()
    check_manifest(loaded, problems)
    problems.raise_if_any()
    return loaded


def parse_manifest(raw: Any) -> Manifest:
    """The manifest in ``raw`` (parsed YAML), checked for structure only (no files, no lock)."""
    problems = Problems()
    manifest = convert(raw, Manifest, "", problems)
    problems.raise_if_any()
    return manifest


def read_yaml(path: Path) -> Any:
    """The manifest file parsed, or BadInput naming --manifest (and the line of a YAML error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"--manifest {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"--manifest {path}: cannot read it ({error})") from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise BadInput(f"--manifest {path}:{where}: invalid YAML ({problem})") from None


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key repeated in one mapping is an error (PyYAML
    silently keeps the last value, so a pasted second ``owner:`` would win unnoticed).
    Keys brought in by a ``<<`` merge may still be overridden, as YAML intends."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_lines: dict[Any, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, list | dict):
                continue  # unhashable: PyYAML reports it itself
            if key in first_lines:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {first_lines[key]})",
                    key_node.start_mark,
                )
            first_lines[key] = line
        return super().construct_mapping(node, deep=deep)


# --- structure: driven by the dataclass fields -------------------------------------------------


def convert(
    value: Any, hint: Any, path: str, problems: Problems, check: FieldRule | None = None
) -> Any:
    """``value`` as an instance of ``hint`` (or _INVALID), recording problems under ``path``."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(hint):
            return None
        hint = next(arg for arg in get_args(hint) if arg is not type(None))
        origin = get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _convert_dataclass(value, hint, path, problems)
    if origin is tuple:
        return _convert_list(value, get_args(hint)[0], path, problems, check)
    if origin is dict:
        return _convert_mapping(value, path, problems)
    if origin is Literal:
        return _convert_choice(value, get_args(hint), path, problems)
    return _convert_scalar(value, hint, path, problems, check)


def _convert_dataclass(value: Any, cls: type, path: str, problems: Problems) -> Any:
    if not isinstance(value, Mapping):
        problems.add(path, f"must be a mapping, got {kind_of(value)}")
        return _INVALID
    before = len(problems.lines)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = get_type_hints(cls)
    for key in value:
        if key not in fields:
            problems.add(path, _unknown_key_message(key, fields))
    converted: dict[str, Any] = {}
    for name, spec in fields.items():
        child = _child(path, name)
        if name in value:
            converted[name] = convert(value[name], hints[name], child, problems, _rule_of(spec))
        elif _required(spec):
            problems.add(child, "required key is missing")
    return _INVALID if len(problems.lines) > before else cls(**converted)


def _convert_list(
    value: Any, item_hint: Any, path: str, problems: Problems, check: FieldRule | None
) -> Any:
    if not isinstance(value, list):
        problems.add(path, f"must be a list, got {kind_of(value)}")
        return _INVALID
    items = [
        convert(item, item_hint, f"{path}[{index}]", problems, check)
        for index, item in enumerate(value)
    ]
    ok = check is None or check_items(value, path, problems, check)
    if not ok or any(item is _INVALID for item in items):
        return _INVALID
    return tuple(items)


def _convert_mapping(value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        problems.add(path, f"must be a mapping with string keys, got {kind_of(value)}")
        return _INVALID
    return dict(value)


def _convert_choice(value: Any, choices: tuple[Any, ...], path: str, problems: Problems) -> Any:
    if value not in choices:
        problems.add(path, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
        return _INVALID
    return value


def _convert_scalar(
    value: Any, hint: type, path: str, problems: Problems, check: FieldRule | None
) -> Any:
    if hint is bool and not isinstance(value, bool):
        problems.add(path, f"must be true or false, got {kind_of(value)}")
        return _INVALID
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        problems.add(path, f"must be an integer, got {kind_of(value)}")
        return _INVALID
    if hint is str and not isinstance(value, str):
        hint_text = " (quote it in YAML)" if isinstance(value, int | float) else ""
        problems.add(path, f"must be a string{hint_text}, got {kind_of(value)}")
        return _INVALID
    if check is not None and not check_value(value, path, problems, check):
        return _INVALID
    return value


def _required(spec: dataclasses.Field[Any]) -> bool:
    return spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING


def _rule_of(spec: dataclasses.Field[Any]) -> FieldRule | None:
    return spec.metadata.get("rule")


def _unknown_key_message(key: Any, fields: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(str(key), list(fields), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(fields)}"
    return f"unknown key {str(key)!r} ({hint})"


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
