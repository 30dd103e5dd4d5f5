"""How a path is shown to people: relative to the current directory when it lies below it
(``portfolio/versions.lock.yaml``), absolute otherwise (``/tmp/scratch/portfolio.yaml``), never
relative to some other file (a manifest's ``../templates/x.yaml`` means little elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path


def shown(path: str | os.PathLike[str]) -> str:
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)
