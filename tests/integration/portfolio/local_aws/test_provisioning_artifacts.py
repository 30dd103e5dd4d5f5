"""Provisioning artifacts (product versions): lifecycle, template parameters, template URLs
in local S3, polled status (CREATING, AVAILABLE, FAILED)."""

from __future__ import annotations

from typing import Any

import pytest

from portfolio.local_aws import settings
from portfolio.local_aws.backend import local_service_catalog_backends
from portfolio.local_aws.cfn_templates import s3_location
from tests.support.local_aws import (
    ACCOUNT,
    BUCKET,
    OTHER_URL,
    REGION,
    Aws,
    artifact_parameters,
    aws_error,
    new_product,
    upload_template,
)


def test_provisioning_artifact_lifecycle(aws: Aws) -> None:
    sc = aws.sc
    product_id = new_product(sc, upload_template(aws))
    url = upload_template(aws, "bucket/v2.yaml")
    created = sc.create_provisioning_artifact(
        ProductId=product_id,
        Parameters={**artifact_parameters(url, "v2"), "Description": "second"},
        IdempotencyToken="artifact-v2",
    )
    artifact_id = created["ProvisioningArtifactDetail"]["Id"]
    assert created["Status"] == "CREATING"
    assert created["Info"] == {"TemplateUrl": url}
    assert created["ProvisioningArtifactDetail"]["Name"] == "v2"
    repeated = sc.create_provisioning_artifact(
        ProductId=product_id,
        Parameters=artifact_parameters(url, "v2"),
        IdempotencyToken="artifact-v2",
    )
    assert repeated["ProvisioningArtifactDetail"]["Id"] == artifact_id

    def describe(**by: str) -> Any:
        return sc.describe_provisioning_artifact(ProductId=product_id, **by)

    statuses = [describe(ProvisioningArtifactId=artifact_id)["Status"] for _ in range(3)]
    assert statuses == ["CREATING", "AVAILABLE", "AVAILABLE"]
    by_name = describe(ProvisioningArtifactName="v2")
    assert by_name["ProvisioningArtifactDetail"]["Id"] == artifact_id
    assert by_name["Info"] == {"TemplateUrl": url}
    product_name = sc.describe_product_as_admin(Id=product_id)["ProductViewDetail"][
        "ProductViewSummary"
    ]["Name"]
    by_names = sc.describe_provisioning_artifact(
        ProductName=product_name, ProvisioningArtifactName="v2"
    )
    assert by_names["ProvisioningArtifactDetail"]["Id"] == artifact_id

    listed = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [artifact["Name"] for artifact in listed] == ["v1", "v2"]

    updated = sc.update_provisioning_artifact(
        ProductId=product_id,
        ProvisioningArtifactId=artifact_id,
        Name="v2.0",
        Description="renamed",
        Active=False,
        Guidance="DEPRECATED",
    )
    detail = updated["ProvisioningArtifactDetail"]
    assert (detail["Name"], detail["Description"]) == ("v2.0", "renamed")
    assert (detail["Active"], detail["Guidance"]) == (False, "DEPRECATED")
    assert updated["Status"] == "AVAILABLE"

    sc.delete_provisioning_artifact(ProductId=product_id, ProvisioningArtifactId=artifact_id)
    listed = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [artifact["Name"] for artifact in listed] == ["v1"]


def test_provisioning_artifact_reports_template_parameters(aws: Aws) -> None:
    sc = aws.sc
    product_id = new_product(sc, upload_template(aws))
    [artifact] = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    described = sc.describe_provisioning_artifact(
        ProductId=product_id,
        ProvisioningArtifactId=artifact["Id"],
        IncludeProvisioningArtifactParameters=True,
    )
    parameters = {p["ParameterKey"]: p for p in described["ProvisioningArtifactParameters"]}
    assert parameters["BucketPrefix"]["DefaultValue"] == "uploads"
    assert parameters["BucketPrefix"]["ParameterType"] == "String"
    assert parameters["BucketPrefix"]["Description"] == "where uploads go"
    assert parameters["BucketPrefix"]["ParameterConstraints"]["AllowedValues"] == [
        "uploads",
        "media",
    ]
    assert parameters["RetentionDays"]["ParameterConstraints"]["MaxValue"] == "365"


