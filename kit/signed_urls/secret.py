"""The key pair product's secret as a key source: cached, thread-safe, rotation-aware.

The rule applied here is the one docs/key-pair-secret-format.md gives every application: right
after a rotation the secret names the new key before CloudFront trusts it, so while the current
value's ``createdAt`` is younger than the rotation window, sign with the ``AWSPREVIOUS`` key,
but only when the current value's ``previousKeyPairId`` is that key. Otherwise (first create,
rollback, undone write) sign with ``AWSCURRENT``.
Reading stages: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signed_urls.errors import KeyPairNotReady, SecretFormatError, SigningInputError
from signed_urls.keys import SigningKey

LOG = logging.getLogger("signed_urls")
#: After a failed re-read, keep signing with the cached key and try again this much later.
RETRY_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class SecretValue:
    """One version of the secret, parsed: the key and the fields the rotation rule reads."""

    key: SigningKey
    created_at: float | None
    previous_key_pair_id: str | None
    public_key_pem: str | None


def parse_secret(text: str, where: str = "secret") -> SecretValue:
    """Parse the key pair format; SecretFormatError naming the field, KeyPairNotReady for the
    secret product's placeholder."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise SecretFormatError(f"{where}: not JSON (expected the key pair format)") from None
    if not isinstance(value, dict):
        raise SecretFormatError(f"{where}: not a JSON object (expected the key pair format)")
    if value.get("status") == "AWAITING_KEY_PAIR" and "keyPairId" not in value:
        raise KeyPairNotReady(
            f"{where}: holds the placeholder {{'status': 'AWAITING_KEY_PAIR'}}: the key pair "
            "product has not run yet (provision it with this SecretArn, then retry)"
        )
    if value.get("formatVersion") != 1:
        raise SecretFormatError(
            f"{where}: formatVersion {value.get('formatVersion')!r} is not 1 (this kit reads 1)"
        )
    for name in ("keyPairId", "privateKey"):
        if not isinstance(value.get(name), str) or not value[name]:
            raise SecretFormatError(f"{where}: {name} is missing or not a string")
    try:
        key = SigningKey.from_pem(value["privateKey"], value["keyPairId"])
    except SigningInputError as error:
        raise SecretFormatError(f"{where}: {error}") from None
    previous = value.get("previousKeyPairId")
    return SecretValue(
        key=key,
        created_at=_created_at(value.get("createdAt"), where),
        previous_key_pair_id=previous if isinstance(previous, str) else None,
        public_key_pem=value.get("publicKey") if isinstance(value.get("publicKey"), str) else None,
    )


def _created_at(text: object, where: str) -> float | None:
    if text is None:
        return None
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        raise SecretFormatError(
            f"{where}: createdAt {text!r} is not YYYY-MM-DDTHH:MM:SSZ"
        ) from None


@dataclass(frozen=True, slots=True)
class _State:
    current: SecretValue
    previous: SigningKey | None  # signs until use_previous_until, when the rule allows it
    use_previous_until: float
    refresh_at: float


class SecretKeySource:
    """Reads the secret at most once per ``cache_seconds`` (and on ``refresh()``)."""

    def __init__(
        self,
        secret_id: str,
        client: Any = None,
        cache_seconds: float = 300,
        rotation_window_seconds: float = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        for name, seconds in (
            ("cache_seconds", cache_seconds),
            ("rotation_window_seconds", rotation_window_seconds),
        ):
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise SigningInputError(f"{name}: {seconds!r} must be a number of seconds >= 0")
        if not isinstance(secret_id, str) or not secret_id:
            raise SigningInputError(f"secret_arn: {secret_id!r} must be the secret's ARN or name")
        self.secret_id = secret_id
        self._client = client if client is not None else secrets_manager_client(secret_id)
        self._cache_seconds = float(cache_seconds)
        self._window = float(rotation_window_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._state: _State | None = None

    def signing_key(self) -> SigningKey:
        now = self._clock()
        state = self._state
        if state is None or now >= state.refresh_at:
            state = self._reload(stale=state)
        if state.previous is not None and now < state.use_previous_until:
            return state.previous
        return state.current.key

    def refresh(self) -> None:
        with self._lock:
            self._state = self._load(self._clock())

    def current_value(self) -> SecretValue:
        """The parsed ``AWSCURRENT`` value (e.g. its ``publicKey`` for tests)."""
        self.signing_key()
        assert self._state is not None
        return self._state.current

    def _reload(self, stale: _State | None) -> _State:
        with self._lock:
            now = self._clock()
            state = self._state
            if state is not None and state is not stale and now < state.refresh_at:
                return state  # another thread re-read it meanwhile
            try:
                self._state = self._load(now)
            except Exception as error:
                if state is None:
                    raise
                LOG.warning(
                    "signed_urls: re-reading %s failed, keeping the cached key: %s",
                    self.secret_id,
                    error,
                )
                self._state = _State(
                    state.current,
                    state.previous,
                    state.use_previous_until,
                    now + min(RETRY_SECONDS, self._cache_seconds or RETRY_SECONDS),
                )
            return self._state

    def _load(self, now: float) -> _State:
        current = parse_secret(self._read("AWSCURRENT"), f"secret {self.secret_id} (AWSCURRENT)")
        previous, until = None, 0.0
        created = current.created_at
        if current.previous_key_pair_id and created is not None and now < created + self._window:
            candidate = self._previous_key()
            if candidate is not None and candidate.key_pair_id == current.previous_key_pair_id:
                previous, until = candidate, created + self._window
        return _State(current, previous, until, now + self._cache_seconds)

    def _previous_key(self) -> SigningKey | None:
        """The AWSPREVIOUS key, or None when there is none or it is not a key pair value."""
        try:
            text = self._read("AWSPREVIOUS")
            return parse_secret(text, "AWSPREVIOUS").key
        except SecretFormatError:
            return None  # the placeholder (after the first create) or an unreadable value
        except Exception as error:
            if _error_code(error) != "ResourceNotFoundException":  # not just "no AWSPREVIOUS"
                LOG.warning(
                    "signed_urls: reading AWSPREVIOUS of %s failed, signing with AWSCURRENT: %s",
                    self.secret_id,
                    error,
                )
            return None

    def _read(self, stage: str) -> str:
        response = self._client.get_secret_value(SecretId=self.secret_id, VersionStage=stage)
        text = response.get("SecretString")
        if not isinstance(text, str):
            raise SecretFormatError(f"secret {self.secret_id} ({stage}): no SecretString")
        return text


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return code if isinstance(code, str) else None
    return None


def secrets_manager_client(secret_id: str, **settings: Any) -> Any:
    """A boto3 Secrets Manager client in the secret's Region (taken from its ARN)."""
    try:
        import boto3  # type: ignore[import-untyped]
    except ImportError:
        raise SigningInputError(
            "secret_arn: reading Secrets Manager needs boto3: pip install 'signed-urls-kit[aws]'"
        ) from None
    parts = secret_id.split(":")
    if len(parts) > 4 and parts[0] == "arn" and parts[2] == "secretsmanager" and parts[3]:
        settings.setdefault("region_name", parts[3])
    return boto3.client("secretsmanager", **settings)
