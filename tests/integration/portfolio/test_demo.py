"""`make demo`: a hub and two OUs of spoke accounts on the local endpoint; the second bootstrap
and publish make no mutating call."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portfolio.demo import main
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse")


def test_the_demo_shows_the_spokes_and_a_second_run_without_changes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    assert main(["--manifest", str(REPO_ROOT / "portfolio/portfolio.yaml")]) == 0
    out = capsys.readouterr().out
    first, again = out.split("== bootstrap and publish again")
    assert re.search(r"spokes: \d+ read, [1-9]\d* mutating calls", first)
    assert "SUCCEEDED (5 succeeded, 0 failed)" in first
    assert re.search(r"spokes: \d+ read, 0 mutating calls", again)
    assert "signed-urls-portfolio-bootstrap: unchanged" in again
    assert re.search(r"API calls: \d+ read, 0 mutating", again)
    assert "5 stack instances, 0 without the role" in again
    assert len(re.findall(r"ORGANIZATIONAL_UNIT ou-\S+: shared, reaches", again)) == 2
