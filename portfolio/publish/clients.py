"""boto3 clients whose every API call is counted (read or mutating) and retried when AWS is
throttling or failing (5xx), or could not be reached, with capped exponential backoff and full
jitter.

botocore's own retries are switched off so that one policy, ours, is tested and counted. A
call counts once however often it is retried; retries are counted separately. A connection
dropped after the request was sent is not retried: the call may have taken effect.

A 5xx answer may also come after the call took effect. The error a retry then meets ("already
exists") is marked (``after_uncertain_attempt``) so that ``portfolio.publish.recognize`` can
check whether the earlier attempt did the job; the error of a call whose retries ran out says
how many attempts were made (``attempts_made``).
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ProfileNotFound

from portfolio.errors import BadInput, NotConfigured, one_line

READ_PREFIXES = ("Describe", "List", "Search", "Get", "Head", "Scan", "Query")
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    }
)
#: Credentials for a local endpoint when none are configured (it accepts any).
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


class CallCounter:
    """Read and mutating API calls, and retries; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.read = 0
        self.mutating = 0
        self.retries = 0

    def record(self, operation: str) -> None:
        with self._lock:
            if is_read(operation):
                self.read += 1
            else:
                self.mutating += 1

    def record_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "mutating": self.mutating}


@dataclass(frozen=True)
class RetryPolicy:
    """Up to ``max_attempts`` tries; the n-th wait is uniform in [0, min(cap, base * 2**n)]."""

    max_attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        return random.uniform(0.0, min(self.max_delay, self.base_delay * 2**attempt))


def may_have_taken_effect(error: Exception) -> bool:
    """A 5xx: the request reached AWS, which may have done it before failing to answer."""
    if not isinstance(error, ClientError):
        return False
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500


_UNCERTAIN = "_portfolio_after_uncertain_attempt"
_ATTEMPTS = "_portfolio_attempts_made"


def after_uncertain_attempt(error: BaseException) -> bool:
    """Whether ``error`` answered a retry of a call that may already have taken effect."""
    return bool(getattr(error, _UNCERTAIN, False))


def attempts_made(error: BaseException) -> int:
    """How many attempts ended in ``error`` when its retries ran out (0: not retried out)."""
    return int(getattr(error, _ATTEMPTS, 0))


def is_retryable(error: Exception) -> bool:
    """Throttling, a 5xx answer, or a connection that could not be made (botocore's
    ConnectionError: the request never reached AWS): worth another try."""
    if isinstance(error, ConnectionError):
        return True
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in THROTTLING_CODES or status >= 500


class CountingClient:
    """Wraps a boto3 client: API methods are counted and retried; the rest passes through."""

    def __init__(self, client: Any, counter: CallCounter, retry: RetryPolicy) -> None:
        self._client = client
        self._counter = counter
        self._retry = retry

    @property
    def meta(self) -> Any:
        return self._client.meta

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        operation = self._client.meta.method_to_api_mapping.get(name)
        if operation is None:
            return attribute
        return functools.partial(self._call, attribute, operation)

    def _call(self, method: Callable[..., Any], operation: str, **params: Any) -> Any:
        self._counter.record(operation)
        attempt, uncertain = 1, False
        while True:
            try:
                return method(**params)
            except Exception as error:
                if not is_retryable(error):
                    if uncertain:
                        setattr(error, _UNCERTAIN, True)
                    raise
                if attempt >= self._retry.max_attempts:
                    setattr(error, _ATTEMPTS, attempt)
                    raise
                uncertain = uncertain or may_have_taken_effect(error)
                self._counter.record_retry()
                self._retry.sleep(self._retry.delay(attempt))
                attempt += 1


@dataclass(frozen=True)
class ClientSettings:
    """How to reach AWS (or a local endpoint) from any thread."""

    profile: str | None = None
    endpoint_url: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: Called with every new raw boto3 client (tests and the benchmark register event hooks).
    on_client: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        if self.endpoint_url is not None:
            check_endpoint_url(self.endpoint_url)


