"""How the backend is wired into moto: AWS's error documents over HTTP, install()."""

from __future__ import annotations

import inspect
import json
import urllib.error
import urllib.request

import pytest
from moto.servicecatalog.responses import ServiceCatalogResponse

from portfolio.local_aws import LocalAwsServer, install


def test_errors_are_json_400_with_type_over_http(server: LocalAwsServer) -> None:
    request = urllib.request.Request(
        server.url,
        data=json.dumps({"Id": "port-missing"}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWS242ServiceCatalogService.DescribePortfolio",
            "Authorization": (
                "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/servicecatalog/"
                "aws4_request, SignedHeaders=host, Signature=0"
            ),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 400
    body = json.loads(raised.value.read())
    assert body["__type"] == "ResourceNotFoundException"
    assert "port-missing" in body["Message"]


def test_no_moto_service_catalog_action_is_left_on_its_separate_state() -> None:
    install()
    moto_actions = [
        name
        for name, function in inspect.getmembers(ServiceCatalogResponse, inspect.isfunction)
        if function.__module__ == "moto.servicecatalog.responses" and name != "__init__"
    ]
    assert moto_actions == []


def test_installing_the_extension_twice_changes_nothing() -> None:
    install()
    before = dict(vars(ServiceCatalogResponse))
    install()
    assert dict(vars(ServiceCatalogResponse)) == before
