"""One writer at a time: a lease object in the region's artifact bucket.

Service Catalog names are not unique, so two publishes at once (two pipeline runs, a person
and CI) would each create the portfolio and products they did not find. Every command that
changes a region (``publish``, ``bootstrap`` of an existing stack, ``adopt``) first takes the
region's lease, ``s3://<artifact bucket>/leases/<region>.json``, before its first read of the
catalog, renews it while it runs and releases it at the end. Everything uses S3 conditional
requests, so no two writers can both believe they hold it
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html):

- take: ``PutObject`` with ``If-None-Match: *``, which fails (412) when the object exists;
- renew: ``PutObject`` with ``If-Match: <the ETag we wrote>``, which fails when anyone else
  wrote it since (a take-over);
- take over a lease that expired, or the one ``--force-unlock ID`` names: ``PutObject`` with
  ``If-Match: <its ETag>``, so of two takers exactly one wins;
- release: ``DeleteObject`` with ``If-Match: <our ETag>``: never deletes someone else's lease.

S3 answers a write that conflicts with a concurrent one 409 ConditionalRequestConflict and
asks for a retry; both 412 and 409 lead here to reading the object and deciding again. A
lease expires ``ttl_seconds`` after it was last written, judged on S3's clock (the object's
LastModified against the Date of the response that read it), so hosts whose clocks disagree
still agree on expiry. A write retried after a 5xx that had in fact succeeded meets 412 on its
retry: reading the object back and finding our own lease ID (and renewal number) counts as
success. Conditional writes need s3:PutObject and s3:GetObject, conditional deletes
s3:DeleteObject and s3:GetObject on ``leases/*``.
"""

from __future__ import annotations

import contextlib
import email.utils
import getpass
import json
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from portfolio.errors import one_line
from portfolio.names import LEASE_KEY
from portfolio.publish.halt import Halt

#: How long a lease lives without renewal. Renewed every third of it, so a run survives two
#: failed renewals; a crashed holder blocks others for at most this long (or --force-unlock).
DEFAULT_TTL_SECONDS = 600
_ROUNDS = 5  # take attempts when others race for the same lease
_LOST_WRITE = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
_MISSING = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True)
class LeaseRecord:
    """What the lease object says: who holds it, since when, until when."""

    id: str
    owner: str
    host: str
    pid: int
    command: str  # publish, bootstrap, adopt
    started: str  # ISO 8601, UTC, the holder's clock
    expires: str  # started/renewed + ttl_seconds, for people (expiry is judged on S3's clock)
    ttl_seconds: int
    renewals: int = 0

    def body(self) -> bytes:
        return json.dumps(asdict(self), indent=2).encode("utf-8")

    def holder(self) -> str:
        """'alice on build-7 (pid 4242, publish) since 2025-01-01T10:00:00Z'."""
        return f"{self.owner} on {self.host} (pid {self.pid}, {self.command}) since {self.started}"


class LeaseHeld(Exception):
    """Someone else holds a region's lease: the command stops before changing anything."""

    def __init__(self, region: str, record: LeaseRecord) -> None:
        super().__init__(
            f"{region}: the lease is held by {record.holder()}, lease ID {record.id}, until "
            f"{record.expires} unless renewed; wait for that run to finish, or if it crashed, "
            f"until the lease expires or run again with --force-unlock {record.id}"
        )
        self.region = region
        self.record = record


class LeaseLost(Exception):
    """Our lease was taken over (it expired, or someone forced it) or deleted."""


@dataclass(frozen=True)
class Lease:
    """A lease we hold: its record and the ETag of what we last wrote."""

    region: str
    bucket: str
    key: str
    record: LeaseRecord
    etag: str
    took_over: LeaseRecord | None = None  # the expired (or forced) lease this one replaced

    def describe(self) -> str:
        over = ""
        if self.took_over is not None:
            over = f", taken over from {self.took_over.holder()} (lease {self.took_over.id})"
        return f"lease {self.record.id} on s3://{self.bucket}/{self.key}{over}"


@dataclass(frozen=True)
class _Stored:
    record: LeaseRecord
    etag: str
    expired: bool


def lease_key(region: str) -> str:
    return LEASE_KEY.format(region=region)


