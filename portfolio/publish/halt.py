"""``Halt``: why a run must stop starting new steps (Ctrl-C, or its lease was lost).

Every thread of a run shares one Halt: the apply loop checks it before each step, status polls
sleep on it (so they wake at once), the lease keeper sets it when the lease is lost, the CLI's
SIGINT handler when the user presses Ctrl-C. Calls already sent are never cut off: a step
whose call is in flight finishes, then the run reports what was done.
"""

from __future__ import annotations

import threading


class Halt:
    """A one-way switch with the first reason it was thrown for."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.reason = ""
        self.interrupted = False  # by the user (Ctrl-C): the command exits 130

    def stop(self, reason: str, *, interrupted: bool = False) -> None:
        with self._lock:
            if not self._event.is_set():
                self.reason, self.interrupted = reason, interrupted
                self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) when the run is halted."""
        return self._event.wait(seconds)
