"""Ctrl-C while a command changes AWS: finish what is in flight, report, exit 130.

Python turns SIGINT into a KeyboardInterrupt in the main thread, wherever it happens to be:
the worker threads making calls would keep going unreported, and the report would be lost.
Inside ``stop_on_interrupt`` the first SIGINT only halts the run (no new step starts, waits
end, calls in flight finish); the command then prints the report of what was done and exits
EXIT_INTERRUPTED. A second SIGINT exits at once, without waiting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from portfolio.publish.halt import Halt

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


@contextlib.contextmanager
def stop_on_interrupt(command: str) -> Iterator[Halt]:
    halt = Halt()
    if threading.current_thread() is not threading.main_thread():
        yield halt  # signal handlers belong to the main thread (e.g. a test calling main())
        return

    def on_interrupt(_signal: int, _frame: FrameType | None) -> None:
        if halt.is_set():
            print(f"portfolio {command}: interrupted again: exiting", file=sys.stderr, flush=True)
            os._exit(EXIT_INTERRUPTED)
        print(
            f"portfolio {command}: interrupted: no new step starts; waiting for the calls in "
            "flight, then reporting (Ctrl-C again to exit at once)",
            file=sys.stderr,
            flush=True,
        )
        halt.stop("interrupted (Ctrl-C)", interrupted=True)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield halt
    finally:
        signal.signal(signal.SIGINT, previous)
