"""Products are wired output -> parameter: every parameter named after another product's output
accepts what that output really looks like, and paired parameters accept the same values.

Since 2.0.0 the products name their resources under the capability's prefixes
(``capability_names``), so the samples carry them."""

from __future__ import annotations

import re

import pytest

from products.catalog import ProductSpec
from tests.support.templates import template_data

#: Output name -> values AWS really produces for it (the shapes products export).
OUTPUT_SAMPLES = {
    "SecretArn": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signed-urls/photos/signing-AbCdEf",
    ],
    "KmsKeyArn": [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
    ],
    "BucketName": [
        "signed-urls-123456789012-eu-west-1-1a2b3c4d",
        "signed-urls-123456789012-ap-southeast-2-1a2b3c4d",
    ],
    "BucketArn": ["arn:aws:s3:::signed-urls-123456789012-eu-west-1-1a2b3c4d"],
    "DistributionArn": ["arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"],
    "KeyGroupId": ["6d3d4b53-a5d4-4e2b-8f1c-9a6e4f2b8c11"],
    "TableArn": [
        "arn:aws:dynamodb:eu-west-1:123456789012:table/signed-urls-SC-123456789012-pp-abcdefg",
        "arn:aws:dynamodb:eu-west-1:123456789012:table/signed-urls-team-files_v2",
    ],
    "TableKmsKeyArn": [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
    ],
}


def test_every_wired_parameter_accepts_the_outputs_it_is_given(
    product_spec: ProductSpec,
) -> None:
    parameters = template_data(product_spec.slug).get("Parameters", {})
    wired = {name: parameters[name] for name in OUTPUT_SAMPLES if name in parameters}
    for name, parameter in wired.items():
        pattern = parameter.get("AllowedPattern")
        for sample in OUTPUT_SAMPLES[name]:
            assert pattern is None or re.fullmatch(pattern, sample), (
                f"{product_spec.slug}.{name} rejects {sample}"
            )


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example.com",
        "https://app.example.com:8443",
        "http://localhost:3000",
        "https://*.example.com",
        "http://app.example.com",
        "https://App.example.com",
        "*",
    ],
)
def test_bucket_and_distribution_accept_the_same_cors_origins(origin: str) -> None:
    bucket = template_data("bucket")["Parameters"]["CorsAllowedOrigins"]["AllowedPattern"]
    distribution = template_data("distribution")["Parameters"]["CorsAllowedOrigins"][
        "AllowedPattern"
    ]
    # The bucket's list parameter is matched item by item, the distribution's string as a whole.
    assert bool(re.fullmatch(bucket, origin)) == bool(re.fullmatch(distribution, origin))
    two = f"{origin},https://admin.example.com"
    assert bool(re.fullmatch(distribution, two)) == bool(re.fullmatch(bucket, origin))
