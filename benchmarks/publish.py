"""Publisher benchmark against the in-process local endpoint (no AWS account, nothing leaves
the process).

Prints the API calls of a first publish, an unchanged re-publish and a one-template change,
then the wall time of publishing one region and three regions (concurrently) with 50 ms of
latency injected into every API call by a botocore ``before-call`` hook.

    .venv/bin/python benchmarks/publish.py [--products 6] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import yaml

from portfolio.local_aws import local_aws
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.version_lock import record_lock
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings
from portfolio.publish.report import RegionOutcome, total_calls
from portfolio.publish.run import PublishOptions, prepare, publish

# Run as a script, the repository root is not on sys.path: add it for tests.support.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.demo_manifest import demo_manifest_data, demo_template, write_demo  # noqa: E402

BUCKET = "benchmark-artifacts"
THREE_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
#: The local endpoint finishes a version or share after one status poll: no need to wait.
NO_WAIT = StatusPolling(interval=0.0)


def latency_hook(seconds: float) -> Callable[[Any], None]:
    """An ``on_client`` callback that delays every API call of the client by ``seconds``."""

    def delay(**_kwargs: Any) -> None:
        time.sleep(seconds)

    def attach(client: Any) -> None:
        client.meta.events.register("before-call.*.*", delay)

    return attach


def run(path: Path, regions: tuple[str, ...], settings: ClientSettings) -> list[RegionOutcome]:
    options = PublishOptions(
        regions=regions, apply=True, artifact_bucket=BUCKET, clients=settings, polling=NO_WAIT
    )
    outcomes = publish(prepare(path), options)
    failed = [o.failure for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"benchmark publish failed: {failed[0]}")
    return outcomes


def call_counts(products: int, directory: Path) -> list[tuple[str, dict[str, int]]]:
    """API calls of a first publish, an unchanged one, and a one-template change."""
    data = demo_manifest_data(products=products)
    path = write_demo(directory, data)
    settings = ClientSettings()
    with local_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        first = total_calls(run(path, ("us-east-1",), settings))
        unchanged = total_calls(run(path, ("us-east-1",), settings))
        (directory / "templates" / "product-1.yaml").write_text(demo_template(1, revision=2))
        data["products"][0]["version"] = "1.1.0"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        record_lock(load_manifest(path))
        changed = total_calls(run(path, ("us-east-1",), settings))
    return [
        ("first publish", first),
        ("unchanged re-publish", unchanged),
        ("one-template change", changed),
    ]


def wall_time(
    products: int, regions: tuple[str, ...], latency: float, directory: Path
) -> tuple[float, int]:
    """Seconds to publish ``regions`` from scratch, and the calls made."""
    path = write_demo(directory, demo_manifest_data(products=products, regions=regions))
    settings = ClientSettings(on_client=latency_hook(latency))
    with local_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        started = time.perf_counter()
        outcomes = run(path, regions, settings)
        elapsed = time.perf_counter() - started
    calls = total_calls(outcomes)
    return elapsed, calls["read"] + calls["mutating"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=6, help="demo products (default: 6)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per call (default: 50)")
    args = parser.parse_args(argv)
    if not 1 <= args.products <= 150:
        parser.error("--products must be between 1 and 150")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "benchmark")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "benchmark")
    with tempfile.TemporaryDirectory(prefix="publish-benchmark-") as scratch:
        root = Path(scratch)
        print(f"Publisher benchmark: in-process local endpoint, {args.products} demo products")
        print(f"{'API calls':<28}{'read':>8}{'mutating':>10}")
        for label, calls in call_counts(args.products, root / "counts"):
            print(f"  {label:<26}{calls['read']:>8}{calls['mutating']:>10}")
        latency = args.latency_ms / 1000
        print(f"Wall time, {args.latency_ms:g} ms injected latency per API call")
        for label, regions in (("one region", THREE_REGIONS[:1]), ("three regions", THREE_REGIONS)):
            seconds, calls = wall_time(args.products, regions, latency, root / label)
            print(f"  {label:<26}{seconds:>7.2f} s  ({calls} calls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
