"""Every step of the platform engineer's guide (docs/platform-guide.md) is a command checked
here: ``portfolio`` against its real argument parser, the AWS CLI against botocore's model,
``make`` against the Makefile; its manifest excerpt passes the manifest's own validation."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from portfolio.errors import BadInput
from portfolio.manifest.loading import parse_manifest
from portfolio.manifest.model import LoadedManifest
from portfolio.manifest.validation import Problems, check_manifest
from tests.support.doc_commands import Command, check, commands
from tests.support.paths import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "platform-guide.md"
SHIPPED = REPO_ROOT / "portfolio" / "portfolio.yaml"


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _steps(guide: str) -> dict[str, str]:
    parts = re.split(r"^(## \d+\. .*)$", guide, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _manifest_with(excerpt: dict[str, Any]) -> LoadedManifest:
    raw = {**yaml.safe_load(SHIPPED.read_text(encoding="utf-8")), **excerpt}
    loaded = LoadedManifest(manifest=parse_manifest(raw), path=SHIPPED)
    problems = Problems()
    check_manifest(loaded, problems)
    problems.raise_if_any()
    return loaded


def _excerpt(guide: str) -> dict[str, Any]:
    pattern = r"<!-- manifest-example:start -->\n```yaml\n(.*?)```\n<!-- manifest-example:end -->"
    [text] = re.findall(pattern, guide, re.S)
    return yaml.safe_load(text)


def test_every_step_is_a_checked_command(guide: str) -> None:
    steps = _steps(guide)
    assert len(steps) >= 8
    for title, body in steps.items():
        found = commands(body)
        assert found, f"{title}: no command"
        for command in found:
            assert check(command) == [], f"{title}: {command.text}"


def test_the_guide_bootstraps_publishes_and_shares(guide: str) -> None:
    subcommands = {c.argv[1] for c in commands(guide) if c.program == "portfolio"}
    assert {"bootstrap", "lock", "plan", "publish", "adopt", "status", "ci-roles"} <= subcommands
    calls = {c.argv[2] for c in commands(guide) if c.program == "aws"}
    assert {"enable-aws-organizations-access", "accept-portfolio-share"} <= calls


def test_manifest_excerpt_is_valid_and_shares_with_ous_and_their_principals(guide: str) -> None:
    manifest = _manifest_with(_excerpt(guide)).manifest
    assert manifest.shares.organizational_units and manifest.shares.share_principals
    assert [p.type for p in manifest.principals] == ["IAM_PATTERN"]


def test_the_checks_can_fail(guide: str) -> None:
    with pytest.raises(BadInput, match="organizational_units"):
        _manifest_with({"shares": {"organizational_units": ["ou-nope"]}})
    assert check(Command(("portfolio", "publish", "--regoin", "us-east-1"), "")) == [
        "portfolio: error: unrecognized arguments: --regoin us-east-1"
    ]
    assert check(Command(("make", "deploy"), "")) == ["the Makefile has no target 'deploy'"]
