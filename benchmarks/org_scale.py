"""Spokes at organization scale, against the in-process local endpoint (no AWS account).

Builds an organization of 3 OUs of 50 accounts (outside the timing), then deploys the spokes'
StackSet to every account in 3 Regions, and does it again: the API calls (read, mutating) and
the wall time of each run, with 50 ms of latency injected into every API call by a botocore
``before-call`` hook (as benchmarks/publish.py does). The re-run must make no mutating call.

The local endpoint works an operation's batch of accounts every
``settings.STACK_SET_BATCH_SECONDS`` (0.05 s): the time spent waiting for operations is printed
apart, since in AWS it is CloudFormation's work in every account (minutes), not the publisher's.

    .venv/bin/python benchmarks/org_scale.py [--ous 3] [--accounts 50] [--regions 3]
        [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import boto3

from portfolio.bootstrap.spoke_organization import SpokeTargets
from portfolio.bootstrap.spoke_run import SpokeClients, SpokeRequest, prepare_spokes, run_spokes
from portfolio.bootstrap.stack_set_deployment import OperationPolling
from portfolio.local_aws import local_aws
from portfolio.local_aws.sample_organization import create_organization
from portfolio.publish.clients import ClientSettings

# Run as a script, the repository root is not on sys.path: add it for benchmarks.publish.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.publish import latency_hook  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1")


class WaitClock:
    """``OperationPolling.sleep`` that also adds up the time spent waiting for operations."""

    def __init__(self) -> None:
        self.waited = 0.0

    def __call__(self, seconds: float) -> None:
        self.waited += seconds
        time.sleep(seconds)


def run_once(
    request: SpokeRequest, settings: ClientSettings
) -> tuple[dict[str, int], float, float]:
    """(API calls, wall seconds, seconds waited for operations) of one bootstrap of the spokes."""
    waits = WaitClock()
    request = replace(request, polling=OperationPolling(sleep=waits))
    clients = SpokeClients.make(settings, request.home_region)
    started = time.perf_counter()
    outcome = run_spokes(clients, prepare_spokes(clients, request))
    elapsed = time.perf_counter() - started
    if not outcome.ok:
        raise SystemExit(f"benchmark run failed: {outcome.failure or outcome.failed_instances[:3]}")
    return clients.counter.as_dict(), elapsed, waits.waited


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ous", type=int, default=3, help="OUs (default: 3)")
    parser.add_argument("--accounts", type=int, default=50, help="accounts per OU (default: 50)")
    parser.add_argument("--regions", type=int, default=3, help="Regions, 1-5 (default: 3)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per call (default: 50)")
    args = parser.parse_args(argv)
    if not 1 <= args.regions <= len(REGIONS):
        parser.error(f"--regions must be between 1 and {len(REGIONS)}")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "benchmark")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "benchmark")
    regions = REGIONS[: args.regions]
    settings = ClientSettings(on_client=latency_hook(args.latency_ms / 1000))
    with local_aws():
        organizations = boto3.client("organizations", region_name=regions[0])
        units = [(f"ou-{index + 1}", args.accounts) for index in range(args.ous)]
        sample = create_organization(organizations, units)
        request = SpokeRequest(
            targets=SpokeTargets(tuple((unit, "--spoke-ous") for unit in sample.units)),
            regions=regions,
            parameters={"TrustSourceAccountOnly": "false"},
        )
        instances = len(sample.accounts) * len(regions)
        print(
            f"Spokes benchmark: {args.ous} OUs x {args.accounts} accounts x {len(regions)} "
            f"Regions = {instances} stack instances; {args.latency_ms:g} ms injected latency "
            "per API call; in-process local endpoint"
        )
        print(f"{'run':<12}{'read':>8}{'mutating':>10}{'wall s':>10}{'waiting s':>11}")
        for label in ("first run", "re-run"):
            calls, wall, waited = run_once(request, settings)
            print(
                f"{label:<12}{calls['read']:>8}{calls['mutating']:>10}{wall:>10.2f}{waited:>11.2f}"
            )
            if label == "re-run" and calls["mutating"]:
                raise SystemExit("the re-run made mutating calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
