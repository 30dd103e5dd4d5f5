"""Exit codes and the error type every command uses for input the user can fix."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user can fix; printed as one line naming the field, exit code 2."""


class NotConfigured(Exception):
    """The environment does not let the command start (no AWS credentials): one line saying
    how to set it up, exit code 1, before any call."""


def one_line(error: BaseException | str) -> str:
    """An error (or text) as one line: what every command prints and every report records."""
    return " ".join(str(error).split())
