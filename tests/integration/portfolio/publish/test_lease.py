"""One writer at a time: the lease object in the artifact bucket, against the local endpoint
over HTTP (threads and processes reach it as they would reach S3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from portfolio.cli import main
from portfolio.local_aws import LocalAwsServer
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings, RetryPolicy
from portfolio.publish.halt import Halt
from portfolio.publish.lease import (
    LeaseHeld,
    LeaseLost,
    acquire,
    lease_key,
    new_record,
    release,
    renew,
)
from portfolio.publish.report import RegionOutcome
from portfolio.publish.run import LeaseRefused, PublishOptions, prepare, publish
from tests.support.demo_manifest import write_demo
from tests.support.local_publish import BUCKET, EXPECTED_FIRST_PUBLISH, is_lease_call, snapshot
from tests.support.paths import REPO_ROOT

REGION = "us-east-1"
NO_SLEEP = RetryPolicy(sleep=lambda seconds: None)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAwsServer]:
    with LocalAwsServer() as running:
        yield running


@pytest.fixture
def url(server: LocalAwsServer, monkeypatch: pytest.MonkeyPatch) -> str:
    server.reset()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3_client(server.url).create_bucket(Bucket=BUCKET)
    return server.url


def s3_client(url: str) -> Any:
    return boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url=url,
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
    )


def slow_calls(client: Any) -> None:
    """Every catalog call takes 30 ms more: a publish lasts long enough to overlap another."""
    client.meta.events.register(
        "before-call.*.*",
        lambda params, **_: None if is_lease_call(params) else time.sleep(0.03),
    )


def publish_options(url: str, **changes: Any) -> PublishOptions:
    settings = ClientSettings(
        endpoint_url=url, retry=NO_SLEEP, on_client=changes.pop("on_client", None)
    )
    return PublishOptions(
        regions=(REGION,),
        apply=True,
        artifact_bucket=BUCKET,
        clients=settings,
        polling=StatusPolling(interval=0.0),
        **changes,
    )


def lease_object(url: str) -> dict[str, Any] | None:
    try:
        body = s3_client(url).get_object(Bucket=BUCKET, Key=lease_key(REGION))["Body"].read()
    except ClientError:
        return None
    return json.loads(body)


# --- the local endpoint decides conditional writes as S3 does -------------------------------


def test_of_concurrent_if_none_match_writes_exactly_one_wins(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto checks and writes in two steps; the local endpoint makes it one, as S3 does. The
    check is slowed down here so that, were it not, writers would pass it together."""
    from moto.s3.models import S3Backend

    original = S3Backend.get_object

    def slow_check(self: S3Backend, bucket_name: str, key_name: str, *args: Any, **kw: Any) -> Any:
        found = original(self, bucket_name, key_name, *args, **kw)
        if key_name.startswith("race/"):
            time.sleep(0.01)  # between the check and the write
        return found

    monkeypatch.setattr(S3Backend, "get_object", slow_check)
    s3 = s3_client(url)

    def write(key: str) -> bool:
        try:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", IfNoneMatch="*")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "PreconditionFailed"
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        for round_ in range(10):
            wins = list(pool.map(write, [f"race/{round_}"] * 8))
            assert wins.count(True) == 1


