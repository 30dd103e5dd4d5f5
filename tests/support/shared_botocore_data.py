"""One botocore data loader for the whole test process, so AWS models are parsed once.

Every boto3/botocore ``Session`` builds its own ``Loader`` and re-parses the JSON service models,
endpoint rules and ``endpoints.json`` it needs (tens of milliseconds per client). The publisher
makes a new session per region and per run (sessions are not shared across threads), and
``moto.mock_aws`` drops boto3's default session, so the offline suite spent about half of its
integration time in ``json.loads`` of botocore's data files.

A loader only reads installed, read-only data files and caches what it parsed; one session
already shares it between all its clients (and threads). Sharing it between sessions of one test
process changes what is loaded only if ``AWS_DATA_PATH`` changes, and the loader is keyed by it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import botocore.session
from botocore.loaders import Loader


class _SearchPaths(list):
    """boto3 appends its own data folder to the loader of every new session: keep one copy."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def share_botocore_loader() -> Callable[[], None]:
    """Make new botocore sessions share one ``Loader`` per data path; return the undo."""
    create_loader = botocore.session.create_loader
    loaders: dict[str | None, Loader] = {}
    lock = threading.Lock()

    def shared_loader(search_path_string: str | None = None) -> Loader:
        with lock:
            if search_path_string not in loaders:
                loader = create_loader(search_path_string)
                loader._search_paths = _SearchPaths(loader.search_paths)
                loaders[search_path_string] = loader
            return loaders[search_path_string]

    botocore.session.create_loader = shared_loader

    def undo() -> None:
        botocore.session.create_loader = create_loader

    return undo
