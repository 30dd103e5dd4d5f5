"""Writes generated templates all-or-nothing, so a failed build leaves no partial files."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


class OutputDirectoryError(OSError):
    """The output directory cannot be created or written."""


def write_all(out_dir: Path, files: dict[str, str]) -> list[Path]:
    """Write ``files`` into ``out_dir``: stage every file first, then move them into place."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    except OSError as error:
        raise OutputDirectoryError(
            f"--out {out_dir}: cannot write there ({error.strerror})"
        ) from error
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        written = []
        for name in files:
            target = out_dir / name
            (staging / name).replace(target)
            written.append(target)
        return written
    except OSError as error:
        raise OutputDirectoryError(
            f"--out {out_dir}: cannot write there ({error.strerror})"
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
