"""Every check on the manifest, before any AWS call: one line per problem, naming the field.

The structure (keys, types, patterns, lengths) comes from the dataclasses in
``portfolio.manifest``; the rules that span fields (duplicates, LAUNCH with STACKSET, template
files, the version lock) are the small ``_check_*`` functions below.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml

from portfolio.errors import BadInput
from portfolio.manifest.model import (
    ACCOUNT_ID,
    MAX_IAM_PATTERN_PRINCIPALS,
    MAX_VERSIONS_PER_PRODUCT,
    REGION_PLACEHOLDER,
    SNS_TOPIC_REGION_FIELD,
    FieldRule,
    LoadedManifest,
    Manifest,
    Product,
)
from portfolio.manifest.version_lock import VersionLock, lock_path_for

_INVALID = object()  # a value that failed its checks (its problems are already recorded)


class Problems:
    """Collected ``path: message`` lines, in document order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path or 'manifest'}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise BadInput("\n".join(self.lines))


def load_manifest(path: Path) -> LoadedManifest:
    """Read, parse and check the manifest at ``path``; BadInput lists every problem."""
    loaded = LoadedManifest(manifest=parse_manifest(_read_yaml(path)), path=path.resolve())
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


def _read_yaml(path: Path) -> Any:
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
        problems.add(path, f"must be a mapping, got {_kind(value)}")
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
        problems.add(path, f"must be a list, got {_kind(value)}")
        return _INVALID
    items = [
        convert(item, item_hint, f"{path}[{index}]", problems, check)
        for index, item in enumerate(value)
    ]
    ok = _check_count(len(items), path, problems, check)
    if check is not None and check.unique:
        ok = _check_unique(value, path, problems) and ok
    if not ok or any(item is _INVALID for item in items):
        return _INVALID
    return tuple(items)


def _check_count(count: int, path: str, problems: Problems, check: FieldRule | None) -> bool:
    if check is None:
        return True
    if check.min_items is not None and count < check.min_items:
        problems.add(path, f"needs at least {check.min_items} item(s), got {count}")
        return False
    if check.max_items is not None and count > check.max_items:
        problems.add(path, f"allows at most {check.max_items} items, got {count}")
        return False
    return True


def _check_unique(items: Sequence[Any], path: str, problems: Problems) -> bool:
    ok = True
    for index, item in enumerate(items):
        first = items.index(item)
        if first != index:
            problems.add(f"{path}[{index}]", f"duplicate of {path}[{first}]")
            ok = False
    return ok


