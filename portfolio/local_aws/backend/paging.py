"""Pages of a list response: PageSize items from the position a PageToken names."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from portfolio.local_aws import settings
from portfolio.local_aws.exceptions import InvalidParameters

T = TypeVar("T")


def page_of(items: list[T], page_size: int | None, page_token: str | None) -> tuple[list[T], str]:
    """One page of ``items`` and the token of the next page ("" when this is the last)."""
    start = 0
    if page_token:
        match = re.fullmatch(r"page-(\d+)", page_token)
        if match is None:
            raise InvalidParameters(f"PageToken {page_token!r} is not valid")
        start = int(match.group(1))
    size = page_size or settings.DEFAULT_PAGE_SIZE
    end = start + size
    return items[start:end], (f"page-{end}" if end < len(items) else "")


def page_response(items_key: str, token_key: str, page: tuple[list[Any], str]) -> dict[str, Any]:
    items, next_token = page
    response: dict[str, Any] = {items_key: items}
    if next_token:
        response[token_key] = next_token
    return response
