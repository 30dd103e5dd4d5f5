"""Development-loop benchmark: wall seconds of `make check`, a warm `make build` and `make test`.

Runs each command from the repository root, once by default (``--repeat N`` keeps the fastest
of N), and prints its wall and CPU seconds next to the target. `make build` runs once more
beforehand so the measured run is warm (sources unchanged, gate cache filled). Not a test: it
fails only when a command fails. Other processes on the machine slow every figure, so the load
average is printed too; compare numbers taken under similar load.

    .venv/bin/python benchmarks/loop.py [--only check,build,test] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Step:
    """A make command of the development loop and the wall time it should stay under."""

    name: str
    command: tuple[str, ...]
    target_seconds: float
    warm_up: bool = False


STEPS = (
    Step("check", ("make", "check"), 30.0),
    Step("build", ("make", "build"), 15.0, warm_up=True),
    Step("test", ("make", "test"), 90.0),
)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: tuple[str, ...]) -> Timing:
    """Run ``command`` quietly; its wall and CPU (user + system, all subprocesses) seconds."""
    cpu_before, start = children_cpu(), time.perf_counter()
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    timing = Timing(time.perf_counter() - start, children_cpu() - cpu_before)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-3000:] + completed.stderr[-3000:])
        raise SystemExit(f"{' '.join(command)} failed (exit {completed.returncode})")
    return timing


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="check,build,test", help="comma-separated step names")
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the fastest counts")
    args = parser.parse_args(argv)
    wanted = args.only.split(",")
    unknown = set(wanted) - {step.name for step in STEPS}
    if unknown:
        parser.error(f"unknown step(s): {', '.join(sorted(unknown))}")
    print(f"load average at start: {load()}")
    print(f"{'command':<22}{'wall s':>8}{'cpu s':>8}{'target':>10}")
    for step in (step for step in STEPS if step.name in wanted):
        if step.warm_up:
            timed(step.command)
        best = min((timed(step.command) for _ in range(args.repeat)), key=lambda t: t.wall)
        label = " ".join(step.command) + (" (warm)" if step.warm_up else "")
        verdict = "ok" if best.wall <= step.target_seconds else "OVER"
        print(
            f"{label:<22}{best.wall:>8.1f}{best.cpu:>8.1f}"
            f"{f'<= {step.target_seconds:g}':>10}  {verdict}"
        )
    print(f"load average at end:   {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