def test_provisioning_artifact_errors(aws: Aws) -> None:
    sc = aws.sc
    product_id = new_product(sc)
    [only] = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    codes = {
        "last artifact": aws_error(
            lambda: sc.delete_provisioning_artifact(
                ProductId=product_id, ProvisioningArtifactId=only["Id"]
            )
        ),
        "duplicate name": aws_error(
            lambda: sc.create_provisioning_artifact(
                ProductId=product_id, Parameters=artifact_parameters(name="v1")
            )
        ),
        "unknown product": aws_error(
            lambda: sc.create_provisioning_artifact(
                ProductId="prod-missing", Parameters=artifact_parameters()
            )
        ),
        "unknown artifact": aws_error(
            lambda: sc.describe_provisioning_artifact(
                ProductId=product_id, ProvisioningArtifactId="pa-missing"
            )
        ),
        "update unknown": aws_error(
            lambda: sc.update_provisioning_artifact(
                ProductId=product_id, ProvisioningArtifactId="pa-missing", Active=False
            )
        ),
        "no template source": aws_error(
            lambda: sc.create_provisioning_artifact(
                ProductId=product_id, Parameters={"Name": "v9", "Info": {"Other": "x"}}
            )
        ),
    }
    assert codes == {
        "last artifact": "InvalidParametersException",
        "duplicate name": "InvalidParametersException",
        "unknown product": "ResourceNotFoundException",
        "unknown artifact": "ResourceNotFoundException",
        "update unknown": "ResourceNotFoundException",
        "no template source": "InvalidParametersException",
    }


def test_template_url_must_name_a_valid_template_in_local_s3(aws: Aws) -> None:
    sc = aws.sc
    product_id = new_product(sc, upload_template(aws))
    broken = upload_template(aws, "broken.yaml", "just: a mapping\n")

    def add_version(url: str, name: str, **extra: Any) -> Any:
        return sc.create_provisioning_artifact(
            ProductId=product_id, Parameters={**artifact_parameters(url, name), **extra}
        )

    missing_key = f"https://{BUCKET}.s3.amazonaws.com/no/such.yaml"
    missing_bucket = "https://s3.amazonaws.com/no-such-bucket/product.yaml"
    assert aws_error(lambda: add_version(missing_key, "v2")) == "InvalidParametersException"
    assert aws_error(lambda: add_version(missing_bucket, "v2")) == "InvalidParametersException"
    assert aws_error(lambda: add_version(broken, "v2")) == "InvalidParametersException"
    assert add_version(broken, "v2", DisableTemplateValidation=True)["Status"] == "CREATING"
    assert aws_error(lambda: new_product(sc, missing_key)) == "InvalidParametersException"
    regional_path = f"https://s3.{REGION}.amazonaws.com/{BUCKET}/bucket/v1.yaml"
    assert add_version(regional_path, "v3")["Info"] == {"TemplateUrl": regional_path}


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("https://b.s3.amazonaws.com/k/p.yaml", ("b", "k/p.yaml")),
        ("https://b.s3.eu-west-1.amazonaws.com/k.yaml", ("b", "k.yaml")),
        ("https://b.s3-eu-west-1.amazonaws.com/k.yaml", ("b", "k.yaml")),
        ("https://my.dotted.bucket.s3.amazonaws.com/k.yaml", ("my.dotted.bucket", "k.yaml")),
        ("https://s3.amazonaws.com/b/k/p.yaml", ("b", "k/p.yaml")),
        ("https://s3.eu-west-1.amazonaws.com/b/k.yaml", ("b", "k.yaml")),
        ("https://s3-eu-west-1.amazonaws.com/b/k.yaml", ("b", "k.yaml")),
        ("https://b.s3.amazonaws.com/a%20b.yaml", ("b", "a b.yaml")),
        (OTHER_URL, None),
    ],
)
def test_s3_template_url_forms(url: str, location: tuple[str, str] | None) -> None:
    assert s3_location(url) == location


def test_failed_provisioning_artifact_reports_failed(in_process: Aws) -> None:
    sc = in_process.sc
    product_id = new_product(sc)
    backend = local_service_catalog_backends[ACCOUNT][REGION]
    (artifact,) = backend.products[product_id].artifacts.values()
    artifact.failed = True
    described = sc.describe_provisioning_artifact(
        ProductId=product_id, ProvisioningArtifactId=artifact.id
    )
    assert described["Status"] == "CREATING"  # the first poll, as for any new artifact
    described = sc.describe_provisioning_artifact(
        ProductId=product_id, ProvisioningArtifactId=artifact.id
    )
    assert described["Status"] == "FAILED"
    assert described["Info"] == {"TemplateUrl": OTHER_URL}


def test_pending_describes_can_be_lowered(in_process: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "PENDING_DESCRIBES", 0)
    sc = in_process.sc
    product_id = new_product(sc)
    created = sc.create_provisioning_artifact(
        ProductId=product_id, Parameters=artifact_parameters(name="v2")
    )
    assert created["Status"] == "AVAILABLE"
