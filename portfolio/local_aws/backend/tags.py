"""Tags of portfolios and products: AWS's Key/Value list form, and adding/removing them."""

from __future__ import annotations

from portfolio.local_aws import settings
from portfolio.local_aws.exceptions import InvalidParameters, LimitExceeded


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def merged_tags(
    tags: dict[str, str], add: list[dict[str, str]] | None, remove: list[str] | None
) -> dict[str, str]:
    merged = {key: value for key, value in tags.items() if key not in (remove or [])}
    added_keys = [tag["Key"] for tag in add or []]
    if len(added_keys) != len(set(added_keys)):
        raise InvalidParameters("Tags: duplicate tag keys")
    merged.update({tag["Key"]: tag["Value"] for tag in add or []})
    if len(merged) > settings.MAX_TAGS_PER_RESOURCE:
        raise LimitExceeded(f"A resource can have at most {settings.MAX_TAGS_PER_RESOURCE} tags")
    return merged
