"""The signing example of docs/onboarding.md, loaded as code (tests use the documented signer)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tests.support.paths import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "onboarding.md"
_BLOCK = re.compile(
    r"<!-- signing-example:start -->\n```python\n(.*?)```\n<!-- signing-example:end -->", re.S
)


@cache
def signing_example() -> dict[str, Any]:
    """The names the guide's Python block defines (load_signing_key, signed_url, ...)."""
    [source] = _BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    namespace: dict[str, Any] = {}
    exec(compile(source, str(GUIDE), "exec"), namespace)
    return namespace
