"""`portfolio lock` records versions; a recorded version's template may not change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portfolio.cli import main
from portfolio.errors import BadInput
from portfolio.manifest.version_lock import (
    VersionLock,
    lock_path_for,
    read_lock,
    template_sha256,
    with_versions,
    write_lock,
)
from tests.support.demo_manifest import demo_manifest_data, demo_template, write_demo


@pytest.fixture(autouse=True)
def _no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must stop before any AWS call; should one slip through, it goes nowhere."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_lock_records_every_product_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path, lock=False)
    assert main(["lock", "--manifest", str(path)]) == 0
    lock = read_lock(lock_path_for(path))
    assert lock.versions["Demo product 2"] == {
        "1.0.0": template_sha256(tmp_path / "templates" / "product-2.yaml")
    }
    assert capsys.readouterr().out.count("recorded ") == 3


def test_lock_again_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_demo(tmp_path)
    before = lock_path_for(path).read_text(encoding="utf-8")
    assert main(["lock", "--manifest", str(path)]) == 0
    assert lock_path_for(path).read_text(encoding="utf-8") == before
    assert "wrote" not in capsys.readouterr().out


def test_bumped_version_is_added_next_to_the_old_one(tmp_path: Path) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    old = read_lock(lock_path_for(path)).versions["Demo product 1"]["1.0.0"]
    (tmp_path / "templates" / "product-1.yaml").write_text(demo_template(1, revision=2))
    data["products"][0]["version"] = "1.1.0"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["lock", "--manifest", str(path)]) == 0
    versions = read_lock(lock_path_for(path)).versions["Demo product 1"]
    assert list(versions) == ["1.0.0", "1.1.0"]
    assert versions["1.0.0"] == old
    assert versions["1.1.0"] == template_sha256(tmp_path / "templates" / "product-1.yaml")


def test_lock_refuses_to_rewrite_a_recorded_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    (tmp_path / "templates" / "product-3.yaml").write_text(demo_template(3, revision=2))
    assert main(["lock", "--manifest", str(path)]) == 2
    assert capsys.readouterr().err.startswith(
        "portfolio lock: error: products[2].version: templates/product-3.yaml changed but"
    )
    assert main(["lock", "--manifest", str(path), "--force"]) == 0
    assert read_lock(lock_path_for(path)).versions["Demo product 3"]["1.0.0"] == template_sha256(
        tmp_path / "templates" / "product-3.yaml"
    )


def test_lock_file_orders_versions_by_precedence(tmp_path: Path) -> None:
    path = tmp_path / "versions.lock.yaml"
    digest = "a" * 64
    lock = VersionLock({"P": {"1.10.0": digest, "1.9.0": digest, "1.0.0-rc.1": digest}})
    write_lock(path, lock)
    assert list(read_lock(path).versions["P"]) == ["1.0.0-rc.1", "1.9.0", "1.10.0"]
    assert path.read_text(encoding="utf-8").startswith("# Product -> version -> sha256")


def test_malformed_lock_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "versions.lock.yaml"
    path.write_text("P:\n  1.0.0: not-a-digest\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"versions.lock.yaml: P.1.0.0: not a sha256 hex digest"):
        read_lock(path)


def test_with_versions_keeps_history() -> None:
    lock = VersionLock({"P": {"1.0.0": "a" * 64}})
    updated = with_versions(lock, {"P": ("1.1.0", "b" * 64), "Q": ("1.0.0", "c" * 64)})
    assert updated.versions == {
        "P": {"1.0.0": "a" * 64, "1.1.0": "b" * 64},
        "Q": {"1.0.0": "c" * 64},
    }
    assert lock.versions == {"P": {"1.0.0": "a" * 64}}
