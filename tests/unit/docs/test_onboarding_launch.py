"""Section 1 of docs/onboarding.md says what the complete stack really asks and gives."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.onboarding_example import GUIDE
from tests.support.templates import template_data


@pytest.fixture(scope="module")
def launch_section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    return text[text.index("## 1. Launch the complete stack") : text.index("## 2. ")]


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    return template_data("signed-urls")


def test_the_one_required_answer_is_the_one_the_guide_asks_for(
    launch_section: str, stack: dict[str, Any]
) -> None:
    required = [name for name, body in stack["Parameters"].items() if "Default" not in body]
    assert required == ["TrustedService"]
    assert "One answer is required" in launch_section
    assert "(`TrustedService`)" in launch_section


def test_every_parameter_the_guide_names_exists(launch_section: str, stack: dict[str, Any]) -> None:
    named = set(re.findall(r"`([A-Z][A-Za-z0-9]+)(?:=[^`]*)?`", launch_section))
    assert named - stack["Parameters"].keys() - stack["Outputs"].keys() == set()


def test_every_output_is_explained(launch_section: str, stack: dict[str, Any]) -> None:
    for name in stack["Outputs"]:
        assert f"`{name}`" in launch_section, name
