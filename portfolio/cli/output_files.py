"""Writes generated files all-or-nothing, so a failed build leaves no partial change."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


class OutputDirectoryError(OSError):
    """The output directory cannot be created or written."""


def write_all(out_dir: Path, files: dict[str, str]) -> list[Path]:
    """Write ``files`` into ``out_dir``, or change nothing there.

    Every file is staged first; then each target is swapped in, keeping the file it replaces,
    and if any swap fails the swapped ones are put back. Names are plain file names: nothing is
    ever written outside ``out_dir``.
    """
    for name in files:
        if Path(name).name != name or name in ("", ".", ".."):
            raise OutputDirectoryError(f"--out {out_dir}: {name!r} is not a plain file name")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    except OSError as error:
        raise _cannot_write(out_dir, error) from error
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        _swap_in(out_dir, staging, list(files))
        return [out_dir / name for name in files]
    except OSError as error:
        raise _cannot_write(out_dir, error) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(out_dir: Path, staging: Path, names: list[str]) -> None:
    """Move staged files over their targets; on failure restore what was replaced."""
    for name in names:
        if (out_dir / name).is_dir():
            raise IsADirectoryError(21, "Is a directory", str(out_dir / name))
    backups = staging / ".replaced"
    backups.mkdir()
    done: list[str] = []
    try:
        for name in names:
            target = out_dir / name
            if target.exists():
                target.replace(backups / name)
            (staging / name).replace(target)
            done.append(name)
    except OSError:
        for name in reversed(done):
            (out_dir / name).unlink(missing_ok=True)
        for backup in backups.iterdir():
            backup.replace(out_dir / backup.name)
        raise


def _cannot_write(out_dir: Path, error: OSError) -> OutputDirectoryError:
    where = f" ({error.filename})" if error.filename and Path(error.filename).name else ""
    return OutputDirectoryError(f"--out {out_dir}: cannot write there: {error.strerror}{where}")
