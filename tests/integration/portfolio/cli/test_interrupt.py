"""Ctrl-C mid-publish: no new step starts, the call in flight finishes, the report of what was
done is printed and the command exits 130; the next publish converges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from portfolio.local_aws import LocalAwsServer
from portfolio.local_aws import settings as local_settings
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings
from portfolio.publish.lease import lease_key
from portfolio.publish.run import PublishOptions, prepare, publish
from tests.support.demo_manifest import write_demo
from tests.support.local_publish import BUCKET, EXPECTED_FIRST_PUBLISH, snapshot
from tests.support.paths import REPO_ROOT


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAwsServer]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with LocalAwsServer() as running:
        running.reset()  # moto's state is the process's: other tests' products are there
        boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=running.url,
            config=Config(s3={"addressing_style": "path"}),
        ).create_bucket(Bucket=BUCKET)
        yield running


def _wait_until_the_first_product_exists(url: str) -> None:
    sc = boto3.client("servicecatalog", region_name="us-east-1", endpoint_url=url)
    deadline = time.monotonic() + 60  # a hang guard, not a timing check
    while time.monotonic() < deadline:
        found = sc.search_products_as_admin(Filters={"FullTextSearch": ["Demo product 1"]})
        if found["ProductViewDetails"]:
            return
        time.sleep(0.05)
    raise AssertionError("the publish never created its first product")


def test_ctrl_c_mid_publish_reports_what_was_done_and_exits_130(
    server: LocalAwsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Versions stay CREATING: the first product's step waits (polls) until interrupted.
    monkeypatch.setattr(local_settings, "PENDING_DESCRIBES", 10**6)
    path = write_demo(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "CI"}
    command = [
        sys.executable,
        "-m",
        "portfolio.cli",
        "publish",
        "--manifest",
        str(path),
        "--region",
        "us-east-1",
        "--artifact-bucket",
        BUCKET,
        "--endpoint-url",
        server.url,
        "--progress",
        "always",
        "--output",
        "json",
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_the_first_product_exists(server.url)  # its step now waits for its version
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)  # a hang guard, not a timing check
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "portfolio publish: interrupted: no new step starts" in stderr
    assert "Traceback" not in stderr
    report = json.loads(stdout)
    assert report["ok"] is False
    (region,) = report["regions"]
    assert region["ok"] is False
    statuses = [change["status"] for change in region["changes"]]
    assert statuses[:9] == ["done"] * 9  # uploads, portfolio, TagOptions, principal
    assert statuses[9] == "interrupted"  # its call was made; waiting for it was cut short
    assert region["changes"][9]["name"] == "Demo product 1"
    assert set(statuses[10:]) == {"skipped"}
    assert "interrupted (Ctrl-C)" in region["error"]
    assert region["summary"]["done"] == {"upload": 3, "create": 3, "associate": 3}
    assert region["portfolio_id"].startswith("port-")

    monkeypatch.setattr(local_settings, "PENDING_DESCRIBES", 1)
    options = PublishOptions(
        regions=("us-east-1",),
        apply=True,
        artifact_bucket=BUCKET,
        clients=ClientSettings(endpoint_url=server.url),
        polling=StatusPolling(interval=0.0),
    )
    (again,) = publish(prepare(path), options)  # the lease was released: no wait
    assert again.ok, again.failure
    assert snapshot(endpoint_url=server.url) == EXPECTED_FIRST_PUBLISH
    (third,) = publish(prepare(path), options)
    assert third.api_calls["mutating"] == 0
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=server.url)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=lease_key("us-east-1"))