def new_record(command: str, ttl_seconds: int, now: datetime | None = None) -> LeaseRecord:
    started = now or datetime.now(UTC)
    return LeaseRecord(
        id=secrets.token_hex(8),
        owner=_owner(),
        host=socket.gethostname(),
        pid=os.getpid(),
        command=command,
        started=_iso(started),
        expires=_iso(started + timedelta(seconds=ttl_seconds)),
        ttl_seconds=ttl_seconds,
    )


def acquire(
    s3: Any,
    bucket: str,
    region: str,
    record: LeaseRecord,
    force_unlock: str | None = None,
) -> Lease:
    """Take the region's lease for ``record``: a new one, an expired one, or the one whose ID
    is ``force_unlock``. LeaseHeld when someone else holds it."""
    key = lease_key(region)
    for _round in range(_ROUNDS):
        with contextlib.suppress(_Conflict, _Unanswered):
            etag = _put(s3, bucket, key, record, IfNoneMatch="*")
            return Lease(region, bucket, key, record, etag)
        stored = _read(s3, bucket, key)
        if stored is None:
            continue  # released in between: take it anew
        if stored.record.id == record.id:  # our own write, retried after it succeeded
            return Lease(region, bucket, key, record, stored.etag)
        if not stored.expired and stored.record.id != force_unlock:
            raise LeaseHeld(region, stored.record)
        with contextlib.suppress(_Conflict, _Unanswered):
            etag = _put(s3, bucket, key, record, IfMatch=stored.etag)
            return Lease(region, bucket, key, record, etag, took_over=stored.record)
    raise LeaseLost(f"{region}: s3://{bucket}/{key} changed {_ROUNDS} times while taking it")


def renew(s3: Any, lease: Lease, now: datetime | None = None) -> Lease:
    """Write the lease again with a later expiry, only if it is still what we last wrote."""
    moment = now or datetime.now(UTC)
    record = replace(
        lease.record,
        expires=_iso(moment + timedelta(seconds=lease.record.ttl_seconds)),
        renewals=lease.record.renewals + 1,
    )
    try:
        etag = _put(s3, lease.bucket, lease.key, record, IfMatch=lease.etag)
        return replace(lease, record=record, etag=etag)
    except (_Conflict, _Unanswered):
        stored = _read(s3, lease.bucket, lease.key)
    if stored is not None and stored.record == record:  # our retried write had succeeded
        return replace(lease, record=record, etag=stored.etag)
    holder = f"now held by {stored.record.holder()}" if stored else "the lease object is gone"
    raise LeaseLost(f"{lease.region}: lease {lease.record.id} was taken over ({holder})")


def release(s3: Any, lease: Lease) -> bool:
    """Delete the lease if it is still ours; False when it is someone else's by now."""
    etag = lease.etag
    for _attempt in range(2):
        try:
            s3.delete_object(Bucket=lease.bucket, Key=lease.key, IfMatch=etag)
            return True
        except ClientError as error:
            if _code(error) not in _LOST_WRITE | _MISSING:
                raise
        stored = _read(s3, lease.bucket, lease.key)
        if stored is None:
            return True  # a retried delete that had succeeded
        if stored.record.id != lease.record.id:
            return False
        etag = stored.etag  # ours, written by a renewal whose answer was lost
    return False


class _Conflict(Exception):
    """A conditional write lost (412) or collided (409), or If-Match named a missing object."""


class _Unanswered(Exception):
    """The write was sent but its answer was lost (the connection dropped, or the retries of
    5xx answers ran out): it may have taken effect; reading the object tells."""


def _put(s3: Any, bucket: str, key: str, record: LeaseRecord, **condition: str) -> str:
    try:
        response = s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=record.body(),
            ContentType="application/json",
            **condition,
        )
    except ClientError as error:
        if _code(error) in _LOST_WRITE | _MISSING:
            raise _Conflict from error
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise _Unanswered from error
        raise
    except (BotoCoreError, OSError) as error:
        raise _Unanswered from error
    return str(response["ETag"])