def _convert_mapping(value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        problems.add(path, f"must be a mapping with string keys, got {_kind(value)}")
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
        problems.add(path, f"must be true or false, got {_kind(value)}")
        return _INVALID
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        problems.add(path, f"must be an integer, got {_kind(value)}")
        return _INVALID
    if hint is str and not isinstance(value, str):
        hint_text = " (quote it in YAML)" if isinstance(value, int | float) else ""
        problems.add(path, f"must be a string{hint_text}, got {_kind(value)}")
        return _INVALID
    if check is not None and not _satisfies(value, path, problems, check):
        return _INVALID
    return value


def _satisfies(value: Any, path: str, problems: Problems, check: FieldRule) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        if check.minimum is not None and value < check.minimum:
            problems.add(path, f"must be at least {check.minimum}, got {value}")
            return False
        if check.maximum is not None and value > check.maximum:
            problems.add(path, f"must be at most {check.maximum}, got {value}")
            return False
        return True
    if not isinstance(value, str):
        return True
    return _string_satisfies(value, path, problems, check)


def _string_satisfies(value: str, path: str, problems: Problems, check: FieldRule) -> bool:
    if check.min_length is not None and len(value) < check.min_length:
        problems.add(
            path,
            "must not be empty"
            if check.min_length == 1
            else f"must be at least {check.min_length} characters, got {len(value)}",
        )
        return False
    if check.max_length is not None and len(value) > check.max_length:
        problems.add(path, f"must be at most {check.max_length} characters, got {len(value)}")
        return False
    if check.pattern is not None and not re.fullmatch(check.pattern, value):
        problems.add(path, f"{value!r} is not {check.means or 'in the expected form'}")
        return False
    return True


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


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return names.get(type(value), type(value).__name__)


# --- rules across fields -----------------------------------------------------------------------


def check_manifest(loaded: LoadedManifest, problems: Problems) -> None:
    """Rules that span fields or touch the file system; problems recorded in field order."""
    manifest = loaded.manifest
    _check_principals(manifest, problems)
    for index, product in enumerate(manifest.products):
        path = f"products[{index}]"
        _check_duplicate_name(manifest.products, index, problems)
        _check_template_file(loaded, product, f"{path}.template", problems)
        _check_constraints(product, f"{path}.constraints", manifest.regions, problems)
    _check_shares(manifest, problems)


def _check_principals(manifest: Manifest, problems: Problems) -> None:
    with_account = re.compile(rf"arn:[\w-]+:iam::{ACCOUNT_ID}:.*")
    for index, principal in enumerate(manifest.principals):
        path = f"principals[{index}].arn"
        has_account = bool(with_account.fullmatch(principal.arn))
        if principal.type == "IAM" and not has_account:
            problems.add(path, "an IAM principal needs an account ID (arn:aws:iam::ACCOUNT:...)")
        elif principal.type == "IAM" and re.search(r"[*?]", principal.arn):
            problems.add(path, "wildcards need type IAM_PATTERN")
        elif principal.type == "IAM_PATTERN" and has_account:
            problems.add(path, "an IAM_PATTERN has no account ID (arn:aws:iam:::role/name*)")
    patterns = sum(1 for principal in manifest.principals if principal.type == "IAM_PATTERN")
    if patterns > MAX_IAM_PATTERN_PRINCIPALS:
        problems.add(
            "principals",
            f"allows at most {MAX_IAM_PATTERN_PRINCIPALS} of type IAM_PATTERN (Service "
            f"Catalog's limit per portfolio), got {patterns}",
        )


def _check_duplicate_name(products: Sequence[Product], index: int, problems: Problems) -> None:
    names = [product.name for product in products]
    first = names.index(names[index])
    if first != index:
        problems.add(f"products[{index}].name", f"duplicate of products[{first}].name")


def _check_template_file(
    loaded: LoadedManifest, product: Product, path: str, problems: Problems
) -> None:
    if not loaded.template_path(product).is_file():
        problems.add(path, f"{product.template}: no such file (next to {loaded.path.name})")


def _check_constraints(
    product: Product, path: str, regions: Sequence[str], problems: Problems
) -> None:
    constraints = product.constraints
    if constraints.launch is not None and constraints.stackset is not None:
        problems.add(path, "LAUNCH and STACKSET cannot both be set")
    launch = constraints.launch
    if launch is not None and (launch.role_arn is None) == (launch.local_role_name is None):
        problems.add(f"{path}.launch", "set exactly one of role_arn and local_role_name")
    if constraints.template is not None:
        _check_template_rules(constraints.template.rules, f"{path}.template.rules", problems)
    if constraints.notification is not None:
        for index, arn in enumerate(constraints.notification.topic_arns):
            problem = topic_region_problem(arn, regions)
            if problem:
                problems.add(f"{path}.notification.topic_arns[{index}]", problem)


def topic_region_problem(arn: str, regions: Sequence[str]) -> str:
    """Why ``arn`` cannot notify about stacks in ``regions`` ("" when it can): a topic hears
    only about stacks in its own region, so a literal region allows only that one region."""
    if REGION_PLACEHOLDER in arn:
        return ""
    topic_region = arn.split(":")[SNS_TOPIC_REGION_FIELD]
    if list(regions) == [topic_region]:
        return ""
    return (
        f"{arn} is a topic in {topic_region}, so it can only serve regions: [{topic_region}] "
        f"(publishing to {', '.join(regions)}); write {REGION_PLACEHOLDER} in place of the region "
        "to use each region's own topic"
    )


_RULE_KEYS = {"RuleCondition", "Assertions"}
_ASSERTION_KEYS = {"Assert", "AssertDescription"}


def _check_template_rules(rules: Mapping[str, Any], path: str, problems: Problems) -> None:
    if not rules:
        problems.add(path, "needs at least one rule")
    for name, body in rules.items():
        rule_path = f"{path}.{name}"
        if not re.fullmatch(r"[A-Za-z0-9]+", name):
            problems.add(rule_path, "rule names must be alphanumeric")
        elif not isinstance(body, Mapping):
            problems.add(rule_path, f"must be a mapping, got {_kind(body)}")
        else:
            _check_rule_body(body, rule_path, problems)


def _check_rule_body(body: Mapping[str, Any], path: str, problems: Problems) -> None:
    for key in sorted(set(body) - _RULE_KEYS):
        problems.add(path, f"unknown key {key!r} (expected RuleCondition, Assertions)")
    if "RuleCondition" in body and not isinstance(body["RuleCondition"], Mapping):
        problems.add(
            f"{path}.RuleCondition",
            f"must be a mapping (a condition function such as Fn::Equals), got "
            f"{_kind(body['RuleCondition'])}",
        )
    assertions = body.get("Assertions")
    if not isinstance(assertions, list) or not assertions:
        problems.add(f"{path}.Assertions", "must be a non-empty list of {Assert, ...}")
        return
    for index, assertion in enumerate(assertions):
        _check_assertion(assertion, f"{path}.Assertions[{index}]", problems)


def _check_assertion(assertion: Any, path: str, problems: Problems) -> None:
    if not isinstance(assertion, Mapping) or "Assert" not in assertion:
        problems.add(path, "must be a mapping with an Assert key")
    elif set(assertion) - _ASSERTION_KEYS:
        problems.add(path, "allows only Assert and AssertDescription")
    elif not isinstance(assertion["Assert"], Mapping):
        problems.add(
            f"{path}.Assert",
            f"must be a mapping (a condition function such as Fn::Equals), got "
            f"{_kind(assertion['Assert'])}",
        )
    elif not isinstance(assertion.get("AssertDescription", ""), str):
        problems.add(f"{path}.AssertDescription", "must be a string")


def _check_shares(manifest: Manifest, problems: Problems) -> None:
    shares = manifest.shares
    if shares.share_principals and not (shares.organizational_units or shares.organization):
        problems.add(
            "shares.share_principals", "applies only to organization and organizational_units"
        )


# --- the version lock ---------------------------------------------------------------------------


def check_version_lock(
    loaded: LoadedManifest,
    lock: VersionLock,
    hashes: Mapping[str, str],
    *,
    require_recorded: bool = True,
    allow_changed: bool = False,
) -> list[str]:
    """Problems with the lock, one line each: a template whose content changed while its version
    did not, a version not recorded yet (``require_recorded``), more versions than Service
    Catalog keeps. ``hashes`` maps product name -> template sha256."""
    problems = Problems()
    lock_name = lock_path_for(loaded.path).name
    for index, product in enumerate(loaded.manifest.products):
        path = f"products[{index}].version"
        recorded = lock.versions.get(product.name, {})
        locked = recorded.get(product.version)
        if locked is None and require_recorded:
            problems.add(
                path, f"{product.version} is not in {lock_name}; run `portfolio lock` and commit it"
            )
        elif locked is not None and locked != hashes[product.name] and not allow_changed:
            problems.add(
                path,
                f"{product.template} changed but version {product.version} did not (locked "
                f"sha256 {locked[:12]}, now {hashes[product.name][:12]}); bump the version, then "
                "run `portfolio lock`",
            )
        count = len(set(recorded) | {product.version})
        if count > MAX_VERSIONS_PER_PRODUCT:
            problems.add(
                path,
                f"{count} versions recorded in {lock_name}; Service Catalog keeps at most "
                f"{MAX_VERSIONS_PER_PRODUCT} per product",
            )
    return problems.lines
