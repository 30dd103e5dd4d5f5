"""The committed version lock: product -> version -> sha256 of the template published as it.

Like CDK's ProductStackHistory, it makes "the template changed but its version did not" an
error before anything reaches AWS. ``portfolio lock`` records the manifest's current versions;
``portfolio plan`` and ``portfolio publish`` only check it and never write it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from portfolio.errors import BadInput
from portfolio.manifest.semver import parse_semver

if TYPE_CHECKING:
    from portfolio.manifest.model import LoadedManifest

LOCK_FILE_NAME = "versions.lock.yaml"
_HEADER = (
    "# Product -> version -> sha256 of the template published as that version.\n"
    "# Written by `portfolio lock`; commit it. `portfolio plan` and `portfolio publish` refuse a\n"
    "# template whose content changed while its version stayed the same.\n"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class VersionLock:
    versions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def lock_path_for(manifest_path: Path) -> Path:
    """The lock file sits next to the manifest."""
    return manifest_path.parent / LOCK_FILE_NAME


def template_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lock(path: Path) -> VersionLock:
    """The lock at ``path`` (empty when the file does not exist yet)."""
    if not path.exists():
        return VersionLock()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise BadInput(f"{path.name}: cannot read it ({error})") from None
    return VersionLock(versions=_parse_lock(raw, path.name))


def _parse_lock(raw: Any, name: str) -> dict[str, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise BadInput(f"{name}: must map product names to versions")
    versions: dict[str, dict[str, str]] = {}
    for product, entries in raw.items():
        if not isinstance(entries, Mapping):
            raise BadInput(f"{name}: {product}: must map versions to sha256 digests")
        versions[str(product)] = {}
        for version, digest in entries.items():
            if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                raise BadInput(f"{name}: {product}.{version}: not a sha256 hex digest")
            versions[str(product)][str(version)] = digest
    return versions


def write_lock(path: Path, lock: VersionLock) -> None:
    ordered = {
        product: {version: entries[version] for version in _by_version(entries)}
        for product, entries in sorted(lock.versions.items())
    }
    body = yaml.safe_dump(ordered, sort_keys=False, default_flow_style=False, width=200)
    path.write_text(_HEADER + body, encoding="utf-8")


def _by_version(entries: Mapping[str, str]) -> list[str]:
    """Semantic versions in precedence order, then anything else alphabetically."""
    semvers = sorted((v for v in entries if parse_semver(v)), key=parse_semver)
    return semvers + sorted(v for v in entries if parse_semver(v) is None)


def with_versions(lock: VersionLock, current: Mapping[str, tuple[str, str]]) -> VersionLock:
    """``lock`` plus ``current`` (product -> (version, sha256)), replacing those entries."""
    versions = {product: dict(entries) for product, entries in lock.versions.items()}
    for product, (version, digest) in current.items():
        versions.setdefault(product, {})[version] = digest
    return VersionLock(versions=versions)


def pruned(
    lock: VersionLock, existing: Mapping[str, set[str]], keep: Mapping[str, str]
) -> tuple[VersionLock, list[tuple[str, str]]]:
    """``lock`` without the versions of each product in ``existing`` (product -> the version
    names that exist in AWS) that do not exist, except ``keep[product]`` (the manifest's own).
    Products missing from ``existing`` are left as they are. Returns the lock and the
    (product, version) pairs dropped."""
    versions: dict[str, dict[str, str]] = {}
    dropped: list[tuple[str, str]] = []
    for product, entries in lock.versions.items():
        names = existing.get(product)
        kept = {
            version: digest
            for version, digest in entries.items()
            if names is None or version in names or version == keep.get(product)
        }
        dropped.extend((product, version) for version in entries if version not in kept)
        versions[product] = kept
    return VersionLock(versions=versions), dropped


def record_lock(loaded: LoadedManifest) -> None:
    """Record every product's current version and template hash next to the manifest, without
    the checks of ``portfolio lock`` (the demo and tests lock manifests they just wrote)."""
    current = {
        product.name: (product.version, template_sha256(loaded.template_path(product)))
        for product in loaded.manifest.products
    }
    lock_path = lock_path_for(loaded.path)
    write_lock(lock_path, with_versions(read_lock(lock_path), current))
