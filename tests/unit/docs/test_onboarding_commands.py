"""Every step of the app team's guide (docs/onboarding.md) has a command or document that is
checked here (or run: the signing and publishing blocks have their own tests): AWS CLI calls
against botocore's model, the kit's CLI against its parser, launches and updates against the
complete stack's template and the manifest, the task definition against the ECS API, the
EventBridge rule against S3's events."""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters

from tests.support.doc_commands import (
    Command,
    check,
    commands,
    launch_refusals,
    option_values,
    shorthand_pairs,
)
from tests.support.onboarding_example import GUIDE
from tests.support.templates import SPECS, shipped_launches, template_data

#: Programs the guide may run that nothing here checks.
UNCHECKED = {"curl"}
STEPS = [
    "## 1. Launch",
    "## 2. Give your application the role",
    "## 3. Sign URLs",
    "## 4. Publish what users upload",
    "## 5. Rotate the key",
    "## 6. Troubleshoot",
]


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _block(guide: str, name: str) -> Any:
    pattern = rf"<!-- {name}:start -->\n```json\n(.*?)```\n<!-- {name}:end -->"
    [text] = re.findall(pattern, guide, re.S)
    return json.loads(text)


def _service_catalog_calls(guide: str, operation: str) -> list[Command]:
    return [c for c in commands(guide) if c.argv[:3] == ("aws", "servicecatalog", operation)]


def test_every_step_shows_a_checked_command(guide: str) -> None:
    starts = [guide.index(step) for step in STEPS]
    sections = [guide[a:b] for a, b in zip(starts, [*starts[1:], len(guide)], strict=True)]
    for step, section in zip(STEPS, sections, strict=True):
        checked = [c for c in commands(section) if check(c) is not None]
        assert checked, f"{step} shows no command a test checks"


def test_every_command_is_real(guide: str) -> None:
    found = commands(guide)
    assert len(found) >= 12
    for command in found:
        problems = check(command)
        if problems is None:
            assert command.program in UNCHECKED, command.text
        else:
            assert problems == [], command.text


@pytest.mark.parametrize("operation", ["provision-product", "update-provisioned-product"])
def test_launch_and_rotation_use_the_published_complete_stack(guide: str, operation: str) -> None:
    spec, published = SPECS["signed-urls"], shipped_launches()
    template = template_data("signed-urls")
    [call] = _service_catalog_calls(guide, operation)
    assert option_values(call, "--product-name") == [spec.title]
    assert option_values(call, "--provisioning-artifact-name") == [published.versions[spec.title]]
    parameters = shorthand_pairs(option_values(call, "--provisioning-parameters"))
    assert set(parameters) <= set(template["Parameters"])
    given = {name: value for name, value in parameters.items() if value is not None}
    assert launch_refusals(template, given) == []
    if operation == "provision-product":
        required = {name for name, body in template["Parameters"].items() if "Default" not in body}
        assert required <= set(given)
        tags = shorthand_pairs(option_values(call, "--tags"))
        assert all(value in published.tag_options[key] for key, value in tags.items())
    else:
        assert "RotationToken" in given
        launched = shorthand_pairs(
            option_values(
                _service_catalog_calls(guide, "provision-product")[0], "--provisioning-parameters"
            )
        )
        kept = {name for name, value in parameters.items() if value is None}
        assert kept == set(launched), "an update keeps every parameter the launch set"


def test_task_definition_is_a_valid_register_task_definition_request(guide: str) -> None:
    document = _block(guide, "task-definition")
    ecs = botocore.session.get_session().get_service_model("ecs")
    validate_parameters(document, ecs.operation_model("RegisterTaskDefinition").input_shape)
    environment = {item["name"] for item in document["containerDefinitions"][0]["environment"]}
    # The settings the guide's shell commands read are the ones the task definition sets.
    used = set(re.findall(r"\$(SIGNED_URLS_[A-Z_]+)", guide))
    assert used and used <= environment


def _matches(pattern: Any, event: Any) -> bool:
    """EventBridge matching for the pattern forms the guide uses: lists of exact values or
    ``{"prefix": ...}``, nested in objects."""
    if isinstance(pattern, dict):
        return all(
            isinstance(event, dict) and key in event and _matches(value, event[key])
            for key, value in pattern.items()
        )
    return any(
        (isinstance(item, dict) and str(event).startswith(item["prefix"])) or item == event
        for item in pattern
    )


def _s3_event(bucket: str, key: str) -> dict[str, Any]:
    """An S3 "Object Created" event as EventBridge delivers it (the fields the rule reads)."""
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 5}},
    }


def test_upload_rule_matches_new_uploads_only(guide: str) -> None:
    rule = _block(guide, "upload-rule")
    assert _matches(rule, _s3_event("<BucketName>", "uploads/3f6c9d2e.jpg"))
    assert not _matches(rule, _s3_event("<BucketName>", "files/3f6c9d2e.jpg"))
    assert not _matches(rule, _s3_event("another-bucket", "uploads/3f6c9d2e.jpg"))
    assert not _matches(
        rule, {**_s3_event("<BucketName>", "uploads/x"), "detail-type": "Object Deleted"}
    )
