"""Fixtures of the bootstrap tests: a local organization of OUs and accounts for the spokes."""

from __future__ import annotations

from tests.support.spokes import organization

__all__ = ["organization"]
