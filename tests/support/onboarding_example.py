"""The code examples of docs/onboarding.md, loaded as code (tests run what the guide shows)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tests.support.paths import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "onboarding.md"


@cache
def guide_example(name: str) -> dict[str, Any]:
    """The names defined by the guide's Python block between ``<!-- NAME:start/end -->``."""
    block = re.compile(
        rf"<!-- {re.escape(name)}:start -->\n```python\n(.*?)```\n<!-- {re.escape(name)}:end -->",
        re.S,
    )
    [source] = block.findall(GUIDE.read_text(encoding="utf-8"))
    namespace: dict[str, Any] = {}
    exec(compile(source, str(GUIDE), "exec"), namespace)
    return namespace


def signing_example() -> dict[str, Any]:
    """The signing block (load_signing_key, signed_url, ...)."""
    return guide_example("signing-example")


def promote_example() -> dict[str, Any]:
    """The block that publishes an upload (publish_upload, ACCEPTED_TYPES)."""
    return guide_example("promote-example")
