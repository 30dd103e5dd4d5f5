"""Which region names exist, and which regions a command works on.

The regions come from botocore's endpoint data (every partition: aws, aws-cn, aws-us-gov, the
ISO partitions...), so a new region arrives with a botocore upgrade instead of an edit here, and
a typo is bad input before any call instead of a network error retried six times.

A command's regions are resolved the way the AWS CLI resolves its one region, with the
manifest as the last resort: ``--region``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``,
else the profile's ``region``, else the manifest's ``regions``. ``ResolvedRegions.source``
says which, and every command prints it.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import botocore
import botocore.loaders

from portfolio.errors import BadInput


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore knows (its endpoints.json). Read with a bare
    loader: a session would read the AWS config first and fail on a bad AWS_PROFILE, which
    deserves its own message."""
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return frozenset(
        region for partition in endpoints["partitions"] for region in partition["regions"]
    )


def region_problem(name: str) -> str:
    """Why ``name`` is not a region ("" when it is one), with the closest name as a hint."""
    if name in known_regions():
        return ""
    close = difflib.get_close_matches(name, sorted(known_regions()), n=1)
    hint = f"did you mean {close[0]}?" if close else "e.g. us-east-1"
    return f"not an AWS region known to botocore {botocore.__version__} ({hint})"


def regions_from(
    values: Sequence[str], where: Callable[[str], str] = lambda region: f"--region {region}"
) -> tuple[str, ...]:
    """Region values (each may be comma-separated) split, stripped, checked and de-duplicated
    in order; BadInput naming where the value came from (``where(value)``) for anything that
    is not a region."""
    regions: list[str] = []
    for value in values:
        for region in value.split(","):
            region = region.strip()
            problem = region_problem(region) if region else "empty region name (e.g. us-east-1)"
            if problem:
                raise BadInput(f"{where(region).rstrip()}: {problem}")
            regions.append(region)
    return tuple(dict.fromkeys(regions))


@dataclass(frozen=True)
class ResolvedRegions:
    regions: tuple[str, ...]
    source: str  # "--region", "AWS_REGION", "AWS_DEFAULT_REGION", "profile NAME", "the manifest"

    def describe(self) -> str:
        """'regions: us-east-1, eu-west-1 (from AWS_REGION)'."""
        return f"regions: {', '.join(self.regions)} (from {self.source})"


def resolve_regions(
    flag_values: Sequence[str],
    profile_region: Callable[[], str | None],
    manifest_regions: Callable[[], Sequence[str]] | None,
    profile_name: str | None = None,
) -> ResolvedRegions:
    """The first source that names a region: the flag, the two variables, the profile, the
    manifest (read only when needed). BadInput when a value is not a region, or nothing
    names one."""
    if flag_values:
        return ResolvedRegions(regions_from(flag_values), "--region")
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = os.environ.get(variable, "").strip()
        if value:
            named = regions_from([value], lambda r, v=variable: f"{v}={r} (from the environment)")
            return ResolvedRegions(named, variable)
    region = profile_region()
    if region:
        source = f"profile {profile_name or os.environ.get('AWS_PROFILE') or 'default'}"
        named = regions_from([region], lambda r: f"region = {r} (in the {source})")
        return ResolvedRegions(named, source)
    if manifest_regions is not None:
        return ResolvedRegions(tuple(manifest_regions()), "the manifest")
    raise BadInput(
        "--region: required (no AWS_REGION, AWS_DEFAULT_REGION or profile region is set); "
        "e.g. --region us-east-1"
    )
