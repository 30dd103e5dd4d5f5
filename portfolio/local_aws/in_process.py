"""``local_aws()``: the local endpoint inside this process, for boto3 clients made within it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto import mock_aws

from portfolio.local_aws.responses import install


@contextmanager
def local_aws() -> Iterator[None]:
    """moto's ``mock_aws`` with the extended Service Catalog; state starts empty."""
    install()
    with mock_aws():
        yield
