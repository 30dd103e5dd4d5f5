"""Fixtures of the local AWS endpoint tests: every extended Service Catalog operation,
in-process and over HTTP.

botocore does not validate responses, so the tests assert the fields the publisher reads; a
misnamed field in the backend is dropped by moto's model-driven serializer and shows up here.
Helpers live in tests/support/local_aws.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from portfolio.local_aws import LocalAwsServer, local_aws
from tests.support.local_aws import NO_RETRIES, Aws, http_client


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAwsServer]:
    with LocalAwsServer() as running:
        yield running


@pytest.fixture
def in_process() -> Iterator[Aws]:
    with local_aws():
        yield Aws(
            lambda service, region: boto3.client(service, region_name=region, config=NO_RETRIES)
        )


@pytest.fixture(params=["in-process", "http"])
def aws(request: pytest.FixtureRequest) -> Iterator[Aws]:
    if request.param == "in-process":
        yield request.getfixturevalue("in_process")
        return
    running: LocalAwsServer = request.getfixturevalue("server")
    running.reset()
    yield Aws(http_client(running.url))
