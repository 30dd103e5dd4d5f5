"""Semantic versions (semver.org 2.0.0): product versions are compared to pick the active ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

#: The official semver.org pattern (build metadata allowed, ignored when ordering).
SEMVER_PATTERN = (
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_SEMVER = re.compile(SEMVER_PATTERN)


@total_ordering
@dataclass(frozen=True)
class SemVer:
    """A parsed version; ordering follows semver precedence (pre-releases sort first)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def _key(self) -> tuple[object, ...]:
        # A release sorts after all of its pre-releases; numeric identifiers before alphanumeric.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()


def parse_semver(text: str) -> SemVer | None:
    """The version ``text`` names, or None when it is not a semantic version."""
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    major, minor, patch, pre, _build = match.groups()
    return SemVer(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())
