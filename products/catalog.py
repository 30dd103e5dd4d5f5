"""Every product this repository generates: the single list the CLI, docs and tests read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from products import (
    bucket,
    complete_stack,
    distribution,
    integration_role,
    key_pair,
    metadata_table,
    secret,
)
from products.building_blocks.product_template import ProductTemplate
from products.building_blocks.usage import ProductUsage


@dataclass(frozen=True)
class ProductSpec:
    """One Service Catalog product: its template file and how to generate it."""

    slug: str
    title: str
    summary: str
    build: Callable[[], ProductTemplate]
    #: When to use it, a launch example, where its outputs go, its most common failure.
    usage: ProductUsage
    #: Markdown sections the reference page shows before the parameters ("" for none).
    notes: str = ""

    @property
    def template_file(self) -> str:
        return f"{self.slug}.yaml"


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec(
        slug="signed-urls",
        title="Signed URLs - Complete stack",
        summary="Everything in one launch, nothing copied by hand: signing key pair and its "
        "secret, private bucket with a write-only upload inbox, CloudFront distribution with "
        "signed downloads and uploads, optional metadata table, and the role the application "
        "assumes; custom domain, WAF, logging and alarm as the distribution offers them.",
        build=complete_stack.build,
        usage=complete_stack.USAGE,
        notes=complete_stack.REFERENCE_NOTES,
    ),
    ProductSpec(
        slug="bucket",
        title="Signed URLs - Bucket",
        summary="Private S3 bucket (public access blocked, encrypted, versioned, TLS-only) that "
        "only the team's CloudFront distribution may write (uploads/ only, a write-only inbox) "
        "and read (everything but uploads/), with object events to EventBridge, lifecycle "
        "rules and CORS.",
        build=bucket.build,
        usage=bucket.USAGE,
    ),
    ProductSpec(
        slug="distribution",
        title="Signed URLs - Distribution",
        summary="CloudFront distribution in front of the bucket through Origin Access Control: "
        "signed read-only downloads on /*, signed PUT-only uploads on /uploads/* (CloudFront "
        "Function), HTTPS only, security headers, optional custom domain, Route 53 alias, WAF, "
        "logging and 5xx alarm.",
        build=distribution.build,
        usage=distribution.USAGE,
        notes=distribution.REFERENCE_NOTES,
    ),
    ProductSpec(
        slug="key-pair",
        title="Signed URLs - Key pair",
        summary="Signing key pair generated inside the account (RSA-2048 or ECDSA P-256): public "
        "key in a CloudFront key group, private key in the secret; rotation keeps the previous "
        "key trusted so live URLs keep working.",
        build=key_pair.build,
        usage=key_pair.USAGE,
    ),
    ProductSpec(
        slug="secret",
        title="Signed URLs - Secret",
        summary="Secrets Manager secret, encrypted with its own customer-managed KMS key, "
        "that holds the signing private key; outputs its ARN and the key ARN.",
        build=secret.build,
        usage=secret.USAGE,
    ),
    ProductSpec(
        slug="metadata-table",
        title="Signed URLs - Metadata table",
        summary="Optional DynamoDB table for file metadata with the key schema the team chooses: "
        "on-demand, point-in-time recovery, KMS encryption, deletion protection.",
        build=metadata_table.build,
        usage=metadata_table.USAGE,
    ),
    ProductSpec(
        slug="integration-role",
        title="Signed URLs - Integration role",
        summary="IAM role the application assumes: read the signing key, use the metadata table "
        "and publish uploads from the bucket's inbox when given, nothing more.",
        build=integration_role.build,
        usage=integration_role.USAGE,
    ),
)


def render_all() -> dict[str, str]:
    """Template file name -> YAML text, for every product (in memory; nothing written)."""
    return {spec.template_file: spec.build().to_yaml() for spec in PRODUCTS}
