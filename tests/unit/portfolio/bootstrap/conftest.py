"""The bootstrap template as data, built once per module that asks for it."""

from __future__ import annotations

from typing import Any

import pytest

from portfolio.bootstrap.template import build_bootstrap


@pytest.fixture(scope="module")
def bootstrap() -> dict[str, Any]:
    return build_bootstrap().template.to_dict()