def check_endpoint_url(url: str) -> None:
    """BadInput naming --endpoint-url unless ``url`` is an http(s) URL with a host."""
    try:
        parsed = urlparse(url)
        port_ok = parsed.port is None or parsed.port > 0
    except ValueError:
        parsed, port_ok = None, False
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
        port_ok = False
    if not port_ok:
        raise BadInput(
            f"--endpoint-url {url}: not an http(s) URL with a host (e.g. http://127.0.0.1:5000)"
        )


@dataclass
class RegionClients:
    """One region's clients, made in and used by one thread, sharing one counter; the lease's
    own S3 client counts apart (taking and renewing the lease is not publishing)."""

    region: str
    servicecatalog: Any
    s3: Any
    cloudformation: Any
    counter: CallCounter
    lease_s3: Any = None  # None: ``s3``

    def for_service(self, service: str) -> Any:
        return getattr(self, service)

    @property
    def lease(self) -> Any:
        return self.lease_s3 if self.lease_s3 is not None else self.s3


def region_clients(settings: ClientSettings, region: str) -> RegionClients:
    """A new session and clients for ``region`` (boto3 sessions are not shared across threads)."""
    session = aws_session(settings.profile, settings.endpoint_url, region)
    counter = CallCounter()

    def make(service: str, counter: CallCounter = counter) -> CountingClient:
        return counting_client(session, service, region, settings, counter)

    return RegionClients(
        region=region,
        servicecatalog=make("servicecatalog"),
        s3=make("s3"),
        cloudformation=make("cloudformation"),
        counter=counter,
        lease_s3=make("s3", CallCounter()),
    )


def counting_client(
    session: boto3.session.Session,
    service: str,
    region: str,
    settings: ClientSettings,
    counter: CallCounter,
) -> CountingClient:
    client = session.client(
        service,
        region_name=region,
        endpoint_url=settings.endpoint_url,
        config=_config(service, settings),
    )
    if settings.on_client is not None:
        settings.on_client(client)
    return CountingClient(client, counter, settings.retry)


#: What to do when no credentials are found (every command says the same).
MISSING_CREDENTIALS = (
    "no AWS credentials found: run `aws configure` (access keys) or `aws configure sso` and "
    "`aws sso login`, then pass --profile NAME or set AWS_PROFILE; or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY; for a local endpoint pass --endpoint-url (any credentials work there)"
)


def aws_session(
    profile: str | None, endpoint_url: str | None, region: str | None = None
) -> boto3.session.Session:
    """The session every command uses: the profile (BadInput naming where an unknown one came
    from), its credentials, or, with ``endpoint_url`` and none configured, dummy ones (a local
    endpoint accepts any); NotConfigured saying how to configure them when there are none."""
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
        credentials = session.get_credentials()
    except ProfileNotFound:
        raise BadInput(no_such_profile(profile)) from None
    except BotoCoreError as error:  # a broken config file or credential process
        raise BadInput(f"credentials: {one_line(error)}") from None
    if credentials is not None:
        return session
    if endpoint_url:
        return boto3.session.Session(region_name=region, **LOCAL_CREDENTIALS)
    raise NotConfigured(MISSING_CREDENTIALS)


def profile_region(profile: str | None) -> str | None:
    """The ``region`` of the profile (its config file entry), or None."""
    try:
        session = boto3.session.Session(profile_name=profile)
        return session.region_name
    except ProfileNotFound:
        raise BadInput(no_such_profile(profile)) from None


def no_such_profile(flag_profile: str | None) -> str:
    """Names where the profile came from: the flag, or AWS_PROFILE when no flag was given."""
    if flag_profile is not None:
        return f"--profile {flag_profile}: no such profile"
    profile = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    variable = "AWS_PROFILE" if os.environ.get("AWS_PROFILE") else "AWS_DEFAULT_PROFILE"
    return f"{variable}={profile} (from the environment): no such profile; unset it or fix it"


def _config(service: str, settings: ClientSettings) -> Config:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=10,
        read_timeout=60,
    )
    if service == "s3" and settings.endpoint_url:
        config = config.merge(Config(s3={"addressing_style": "path"}))
    return config
