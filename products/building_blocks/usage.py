"""How a product is used, as data beside its generator: rendered into its reference page.

Each product module declares one ``ProductUsage``: when to use it, a launch example (the
parameters an ``aws servicecatalog provision-product`` passes), where each output goes next (a
parameter of another product, an argument of the signing kit, or a setting of the application's
runtime) and the fix for its most common failure. ``products/reference_docs.py`` renders it;
tests check every name in it against the templates and the kit, so the page cannot drift from
the generators.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToParameter:
    """An output goes into another product's parameter (``product`` is the catalog slug)."""

    product: str
    parameter: str


@dataclass(frozen=True)
class ToKit:
    """An output goes into an argument of the signing kit (``kit/``): ``callable`` is a dotted
    name under ``signed_urls`` (``Signer.from_secret``), ``argument`` one of its parameters."""

    callable: str
    argument: str


@dataclass(frozen=True)
class ToRuntime:
    """An output goes into a setting of the application's runtime, described in words (e.g. an
    ECS task definition's ``taskRoleArn``)."""

    setting: str


Target = ToParameter | ToKit | ToRuntime


@dataclass(frozen=True)
class PassOn:
    """Where one output goes next, and what for."""

    output: str
    targets: tuple[Target, ...]
    why: str


@dataclass(frozen=True)
class Troubleshooting:
    """The product's most common failure: what you see and what to do."""

    symptom: str
    fix: str


@dataclass(frozen=True)
class ProductUsage:
    """Everything a reference page says about using the product, beyond its parameters."""

    #: Markdown: who should launch this product, and when another one fits better.
    when_to_use: str
    #: The example's provisioned product name (Service Catalog: letters, digits, ``._-``).
    provisioned_product_name: str
    #: (parameter, value) pairs of the launch example: every required parameter, and any other
    #: the example sets. Values contain no comma or whitespace (AWS CLI shorthand syntax).
    parameters: tuple[tuple[str, str], ...]
    pass_on: tuple[PassOn, ...]
    troubleshooting: Troubleshooting


# Example values the launch examples share (one account, one Region, the "photos" team), so
# that one product's example output is the next one's example input.
EXAMPLE_ACCOUNT = "111122223333"
EXAMPLE_SECRET_ARN = (
    f"arn:aws:secretsmanager:us-east-1:{EXAMPLE_ACCOUNT}:secret:"
    "signed-urls/photos/cloudfront-signing-key-AbCdEf"
)
EXAMPLE_KMS_KEY_ARN = (
    f"arn:aws:kms:us-east-1:{EXAMPLE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)
EXAMPLE_BUCKET_NAME = f"signed-urls-{EXAMPLE_ACCOUNT}-us-east-1-0a1b2c3d"
EXAMPLE_TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{EXAMPLE_ACCOUNT}:table/signed-urls-photos-table"
