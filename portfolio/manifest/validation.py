"""Every rule the manifest must satisfy, checked before any AWS call: one line per problem,
naming the field.

Three kinds of rule live here. Each field's own rule, declared in its ``FieldRule`` in
``portfolio.manifest.model`` (patterns, lengths, ranges, item counts), checked while
``portfolio.manifest.loading`` converts the YAML. The rules that span fields or touch the file
system (duplicates, LAUNCH with STACKSET, template files, a topic's region), the small
``_check_*`` functions below. And the version lock (``check_version_lock``). The planner applies
``notification_region_problems`` again to each region it publishes to, as ``--region`` may
name regions the manifest does not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from portfolio.errors import BadInput
from portfolio.manifest.model import (
    ACCOUNT_ID,
    MAX_IAM_PATTERN_PRINCIPALS,
    SNS_TOPIC_REGION_FIELD,
    FieldRule,
    LoadedManifest,
    Manifest,
    Product,
    TextKind,
)
from portfolio.manifest.version_lock import VersionLock, lock_path_for
from portfolio.names import REGION_PLACEHOLDER
from portfolio.regions import region_problem


class Problems:
    """Collected ``path: message`` lines, in document order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path or 'manifest'}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise BadInput("\n".join(self.lines))


def kind_of(value: Any) -> str:
    """What a YAML value is, for messages: 'a mapping', 'a number', 'nothing (null)'..."""
    if value is None:
        return "nothing (null)"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return names.get(type(value), type(value).__name__)


# --- each field's own rule ----------------------------------------------------------------------


def check_items(items: Sequence[Any], path: str, problems: Problems, rule: FieldRule) -> bool:
    """A list against its rule: how many items, and whether they must be distinct."""
    ok = _check_count(len(items), path, problems, rule)
    if rule.unique:
        ok = _check_unique(items, path, problems) and ok
    return ok


def _check_count(count: int, path: str, problems: Problems, rule: FieldRule) -> bool:
    if rule.min_items is not None and count < rule.min_items:
        problems.add(path, f"needs at least {rule.min_items} item(s), got {count}")
        return False
    if rule.max_items is not None and count > rule.max_items:
        problems.add(path, f"allows at most {rule.max_items} items, got {count}")
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


def check_value(value: Any, path: str, problems: Problems, rule: FieldRule) -> bool:
    """A scalar of the right type against its rule: range for a number; length and pattern
    for a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        if rule.minimum is not None and value < rule.minimum:
            problems.add(path, f"must be at least {rule.minimum}, got {value}")
            return False
        if rule.maximum is not None and value > rule.maximum:
            problems.add(path, f"must be at most {rule.maximum}, got {value}")
            return False
        return True
    if not isinstance(value, str):
        return True
    return _check_string(value, path, problems, rule)


def _check_string(value: str, path: str, problems: Problems, rule: FieldRule) -> bool:
    if rule.min_length is not None and len(value) < rule.min_length:
        problems.add(
            path,
            "must not be empty"
            if rule.min_length == 1
            else f"must be at least {rule.min_length} characters, got {len(value)}",
        )
        return False
    if rule.max_length is not None and len(value) > rule.max_length:
        problems.add(path, f"must be at most {rule.max_length} characters, got {len(value)}")
        return False
    if rule.pattern is not None and not re.fullmatch(rule.pattern, value):
        problems.add(path, f"{value!r} is not {rule.means or 'in the expected form'}")
        return False
    problem = (text_problem(value, rule.text) if rule.text else "") or (
        region_problem(value) if rule.region else ""
    )
    if problem:
        problems.add(path, problem if rule.text else f"{value}: {problem}")
        return False
    return True


#: Characters that make text display differently from what it is (the Unicode Bidi_Control
#: characters: embeddings, overrides, isolates and marks), as in the "Trojan Source" attacks.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def text_problem(value: str, kind: TextKind) -> str:
    """Why ``value`` cannot be shown to people as a ``kind`` ("" when it can): blank (only
    whitespace), a bidirectional control, or a control character (line and paragraph
    separators included; a description may hold line breaks and tabs)."""
    if value and not value.strip():
        return "must not be blank (it is only whitespace)"
    allowed = "\n\t" if kind == "prose" else ""
    for character in value:
        code = f"U+{ord(character):04X}"
        if character in BIDI_CONTROLS:
            return f"contains a bidirectional control character ({code}); remove it"
        category = unicodedata.category(character)
        if category in ("Cc", "Zl", "Zp") and character not in allowed:
            what = "a line break" if character in "\n\r\u2028\u2029" else "a control character"
            return f"contains {what} ({code}); remove it"
    return ""


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
    """Names are unique, and so are identities (a derived one may collide: 'Bucket' and
    'bucket!' both make 'bucket')."""
    names = [product.name for product in products]
    first = names.index(names[index])
    if first != index:
        problems.add(f"products[{index}].name", f"duplicate of products[{first}].name")
        return
    identities = [product.identity for product in products]
    first = identities.index(identities[index])
    if first != index:
        field = "id" if products[index].id is not None else "name"
        problems.add(
            f"products[{index}].{field}",
            f"identity {identities[index]!r} is also products[{first}]'s; set a distinct "
            f"products[{index}].id",
        )


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
    problems.lines.extend(notification_region_problems(product, path, regions))


def notification_region_problems(
    product: Product, constraints_path: str, regions: Sequence[str]
) -> list[str]:
    """One ``path: why`` line for each notification topic of ``product`` that cannot hear about
    stacks in ``regions`` (``constraints_path`` names the product's constraints)."""
    notification = product.constraints.notification
    return [
        f"{constraints_path}.notification.topic_arns[{index}]: {problem}"
        for index, arn in enumerate(notification.topic_arns if notification else ())
        if (problem := topic_region_problem(arn, regions))
    ]


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
            problems.add(rule_path, f"must be a mapping, got {kind_of(body)}")
        else:
            _check_rule_body(body, rule_path, problems)


def _check_rule_body(body: Mapping[str, Any], path: str, problems: Problems) -> None:
    for key in sorted(set(body) - _RULE_KEYS):
        problems.add(path, f"unknown key {key!r} (expected RuleCondition, Assertions)")
    if "RuleCondition" in body and not isinstance(body["RuleCondition"], Mapping):
        problems.add(
            f"{path}.RuleCondition",
            f"must be a mapping (a condition function such as Fn::Equals), got "
            f"{kind_of(body['RuleCondition'])}",
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
            f"{kind_of(assertion['Assert'])}",
        )
    elif not isinstance(assertion.get("AssertDescription", ""), str):
        problems.add(f"{path}.AssertDescription", "must be a string")
    elif problem := text_problem(assertion.get("AssertDescription", ""), "prose"):
        problems.add(f"{path}.AssertDescription", problem)


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
    did not, a version not recorded yet (``require_recorded``). ``hashes`` maps product name ->
    template sha256. How many versions a product has is AWS's to say (the planner checks the
    limit against the versions that exist), not the lock's: it records history."""
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
    return problems.lines