def test_if_match_writes_and_deletes_only_the_version_named(url: str) -> None:
    s3 = s3_client(url)
    etag = s3.put_object(Bucket=BUCKET, Key="k", Body=b"1", IfNoneMatch="*")["ETag"]
    for call in (
        lambda: s3.put_object(Bucket=BUCKET, Key="k", Body=b"2", IfNoneMatch="*"),
        lambda: s3.put_object(Bucket=BUCKET, Key="k", Body=b"2", IfMatch='"other"'),
        lambda: s3.delete_object(Bucket=BUCKET, Key="k", IfMatch='"other"'),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    newer = s3.put_object(Bucket=BUCKET, Key="k", Body=b"2", IfMatch=etag)["ETag"]
    s3.delete_object(Bucket=BUCKET, Key="k", IfMatch=newer)
    assert lease_object(url) is None


# --- the lease itself -------------------------------------------------------------------------


def test_a_lease_is_held_by_one_holder_until_released(url: str) -> None:
    s3 = s3_client(url)
    first = acquire(s3, BUCKET, REGION, new_record("publish", 600))
    with pytest.raises(LeaseHeld) as raised:
        acquire(s3, BUCKET, REGION, new_record("publish", 600))
    record = first.record
    assert raised.value.record == record
    message = str(raised.value)
    assert message.startswith(f"{REGION}: the lease is held by {record.owner} on {record.host} ")
    assert f"since {record.started}" in message
    assert message.endswith(f"run again with --force-unlock {record.id}")
    assert lease_object(url)["id"] == record.id  # type: ignore[index]
    assert release(s3, first) is True
    assert lease_object(url) is None
    second = acquire(s3, BUCKET, REGION, new_record("bootstrap", 600))
    assert second.took_over is None


def test_renewal_keeps_the_lease_until_someone_takes_it_over(url: str) -> None:
    s3 = s3_client(url)
    held = acquire(s3, BUCKET, REGION, new_record("publish", 600))
    renewed = renew(s3, held)
    assert renewed.etag != held.etag and renewed.record.renewals == 1
    forced = acquire(s3, BUCKET, REGION, new_record("publish", 600), force_unlock=held.record.id)
    assert forced.took_over == renewed.record
    with pytest.raises(LeaseLost, match=f"lease {held.record.id} was taken over"):
        renew(s3, renewed)
    assert release(s3, renewed) is False  # never deletes someone else's lease
    assert lease_object(url)["id"] == forced.record.id  # type: ignore[index]


def test_an_expired_lease_is_taken_over(url: str) -> None:
    s3 = s3_client(url)
    stale = acquire(s3, BUCKET, REGION, new_record("publish", 1))
    time.sleep(2.1)  # LastModified has whole seconds
    fresh = acquire(s3, BUCKET, REGION, new_record("publish", 600))
    assert fresh.took_over == stale.record


# --- two publishers at once -------------------------------------------------------------------


def test_two_publishers_started_together_exactly_one_publishes(url: str, tmp_path: Path) -> None:
    path = write_demo(tmp_path)
    start = threading.Barrier(2)

    def run() -> list[RegionOutcome] | LeaseRefused:
        prepared = prepare(path)
        start.wait()
        try:
            return publish(prepared, publish_options(url, on_client=slow_calls))
        except LeaseRefused as refused:
            return refused

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: run(), range(2)))
    refused = [r for r in results if isinstance(r, LeaseRefused)]
    published = [r for r in results if not isinstance(r, LeaseRefused)]
    assert len(refused) == 1 and len(published) == 1
    (outcome,) = published[0]
    assert outcome.ok, outcome.failure
    (held,) = refused[0].held
    assert str(held).startswith(f"{REGION}: the lease is held by ")
    assert outcome.lease.startswith(f"lease {held.record.id} ")
    assert snapshot(endpoint_url=url) == EXPECTED_FIRST_PUBLISH  # one portfolio, no duplicate
    assert lease_object(url) is None  # released


