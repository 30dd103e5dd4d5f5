"""The real-account switch: skip (one line, no network) unless SIGNED_URLS_E2E=1 and working
credentials are configured."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

E2E_SWITCH = "SIGNED_URLS_E2E"


@dataclass
class Account:
    """A boto3 session in the account and Region under test."""

    session: Any
    region: str

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region)


def real_account() -> Account:
    """Skip (one line, no network) unless switched on; then require working credentials."""
    if os.environ.get(E2E_SWITCH) != "1":
        pytest.skip(f"real-account smoke test: set {E2E_SWITCH}=1 with AWS credentials to run")
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.Session()
    region = session.region_name or "us-east-1"
    try:
        session.client("sts", region_name=region).get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        pytest.skip(f"{E2E_SWITCH}=1 but no usable AWS credentials: {' '.join(str(error).split())}")
    return Account(session, region)
