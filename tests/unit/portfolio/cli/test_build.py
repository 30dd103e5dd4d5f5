"""`portfolio build` writes every template or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio.cli import main
from products.catalog import render_all
from tests.support.paths import REPO_ROOT


def test_build_writes_every_template(tmp_path: Path) -> None:
    assert main(["build", "--out", str(tmp_path / "out")]) == 0
    expected = render_all()
    written = {path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "out").iterdir()}
    assert written == expected


def test_build_into_unwritable_directory_fails_cleanly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """/proc refuses new directories even to root, so this holds wherever CI runs."""
    if not Path("/proc/self").exists():
        pytest.skip("needs Linux /proc")
    assert main(["build", "--out", "/proc/signed-urls-portfolio"]) == 2
    assert capsys.readouterr().err.startswith(
        "portfolio build: error: --out /proc/signed-urls-portfolio: cannot write there"
    )
    assert not Path("/proc/signed-urls-portfolio").exists()


def test_build_out_below_a_file_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert main(["build", "--out", str(blocker / "templates")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("portfolio build: error: --out ")
    assert blocker.read_text(encoding="utf-8") == "not a directory"


def test_failure_midway_leaves_no_partial_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Disk full after the first file: nothing from this build stays behind."""
    original = Path.write_text
    calls = {"n": 0}

    def failing_write(self: Path, *args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing_write)
    monkeypatch.setattr("products.catalog.render_all", lambda: {"a.yaml": "a", "b.yaml": "b"})
    out = tmp_path / "out"
    assert main(["build", "--out", str(out)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_unreplaceable_target_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory where a template should go: exit 2, and earlier templates stay as they were."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "bucket.yaml").write_text("old bucket", encoding="utf-8")
    (out / "secret.yaml").mkdir()
    assert main(["build", "--out", str(out)]) == 2
    assert "Is a directory" in capsys.readouterr().err
    assert (out / "bucket.yaml").read_text(encoding="utf-8") == "old bucket"
    assert sorted(path.name for path in out.iterdir()) == ["bucket.yaml", "secret.yaml"]


def test_failed_swap_restores_replaced_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second move fails: the first target gets its old content back."""
    from portfolio.cli.output_files import OutputDirectoryError, write_all

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.yaml").write_text("old a", encoding="utf-8")
    original = Path.replace
    moves = {"n": 0}

    def failing_replace(self: Path, target: Path) -> Path:
        if self.parent.name.startswith(".staging-") and self.name == "b.yaml":
            moves["n"] += 1
            raise OSError(5, "Input/output error")
        return original(self, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(OutputDirectoryError, match="Input/output error"):
        write_all(out, {"a.yaml": "new a", "b.yaml": "new b"})
    assert moves["n"] == 1
    assert (out / "a.yaml").read_text(encoding="utf-8") == "old a"
    assert sorted(path.name for path in out.iterdir()) == ["a.yaml"]


def test_docs_launch_examples_follow_the_manifest(tmp_path: Path) -> None:
    """`portfolio docs --manifest`: the launch examples name that manifest's versions."""
    repo = REPO_ROOT
    (tmp_path / "portfolio").mkdir()
    (tmp_path / "templates").symlink_to(repo / "templates")
    manifest = (repo / "portfolio" / "portfolio.yaml").read_text(encoding="utf-8")
    bumped = manifest.replace(
        "template: ../templates/signed-urls.yaml\n    version: 1.0.0",
        "template: ../templates/signed-urls.yaml\n    version: 9.9.9",
    )
    assert bumped != manifest
    (tmp_path / "portfolio" / "portfolio.yaml").write_text(bumped, encoding="utf-8")
    guide = tmp_path / "publishing.md"
    guide.write_text(
        (repo / "docs" / "publishing.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    arguments = ["--out", str(tmp_path / "out"), "--publishing-guide", str(guide)]
    assert (
        main(["docs", "--manifest", str(tmp_path / "portfolio" / "portfolio.yaml"), *arguments])
        == 0
    )
    page = (tmp_path / "out" / "signed-urls.md").read_text(encoding="utf-8")
    assert "--provisioning-artifact-name 9.9.9 \\" in page


def test_docs_with_a_missing_manifest_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "--manifest", str(tmp_path / "none.yaml"), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("portfolio docs: error: ")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["../escape.yaml", "/tmp/absolute.yaml", "sub/dir.yaml", ".."])
def test_nothing_is_written_outside_out(tmp_path: Path, name: str) -> None:
    from portfolio.cli.output_files import OutputDirectoryError, write_all

    out = tmp_path / "out"
    with pytest.raises(OutputDirectoryError, match="is not a plain file name"):
        write_all(out, {"ok.yaml": "ok", name: "escape"})
    assert not out.exists() or list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["out"])
