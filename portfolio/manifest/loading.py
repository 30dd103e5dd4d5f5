"""YAML in, the typed manifest out: the file is read, parsed and converted field by field.

The conversion follows the dataclasses of ``portfolio.manifest.model``: a key it does not know,
a missing required key or a value of the wrong type is a problem here; whatever else a field's
rule or the manifest as a whole must satisfy is checked by ``portfolio.manifest.validation``.
Every problem is collected (one line each, naming the field) before BadInput is raised.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from portfolio.errors import BadInput
from portfolio.manifest.model import (
    MAX_MANIFEST_BYTES,
    MAX_NESTING,
    MAX_STRING_LENGTH,
    MAX_VALUES,
    FieldRule,
    LoadedManifest,
    Manifest,
)
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
    """The manifest file parsed, or BadInput naming --manifest (and the line of a YAML error)
    or the field past a limit (see ``ManifestLoader``)."""
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise BadInput(f"--manifest {path}: {size} bytes; at most {MAX_MANIFEST_BYTES}")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"--manifest {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"--manifest {path}: cannot read it ({error})") from None
    try:
        return yaml.load(text, Loader=ManifestLoader)  # a SafeLoader: no arbitrary objects
    except LimitExceeded as error:
        raise BadInput(str(error)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise BadInput(f"--manifest {path}:{where}: invalid YAML ({problem})") from None


class LimitExceeded(yaml.YAMLError):
    """A manifest past one of the loader's limits; the message names the field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or 'manifest'}: {message}")


#: Where free-form TEMPLATE rule documents sit; no alias may be used inside one.
_RULES_PATH = re.compile(r"products\[\d+\]\.constraints\.template\.rules[.\[].*")


class ManifestLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits, checked while the document is composed, before any
    value is built, so that no input can hang or crash the publisher:

    - nesting at most MAX_NESTING levels (PyYAML composes recursively: a deeply nested
      document would end in RecursionError);
    - at most MAX_VALUES values once aliases are expanded (an alias is shared, not copied,
      but whatever walks the manifest later walks each use: a "billion laughs" document is
      small on disk and endless to plan), and no alias inside a TEMPLATE rule document (free
      form, sent to AWS as JSON);
    - strings (and keys) of at most MAX_STRING_LENGTH characters;
    - a key repeated in one mapping is an error (PyYAML silently keeps the last value, so a
      pasted second ``owner:`` would win unnoticed). Keys brought in by a ``<<`` merge may
      still be overridden, as YAML intends.

    Each limit's error names the field where it was met (``products[2].constraints...``).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[str] = []
        self._values: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._path.append(_path_element(parent, index))
        try:
            path = "".join(self._path).lstrip(".")
            if len(self._path) > MAX_NESTING:
                raise LimitExceeded(path, f"nested deeper than {MAX_NESTING} levels")
            if self.check_event(yaml.AliasEvent) and _RULES_PATH.fullmatch(path):
                raise LimitExceeded(path, "YAML aliases are not allowed inside rule documents")
            node = super().compose_node(parent, index)
            self._count(node, path)
            return node
        finally:
            self._path.pop()

    def _count(self, node: Node, path: str) -> None:
        if id(node) in self._values:  # an alias: its values count again where it is used
            count = self._values[id(node)]
        elif isinstance(node, ScalarNode):
            if len(node.value) > MAX_STRING_LENGTH:
                raise LimitExceeded(
                    path, f"{len(node.value)} characters; at most {MAX_STRING_LENGTH}"
                )
            count = self._values[id(node)] = 1
        elif isinstance(node, SequenceNode):
            count = 1 + sum(self._values[id(item)] for item in node.value)
        elif isinstance(node, MappingNode):
            count = 1 + sum(self._values[id(k)] + self._values[id(v)] for k, v in node.value)
        self._values.setdefault(id(node), count)
        if count > MAX_VALUES:
            raise LimitExceeded(
                path,
                f"expands to more than {MAX_VALUES} values (each YAML alias repeats its anchor)",
            )

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


def _path_element(parent: Node | None, index: Any) -> str:
    """How a node composed under ``parent`` at ``index`` extends the field path."""
    if isinstance(parent, SequenceNode):
        return f"[{index}]"
    if isinstance(parent, MappingNode):
        return f".{index.value}" if isinstance(index, ScalarNode) else ""  # "": a key
    return ""


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