def test_a_second_publish_exits_1_at_once_naming_the_holder(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = acquire(s3_client(url), BUCKET, REGION, new_record("publish", 600))
    path = write_demo(tmp_path)
    argv = ["publish", "--manifest", str(path), "--artifact-bucket", BUCKET, "--endpoint-url", url]
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert error == f"portfolio publish: error: {LeaseHeld(REGION, holder.record)}\n"
    assert snapshot(endpoint_url=url)["portfolios"] == []
    assert main([*argv, "--force-unlock", holder.record.id, "--output", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert f"taken over from {holder.record.holder()}" in report["regions"][0]["lease"]
    assert snapshot(endpoint_url=url) == EXPECTED_FIRST_PUBLISH


_HOLDER = """
import sys, boto3
from botocore.config import Config
from portfolio.publish.lease import acquire, new_record
s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=sys.argv[1],
                  aws_access_key_id="x", aws_secret_access_key="x",
                  config=Config(s3={"addressing_style": "path"}))
lease = acquire(s3, sys.argv[2], "us-east-1", new_record("publish", int(sys.argv[3])))
print(lease.record.id, flush=True)
sys.stdin.read()  # holds the lease until killed
"""


def test_a_crashed_holders_lease_is_taken_over_after_it_expires(url: str, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, BUCKET, "5"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lease_id = holder.stdout.readline().strip() if holder.stdout else ""
    finally:
        holder.send_signal(signal.SIGKILL)  # crashes: never releases
        holder.wait()
    assert lease_object(url)["id"] == lease_id  # type: ignore[index]
    path = write_demo(tmp_path)
    with pytest.raises(LeaseRefused, match=f"lease ID {lease_id}"):
        publish(prepare(path), publish_options(url))
    (outcome,) = _publish_once_expired(lambda: publish(prepare(path), publish_options(url)))
    assert outcome.ok, outcome.failure
    assert f"(lease {lease_id})" in outcome.lease
    assert snapshot(endpoint_url=url) == EXPECTED_FIRST_PUBLISH


def _publish_once_expired(run: Callable[[], list[RegionOutcome]]) -> list[RegionOutcome]:
    """Publish as soon as the lease expired (a bound on waiting, not a timing check)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return run()
        except LeaseRefused:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_a_run_whose_lease_is_taken_over_starts_no_new_step(url: str, tmp_path: Path) -> None:
    """Renewed every second (TTL 3 s); once its first step is done someone forces the lease:
    the run halts at its next renewal, reports what it did, and the next run converges."""
    path = write_demo(tmp_path)
    halt = Halt()
    forced: list[str] = []

    def force_after_the_first_step(*_: Any) -> None:
        if not forced:
            current = lease_object(url)
            assert current is not None
            forcer = acquire(
                s3_client(url), BUCKET, REGION, new_record("publish", 600), current["id"]
            )
            forced.append(forcer.record.id)

    def slower(client: Any) -> None:  # ~4 s of steps left: several renewals
        client.meta.events.register(
            "before-call.*.*",
            lambda params, **_: None if is_lease_call(params) else time.sleep(0.1),
        )

    options = publish_options(
        url, on_client=slower, halt=halt, lease_ttl=3, progress=force_after_the_first_step
    )
    (outcome,) = publish(prepare(path), options)
    assert not outcome.ok
    assert halt.reason.startswith(f"lease lost: {REGION}: lease ")
    assert "now held by " in halt.reason
    statuses = [result.status for result in outcome.results]
    assert statuses[0] == "done" and statuses[-1] == "skipped"
    assert halt.reason in outcome.failure
    assert lease_object(url)["id"] == forced[0]  # type: ignore[index]  # not released by the run
    s3_client(url).delete_object(Bucket=BUCKET, Key=lease_key(REGION))  # the forcer's, gone
    (again,) = publish(prepare(path), publish_options(url))
    assert again.ok, again.failure
    assert snapshot(endpoint_url=url) == EXPECTED_FIRST_PUBLISH


# --- the lease's own writes recognise their success after a 5xx ------------------------------


class FailAfter:
    """Lets the n-th lease call of an operation through, then answers it 500."""

    def __init__(self, operation: str, nth: int = 1) -> None:
        self.operation, self.nth, self.seen = operation, nth, 0

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.s3.*", self._mark)
        client.meta.events.register("after-call.s3.*", self._fail)

    def _mark(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["lease"] = is_lease_call(params)

    def _fail(
        self,
        model: Any,
        http_response: Any,
        parsed: dict[str, Any],
        context: dict[str, Any],
        **_: Any,
    ) -> None:
        if not context.get("lease") or model.name != self.operation:
            return
        self.seen += 1
        if self.seen == self.nth:
            http_response.status_code = 500
            parsed["Error"] = {"Code": "InternalError", "Message": "injected after the change"}
            parsed["ResponseMetadata"]["HTTPStatusCode"] = 500


@pytest.mark.parametrize(
    ("operation", "nth"),
    [("PutObject", 1), ("PutObject", 2), ("DeleteObject", 1)],
    ids=["take", "renew", "release"],
)
def test_lease_writes_answered_500_after_they_took_effect(
    url: str, tmp_path: Path, operation: str, nth: int
) -> None:
    fault = FailAfter(operation, nth)
    options = publish_options(url, on_client=fault.attach)
    if nth == 2:  # renewed every second while the (slowed) publish lasts
        options = publish_options(
            url, on_client=lambda c: (fault.attach(c), slow_calls(c)), lease_ttl=2
        )
    (outcome,) = publish(prepare(write_demo(tmp_path)), options)
    assert outcome.ok, outcome.failure
    assert fault.seen >= nth
    assert outcome.notes == ()  # the lease was released
    assert lease_object(url) is None
    assert snapshot(endpoint_url=url) == EXPECTED_FIRST_PUBLISH
