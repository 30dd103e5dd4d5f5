"""CLI registration for the publisher commands (to be implemented)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``portfolio`` parser."""