def _read(s3: Any, bucket: str, key: str) -> _Stored | None:
    """The lease object, or None when there is none."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _code(error) in _MISSING:
            return None
        raise
    body = response["Body"].read()
    etag = str(response["ETag"])
    record = _parse(body, etag)
    last_written = response["LastModified"]
    expired = _s3_now(response, last_written) >= last_written + timedelta(
        seconds=record.ttl_seconds
    )
    return _Stored(record, etag, expired)


def _parse(body: bytes, etag: str) -> LeaseRecord:
    """The record; an unreadable object is shown as held by 'unknown' under an ID made from
    its ETag (so --force-unlock can still name it), expiring after the default TTL."""
    try:
        fields = json.loads(body)
        return LeaseRecord(**{name: fields[name] for name in LeaseRecord.__dataclass_fields__})
    except (ValueError, TypeError, KeyError):
        return LeaseRecord(
            id=etag.strip('"')[:16] or "unreadable",
            owner="unknown (unreadable lease object)",
            host="unknown",
            pid=0,
            command="unknown",
            started="unknown",
            expires="unknown",
            ttl_seconds=DEFAULT_TTL_SECONDS,
        )


def _s3_now(response: dict[str, Any], fallback: datetime) -> datetime:
    """S3's clock: the Date header of its response (our clock when there is none)."""
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if date:
        with contextlib.suppress(TypeError, ValueError):
            return email.utils.parsedate_to_datetime(date)
    now = datetime.now(UTC)
    return now if fallback.tzinfo else now.replace(tzinfo=None)


def _code(error: ClientError) -> str:
    details = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return str(details.get("Code") or status)


def _owner() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return f"uid {os.getuid()}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- holding leases while a run lasts -------------------------------------------------------


class LeaseKeeper:
    """Renews the leases of a run every third of their TTL in a background thread, and sets
    ``halt`` when one is lost (the run then starts no new step). ``release_all`` stops
    renewing and releases every lease still held."""

    def __init__(self, s3_for: Callable[[str], Any], halt: Halt, interval: float) -> None:
        self._s3_for = s3_for  # region -> the S3 client of that region's lease
        self._halt = halt
        self._interval = interval
        self._leases: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost: list[str] = []

    def hold(self, lease: Lease) -> None:
        with self._lock:
            self._leases[lease.region] = lease
            if self._thread is None:
                self._thread = threading.Thread(target=self._renew_loop, daemon=True)
                self._thread.start()

    @property
    def leases(self) -> dict[str, Lease]:
        with self._lock:
            return dict(self._leases)

    def _renew_loop(self) -> None:
        while not self._stop.wait(self._interval):
            for region, lease in self.leases.items():
                try:
                    renewed = renew(self._s3_for(region), lease)
                except LeaseLost as error:
                    self._lose(region, str(error))
                    continue
                except (ClientError, BotoCoreError):
                    continue  # try again next round; the lease outlives two missed renewals
                with self._lock:
                    if region in self._leases:
                        self._leases[region] = renewed

    def _lose(self, region: str, why: str) -> None:
        with self._lock:
            self._leases.pop(region, None)
            self.lost.append(why)
        self._halt.stop(f"lease lost: {why}")

    def release_all(self, regions: Sequence[str] | None = None) -> list[str]:
        """Stop renewing; release the leases (of ``regions``, or all). Returns one line per
        lease that could not be released (it expires on its own)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        problems: list[str] = []
        for region, lease in self.leases.items():
            if regions is not None and region not in regions:
                continue
            try:
                if not release(self._s3_for(region), lease):
                    problems.append(
                        f"{region}: lease {lease.record.id} was taken over before the run ended"
                    )
            except (ClientError, BotoCoreError) as error:
                problems.append(
                    f"{region}: could not release lease {lease.record.id} ({one_line(error)}); "
                    f"it expires by {lease.record.expires}"
                )
            with self._lock:
                self._leases.pop(region, None)
        return problems


@contextlib.contextmanager
def held(
    s3: Any, bucket: str, region: str, record: LeaseRecord, halt: Halt, force: str | None = None
) -> Iterator[Lease]:
    """Hold one region's lease for a ``with`` block (bootstrap, adopt): taken, renewed, released."""
    keeper = LeaseKeeper(lambda _region: s3, halt, record.ttl_seconds / 3)
    lease = acquire(s3, bucket, region, record, force)
    keeper.hold(lease)
    try:
        yield lease
    finally:
        keeper.release_all()
