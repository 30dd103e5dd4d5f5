"""The upload behavior's CloudFront Function, run under Node.js exactly as the template inlines it.

Downloads never write: only PUT and the CORS preflight pass, and only with a canned-policy
signed URL, so neither signed cookies nor a wildcard custom policy issued for downloads can
create or change an object. Skipped without ``node`` locally, failed without it in CI.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from signed_urls import Signer, SigningKey

from products.distribution import UPLOAD_METHODS, build
from tests.support.cloudfront_functions import run_handler, viewer_request
from tests.support.onboarding_example import signing_example

BASE_URL = "https://files.example.com"
UPLOAD_PATH = "uploads/3f2a.jpg"
CANNED = "Expires=1767225600&Signature=c2ln~&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256"
CUSTOM = "Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=c2ln~&Key-Pair-Id=K2JCJMDEHXQW5F"
SIGNED_COOKIES = {
    "CloudFront-Policy": "eyJTdGF0ZW1lbnQiOltdfQ__",
    "CloudFront-Signature": "c2ln~",
    "CloudFront-Key-Pair-Id": "K2JCJMDEHXQW5F",
}


@pytest.fixture(scope="module")
def source() -> str:
    """The function code as the generated template carries it."""
    template = build().template.to_dict()
    return template["Resources"]["DistributionUploadFunction"]["Properties"]["FunctionCode"]


def handle(source: str, *events: dict[str, Any]) -> list[Any]:
    return run_handler(source, list(events))


def assert_passed(event: dict[str, Any], result: Any) -> None:
    assert result == event["request"], "the request must go on to S3 unchanged"


def assert_refused(result: Any, status: int) -> None:
    assert result["statusCode"] == status, result
    assert result["headers"]["allow"] == {"value": ", ".join(UPLOAD_METHODS)}
    assert result["headers"]["cache-control"] == {"value": "no-store"}


@pytest.mark.parametrize("method", UPLOAD_METHODS)
def test_put_and_preflight_with_a_canned_signed_url_pass(source: str, method: str) -> None:
    event = viewer_request(method, f"{BASE_URL}/{UPLOAD_PATH}?{CANNED}")
    [result] = handle(source, event)
    assert_passed(event, result)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PATCH", "DELETE"])
def test_every_other_method_is_answered_405(source: str, method: str) -> None:
    [result] = handle(source, viewer_request(method, f"{BASE_URL}/{UPLOAD_PATH}?{CANNED}"))
    assert_refused(result, 405)
    assert result["statusDescription"] == "Method Not Allowed"


@pytest.mark.parametrize(
    ("query", "cookies"),
    [
        ("", SIGNED_COOKIES),  # a gallery cookie for https://files.example.com/*
        (CUSTOM, {}),  # a custom policy may hold a wildcard resource
        (f"{CANNED}&Policy=eyJTdGF0ZW1lbnQiOltdfQ__", {}),
        ("Expires=1767225600&Signature=c2ln~", {}),  # no Key-Pair-Id
        ("Expires=1767225600&Key-Pair-Id=K2JCJMDEHXQW5F", {}),  # no Signature
        ("Signature=c2ln~&Key-Pair-Id=K2JCJMDEHXQW5F", {}),  # no Expires
        ("", {}),
    ],
)
def test_put_without_a_canned_signed_url_is_refused(
    source: str, query: str, cookies: dict[str, str]
) -> None:
    event = viewer_request("PUT", f"{BASE_URL}/{UPLOAD_PATH}?{query}", cookies=cookies)
    [result] = handle(source, event)
    assert_refused(result, 403)


def test_url_from_the_onboarding_signer_passes(source: str) -> None:
    """The guide's own signed_url() (the kit's canned URL) makes upload URLs the function
    admits; its gallery_urls() (one wildcard custom policy) cannot upload."""
    example = signing_example()
    signer = Signer(SigningKey(ec.generate_private_key(ec.SECP256R1()), "K2JCJMDEHXQW5F"))
    event = viewer_request("PUT", example["signed_url"](signer, BASE_URL, UPLOAD_PATH, 60))
    [result] = handle(source, event)
    assert_passed(event, result)
    [gallery_url] = example["gallery_urls"](signer, BASE_URL, "uploads", [UPLOAD_PATH])
    [refused] = handle(source, viewer_request("PUT", gallery_url))
    assert_refused(refused, 403)


def test_each_event_is_judged_alone(source: str) -> None:
    """No state leaks from one request to the next (CloudFront may reuse the runtime)."""
    put = viewer_request("PUT", f"{BASE_URL}/{UPLOAD_PATH}?{CANNED}")
    get = viewer_request("GET", f"{BASE_URL}/{UPLOAD_PATH}?{CANNED}")
    results = handle(source, put, get, put)
    assert_passed(put, results[0])
    assert_refused(results[1], 405)
    assert_passed(put, results[2])
