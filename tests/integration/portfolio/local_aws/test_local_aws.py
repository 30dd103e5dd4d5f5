"""The local AWS endpoint: every extended Service Catalog operation, in-process and over HTTP.

botocore does not validate responses, so the tests assert the fields the publisher reads; a
misnamed field in the backend is dropped by moto's model-driven serializer and shows up here.
"""

from __future__ import annotations

import inspect
import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.servicecatalog.responses import ServiceCatalogResponse

from portfolio.cli import main
from portfolio.local_aws import OPERATIONS, LocalAwsServer, install, local_aws, settings
from portfolio.local_aws.backend import local_service_catalog_backends
from portfolio.local_aws.cfn_templates import s3_location
from portfolio.local_aws.request_validation import service_model
from tests.support.paths import REPO_ROOT

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "portfolio-templates"
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Signed URLs - bucket
Parameters:
  BucketPrefix:
    Type: String
    Default: uploads
    AllowedValues: [uploads, media]
    Description: where uploads go
  RetentionDays:
    Type: Number
    MinValue: 1
    MaxValue: 365
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-${BucketPrefix}"
"""
OTHER_URL = "https://raw.githubusercontent.com/example/templates/main/product.yaml"
LAUNCH_ROLE = json.dumps({"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/LaunchRole"})
STACKSET = json.dumps(
    {
        "Version": "2021-03-09",
        "Properties": {
            "AccountList": ["210987654321"],
            "RegionList": ["eu-west-1"],
            "AdminRole": f"arn:aws:iam::{ACCOUNT}:role/StackSetAdmin",
            "ExecutionRole": "StackSetExecution",
        },
    }
)
ORGANIZATION = {"Type": "ORGANIZATION", "Value": "o-abcdefghij"}
NO_RETRIES = Config(retries={"total_max_attempts": 1})
"""botocore retries LimitExceededException as throttling; the tests want the first answer."""
UNIT = {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-abcd-abcdefgh"}


# -------------------------------------------------------------------------------- fixtures


class Aws:
    """boto3 clients bound to one way of reaching the local endpoint."""

    def __init__(self, make: Callable[[str, str], Any]) -> None:
        self._make = make

    def client(self, service: str, region: str = REGION) -> Any:
        return self._make(service, region)

    @property
    def sc(self) -> Any:
        return self.client("servicecatalog")


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAwsServer]:
    with LocalAwsServer() as running:
        yield running


def _http_client(url: str) -> Callable[[str, str], Any]:
    def make(service: str, region: str) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRIES.merge(Config(s3={"addressing_style": "path"})),
        )

    return make


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
    yield Aws(_http_client(running.url))


# --------------------------------------------------------------------------------- helpers


def aws_error(call: Callable[[], object]) -> str:
    """The AWS error code ``call`` fails with."""
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def upload_template(aws: Aws, key: str = "bucket/v1.yaml", body: str = TEMPLATE) -> str:
    s3 = aws.client("s3")
    if BUCKET not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return f"https://{BUCKET}.s3.amazonaws.com/{key}"


def new_portfolio(sc: Any, name: str = "Signed URLs") -> str:
    return str(
        sc.create_portfolio(DisplayName=name, ProviderName="Platform")["PortfolioDetail"]["Id"]
    )


def artifact_parameters(url: str = OTHER_URL, name: str = "v1") -> dict[str, Any]:
    return {"Name": name, "Info": {"LoadTemplateFromURL": url}, "Type": "CLOUD_FORMATION_TEMPLATE"}


def new_product(sc: Any, url: str = OTHER_URL, name: str = "Signed URLs - bucket") -> str:
    created = sc.create_product(
        Name=name,
        Owner="Platform",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters=artifact_parameters(url),
    )
    return str(created["ProductViewDetail"]["ProductViewSummary"]["ProductId"])


def product_in_portfolio(sc: Any) -> tuple[str, str]:
    portfolio_id, product_id = new_portfolio(sc), new_product(sc)
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    return portfolio_id, product_id


def constraint(sc: Any, portfolio_id: str, product_id: str, kind: str, parameters: str) -> Any:
    return sc.create_constraint(
        PortfolioId=portfolio_id, ProductId=product_id, Type=kind, Parameters=parameters
    )


# ------------------------------------------------------------------------------ portfolios


def test_portfolio_create_describe_update_list_delete(aws: Aws) -> None:
    sc = aws.sc
    created = sc.create_portfolio(
        DisplayName="Signed URLs",
        ProviderName="Platform",
        Description="Share files with signed URLs",
        Tags=[{"Key": "team", "Value": "platform"}],
        IdempotencyToken="portfolio-1",
    )
    detail = created["PortfolioDetail"]
    portfolio_id = detail["Id"]
    assert portfolio_id.startswith("port-")
    assert detail["ARN"] == f"arn:aws:catalog:{REGION}:{ACCOUNT}:portfolio/{portfolio_id}"
    assert (detail["DisplayName"], detail["ProviderName"], detail["Description"]) == (
        "Signed URLs",
        "Platform",
        "Share files with signed URLs",
    )
    assert isinstance(detail["CreatedTime"], datetime)
    assert created["Tags"] == [{"Key": "team", "Value": "platform"}]

    repeated = sc.create_portfolio(
        DisplayName="Signed URLs", ProviderName="Platform", IdempotencyToken="portfolio-1"
    )
    assert repeated["PortfolioDetail"]["Id"] == portfolio_id
    other_id = new_portfolio(sc, "Other")
    assert other_id != portfolio_id

    updated = sc.update_portfolio(
        Id=portfolio_id,
        DisplayName="Signed URLs v2",
        Description="New description",
        ProviderName="Platform team",
        AddTags=[{"Key": "env", "Value": "dev"}],
        RemoveTags=["team"],
    )
    assert updated["PortfolioDetail"]["DisplayName"] == "Signed URLs v2"
    assert updated["PortfolioDetail"]["ProviderName"] == "Platform team"
    assert updated["Tags"] == [{"Key": "env", "Value": "dev"}]

    tag_option = sc.create_tag_option(Key="cost-center", Value="cc-1")["TagOptionDetail"]
    sc.associate_tag_option_with_resource(ResourceId=portfolio_id, TagOptionId=tag_option["Id"])
    described = sc.describe_portfolio(Id=portfolio_id)
    assert described["PortfolioDetail"]["Description"] == "New description"
    assert described["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert described["TagOptions"] == [tag_option]

    listed = sc.list_portfolios()["PortfolioDetails"]
    assert [portfolio["Id"] for portfolio in listed] == [portfolio_id, other_id]

    sc.delete_portfolio(Id=portfolio_id)
    assert aws_error(lambda: sc.describe_portfolio(Id=portfolio_id)) == "ResourceNotFoundException"
    resources = sc.list_resources_for_tag_option(TagOptionId=tag_option["Id"])
    assert resources["ResourceDetails"] == []


def test_portfolio_errors(aws: Aws) -> None:
    sc = aws.sc
    for call in (
        lambda: sc.describe_portfolio(Id="port-missing"),
        lambda: sc.update_portfolio(Id="port-missing", DisplayName="x"),
        lambda: sc.delete_portfolio(Id="port-missing"),
    ):
        assert aws_error(call) == "ResourceNotFoundException"
    portfolio_id = new_portfolio(sc)
    many_tags = [{"Key": f"k{index}", "Value": "v"} for index in range(20)]
    sc.update_portfolio(Id=portfolio_id, AddTags=many_tags)
    more = [{"Key": "one-too-many", "Value": "v"}]
    assert aws_error(lambda: sc.update_portfolio(Id=portfolio_id, AddTags=more)) == (
        "LimitExceededException"
    )


def test_delete_portfolio_refuses_while_anything_remains(aws: Aws) -> None:
    sc = aws.sc
    setups: dict[str, Callable[[str], object]] = {
        "product": lambda pid: sc.associate_product_with_portfolio(
            PortfolioId=pid, ProductId=new_product(sc)
        ),
        "principal": lambda pid: sc.associate_principal_with_portfolio(
            PortfolioId=pid,
            PrincipalARN=f"arn:aws:iam::{ACCOUNT}:role/Developer",
            PrincipalType="IAM",
        ),
        "share": lambda pid: sc.create_portfolio_share(PortfolioId=pid, AccountId="210987654321"),
    }
    for what, setup in setups.items():
        portfolio_id = new_portfolio(sc, what)
        setup(portfolio_id)
        assert aws_error(lambda: sc.delete_portfolio(Id=portfolio_id)) == (  # noqa: B023
            "ResourceInUseException"
        ), what


# -------------------------------------------------------------------------------- products


def test_product_create_describe_update_delete(aws: Aws) -> None:
    sc = aws.sc
    url = upload_template(aws)
    created = sc.create_product(
        Name="Signed URLs - bucket",
        Owner="Platform",
        Description="A private bucket",
        Distributor="Platform team",
        SupportDescription="Ask in #platform",
        SupportEmail="platform@example.com",
        SupportUrl="https://example.com/support",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        Tags=[{"Key": "product", "Value": "bucket"}],
        ProvisioningArtifactParameters={**artifact_parameters(url), "Description": "first"},
        IdempotencyToken="product-1",
    )
    view = created["ProductViewDetail"]
    summary = view["ProductViewSummary"]
    product_id = summary["ProductId"]
    assert product_id.startswith("prod-")
    assert summary["Id"].startswith("prodview-")
    assert {key: summary[key] for key in ("Name", "Owner", "ShortDescription", "Type")} == {
        "Name": "Signed URLs - bucket",
        "Owner": "Platform",
        "ShortDescription": "A private bucket",
        "Type": "CLOUD_FORMATION_TEMPLATE",
    }
    assert (summary["Distributor"], summary["SupportEmail"], summary["SupportUrl"]) == (
        "Platform team",
        "platform@example.com",
        "https://example.com/support",
    )
    assert summary["SupportDescription"] == "Ask in #platform"
    assert summary["HasDefaultPath"] is False
    assert view["Status"] == "AVAILABLE"
    assert view["ProductARN"] == f"arn:aws:catalog:{REGION}:{ACCOUNT}:product/{product_id}"
    assert isinstance(view["CreatedTime"], datetime)
    artifact = created["ProvisioningArtifactDetail"]
    assert artifact["Id"].startswith("pa-")
    assert (artifact["Name"], artifact["Description"], artifact["Type"]) == (
        "v1",
        "first",
        "CLOUD_FORMATION_TEMPLATE",
    )
    assert (artifact["Active"], artifact["Guidance"]) == (True, "DEFAULT")
    assert isinstance(artifact["CreatedTime"], datetime)
    assert created["Tags"] == [{"Key": "product", "Value": "bucket"}]

    repeated = sc.create_product(
        Name="Signed URLs - bucket",
        Owner="Platform",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters=artifact_parameters(url),
        IdempotencyToken="product-1",
    )
    assert repeated["ProductViewDetail"]["ProductViewSummary"]["ProductId"] == product_id

    tag_option = sc.create_tag_option(Key="cost-center", Value="cc-1")["TagOptionDetail"]
    sc.associate_tag_option_with_resource(ResourceId=product_id, TagOptionId=tag_option["Id"])
    by_id = sc.describe_product_as_admin(Id=product_id)
    by_name = sc.describe_product_as_admin(Name="Signed URLs - bucket")
    assert by_name["ProductViewDetail"] == by_id["ProductViewDetail"]
    [artifact_summary] = by_id["ProvisioningArtifactSummaries"]
    assert (artifact_summary["Id"], artifact_summary["Name"]) == (artifact["Id"], "v1")
    assert artifact_summary["Description"] == "first"
    assert by_id["Tags"] == [{"Key": "product", "Value": "bucket"}]
    assert by_id["TagOptions"] == [tag_option]

    updated = sc.update_product(
        Id=product_id,
        Name="Signed URLs - bucket v2",
        Owner="Platform team",
        Description="Still a private bucket",
        AddTags=[{"Key": "tier", "Value": "1"}],
        RemoveTags=["product"],
    )
    updated_summary = updated["ProductViewDetail"]["ProductViewSummary"]
    assert (updated_summary["Name"], updated_summary["Owner"]) == (
        "Signed URLs - bucket v2",
        "Platform team",
    )
    assert updated_summary["ShortDescription"] == "Still a private bucket"
    assert updated["Tags"] == [{"Key": "tier", "Value": "1"}]

    sc.delete_product(Id=product_id)
    assert aws_error(lambda: sc.describe_product_as_admin(Id=product_id)) == (
        "ResourceNotFoundException"
    )


def test_product_portfolio_association_and_search(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    bucket_id = new_product(sc, name="Signed URLs - bucket")
    distribution_id = new_product(sc, name="Signed URLs - distribution")
    sc.associate_product_with_portfolio(ProductId=bucket_id, PortfolioId=portfolio_id)
    sc.associate_product_with_portfolio(ProductId=bucket_id, PortfolioId=portfolio_id)

    portfolios = sc.list_portfolios_for_product(ProductId=bucket_id)["PortfolioDetails"]
    assert [portfolio["Id"] for portfolio in portfolios] == [portfolio_id]

    def found(**search: Any) -> list[str]:
        details = sc.search_products_as_admin(**search)["ProductViewDetails"]
        return [detail["ProductViewSummary"]["ProductId"] for detail in details]

    assert found(PortfolioId=portfolio_id) == [bucket_id]
    assert found(Filters={"FullTextSearch": ["DISTRIBUTION"]}) == [distribution_id]
    assert found(Filters={"FullTextSearch": ["signed urls"]}) == [bucket_id, distribution_id]
    assert found(SortBy="Title", SortOrder="DESCENDING") == [distribution_id, bucket_id]

    end_user = sc.describe_product(Id=bucket_id)
    assert end_user["ProductViewSummary"]["ProductId"] == bucket_id
    assert end_user["LaunchPaths"] == [{"Id": portfolio_id, "Name": "Signed URLs"}]
    assert [artifact["Name"] for artifact in end_user["ProvisioningArtifacts"]] == ["v1"]

    assert aws_error(lambda: sc.delete_product(Id=bucket_id)) == "ResourceInUseException"
    sc.disassociate_product_from_portfolio(ProductId=bucket_id, PortfolioId=portfolio_id)
    assert found(PortfolioId=portfolio_id) == []
    sc.delete_product(Id=bucket_id)


def test_product_errors(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id, product_id = new_portfolio(sc), new_product(sc)
    not_found = (
        lambda: sc.describe_product_as_admin(Id="prod-missing"),
        lambda: sc.describe_product_as_admin(Name="no such product"),
        lambda: sc.update_product(Id="prod-missing", Name="x"),
        lambda: sc.delete_product(Id="prod-missing"),
        lambda: sc.associate_product_with_portfolio(ProductId="prod-x", PortfolioId=portfolio_id),
        lambda: sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId="port-x"),
        lambda: sc.disassociate_product_from_portfolio(
            ProductId=product_id, PortfolioId=portfolio_id
        ),
        lambda: sc.list_portfolios_for_product(ProductId="prod-missing"),
        lambda: sc.search_products_as_admin(PortfolioId="port-missing"),
    )
    assert [aws_error(call) for call in not_found] == ["ResourceNotFoundException"] * len(not_found)
    no_artifact = lambda: sc.create_product(  # noqa: E731
        Name="x", Owner="o", ProductType="CLOUD_FORMATION_TEMPLATE"
    )
    assert aws_error(no_artifact) == "InvalidParametersException"
    assert aws_error(lambda: sc.describe_product_as_admin()) == "InvalidParametersException"


# ------------------------------------------------------------------ provisioning artifacts


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


# ------------------------------------------------------------------------------ constraints

VALID_CONSTRAINTS = {
    "LAUNCH": LAUNCH_ROLE,
    "NOTIFICATION": json.dumps({"NotificationArns": [f"arn:aws:sns:{REGION}:{ACCOUNT}:launches"]}),
    "RESOURCE_UPDATE": json.dumps(
        {"Version": "2.0", "Properties": {"TagUpdateOnProvisionedProduct": "ALLOWED"}}
    ),
    "TEMPLATE": json.dumps(
        {
            "Rules": {
                "Prefix": {
                    "Assertions": [
                        {
                            "Assert": {"Fn::Contains": [["uploads"], {"Ref": "BucketPrefix"}]},
                            "AssertDescription": "uploads only",
                        }
                    ]
                }
            }
        }
    ),
}


def test_constraint_lifecycle(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id, product_id = product_in_portfolio(sc)
    created = {
        kind: constraint(sc, portfolio_id, product_id, kind, parameters)
        for kind, parameters in VALID_CONSTRAINTS.items()
    }
    launch = created["LAUNCH"]
    detail = launch["ConstraintDetail"]
    assert detail["ConstraintId"].startswith("cons-")
    assert (detail["Type"], detail["Owner"]) == ("LAUNCH", ACCOUNT)
    assert (detail["PortfolioId"], detail["ProductId"]) == (portfolio_id, product_id)
    assert launch["ConstraintParameters"] == LAUNCH_ROLE
    assert launch["Status"] == "AVAILABLE"

    described = sc.describe_constraint(Id=detail["ConstraintId"])
    assert described["ConstraintDetail"] == detail
    assert described["ConstraintParameters"] == LAUNCH_ROLE
    assert described["Status"] == "AVAILABLE"

    local_role = json.dumps({"LocalRoleName": "SCLaunchRole"})
    updated = sc.update_constraint(
        Id=detail["ConstraintId"], Description="launch role", Parameters=local_role
    )
    assert updated["ConstraintDetail"]["Description"] == "launch role"
    assert updated["ConstraintParameters"] == local_role

    listed = sc.list_constraints_for_portfolio(PortfolioId=portfolio_id)["ConstraintDetails"]
    assert sorted(item["Type"] for item in listed) == sorted(VALID_CONSTRAINTS)
    other_product = new_product(sc, name="other")
    filtered = sc.list_constraints_for_portfolio(PortfolioId=portfolio_id, ProductId=other_product)
    assert filtered["ConstraintDetails"] == []

    sc.delete_constraint(Id=detail["ConstraintId"])
    assert aws_error(lambda: sc.describe_constraint(Id=detail["ConstraintId"])) == (
        "ResourceNotFoundException"
    )


def test_constraint_rules(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id, product_id = product_in_portfolio(sc)
    first = sc.create_constraint(
        PortfolioId=portfolio_id,
        ProductId=product_id,
        Type="LAUNCH",
        Parameters=LAUNCH_ROLE,
        IdempotencyToken="launch-1",
    )
    repeated = sc.create_constraint(
        PortfolioId=portfolio_id,
        ProductId=product_id,
        Type="LAUNCH",
        Parameters=LAUNCH_ROLE,
        IdempotencyToken="launch-1",
    )
    assert repeated["ConstraintDetail"] == first["ConstraintDetail"]
    unassociated = new_product(sc, name="unassociated")
    codes = {
        "second LAUNCH": aws_error(
            lambda: constraint(sc, portfolio_id, product_id, "LAUNCH", LAUNCH_ROLE)
        ),
        "STACKSET next to LAUNCH": aws_error(
            lambda: constraint(sc, portfolio_id, product_id, "STACKSET", STACKSET)
        ),
        "product not in portfolio": aws_error(
            lambda: constraint(sc, portfolio_id, unassociated, "LAUNCH", LAUNCH_ROLE)
        ),
        "unknown portfolio": aws_error(
            lambda: constraint(sc, "port-missing", product_id, "LAUNCH", LAUNCH_ROLE)
        ),
        "disassociate with constraints": aws_error(
            lambda: sc.disassociate_product_from_portfolio(
                PortfolioId=portfolio_id, ProductId=product_id
            )
        ),
        "delete portfolio with constraints": aws_error(
            lambda: sc.delete_portfolio(Id=portfolio_id)
        ),
    }
    assert codes == {
        "second LAUNCH": "DuplicateResourceException",
        "STACKSET next to LAUNCH": "InvalidParametersException",
        "product not in portfolio": "ResourceNotFoundException",
        "unknown portfolio": "ResourceNotFoundException",
        "disassociate with constraints": "ResourceInUseException",
        "delete portfolio with constraints": "ResourceInUseException",
    }
    other_portfolio, other_product = product_in_portfolio(sc)
    stackset = constraint(sc, other_portfolio, other_product, "STACKSET", STACKSET)
    assert stackset["ConstraintDetail"]["Type"] == "STACKSET"


INVALID_CONSTRAINTS = [
    ("LAUNCH", "{not json"),
    ("LAUNCH", "[]"),
    ("LAUNCH", "{}"),
    ("LAUNCH", json.dumps({"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/R", "LocalRoleName": "R"})),
    ("LAUNCH", json.dumps({"RoleArn": "LaunchRole"})),
    ("LAUNCH", json.dumps({"RoleARN": f"arn:aws:iam::{ACCOUNT}:role/R"})),
    ("NOTIFICATION", json.dumps({"NotificationArns": []})),
    ("NOTIFICATION", json.dumps({"NotificationArns": [f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"]})),
    ("RESOURCE_UPDATE", json.dumps({"Version": "1.0", "Properties": {}})),
    (
        "RESOURCE_UPDATE",
        json.dumps({"Version": "2.0", "Properties": {"TagUpdateOnProvisionedProduct": "YES"}}),
    ),
    ("STACKSET", json.dumps({"Version": "1", "Properties": {"AccountList": ["1"]}})),
    ("TEMPLATE", json.dumps({"Rules": {}})),
    ("TEMPLATE", json.dumps({"Rules": {"R": {"Assertions": [{"AssertDescription": "x"}]}}})),
    ("APPROVAL", LAUNCH_ROLE),
]


@pytest.mark.parametrize(("kind", "parameters"), INVALID_CONSTRAINTS)
def test_constraint_parameters_are_checked_per_type(
    in_process: Aws, kind: str, parameters: str
) -> None:
    sc = in_process.sc
    portfolio_id, product_id = product_in_portfolio(sc)
    create = lambda: constraint(sc, portfolio_id, product_id, kind, parameters)  # noqa: E731
    assert aws_error(create) == "InvalidParametersException"


def test_update_constraint_checks_parameters(in_process: Aws) -> None:
    sc = in_process.sc
    portfolio_id, product_id = product_in_portfolio(sc)
    created = constraint(sc, portfolio_id, product_id, "LAUNCH", LAUNCH_ROLE)
    constraint_id = created["ConstraintDetail"]["ConstraintId"]
    update = lambda: sc.update_constraint(Id=constraint_id, Parameters="{}")  # noqa: E731
    assert aws_error(update) == "InvalidParametersException"


# ------------------------------------------------------------------------------- TagOptions


def test_tag_option_lifecycle(aws: Aws) -> None:
    sc = aws.sc
    created = sc.create_tag_option(Key="cost-center", Value="cc-1")["TagOptionDetail"]
    assert created["Id"].startswith("tag-")
    assert (created["Key"], created["Value"], created["Active"]) == ("cost-center", "cc-1", True)
    assert created["Owner"] == ACCOUNT
    assert sc.describe_tag_option(Id=created["Id"])["TagOptionDetail"] == created
    second = sc.create_tag_option(Key="cost-center", Value="cc-2")["TagOptionDetail"]
    sc.create_tag_option(Key="env", Value="dev")

    def listed(**filters: Any) -> list[str]:
        return [t["Value"] for t in sc.list_tag_options(Filters=filters)["TagOptionDetails"]]

    assert listed(Key="cost-center") == ["cc-1", "cc-2"]
    assert listed(Key="cost-center", Value="cc-2") == ["cc-2"]

    updated = sc.update_tag_option(Id=second["Id"], Value="cc-3", Active=False)["TagOptionDetail"]
    assert (updated["Value"], updated["Active"]) == ("cc-3", False)
    assert listed(Active=False) == ["cc-3"]

    portfolio_id, product_id = new_portfolio(sc), new_product(sc)
    for resource_id in (portfolio_id, product_id):
        sc.associate_tag_option_with_resource(ResourceId=resource_id, TagOptionId=created["Id"])

    def resources(**kind: str) -> list[str]:
        found = sc.list_resources_for_tag_option(TagOptionId=created["Id"], **kind)
        return [detail["Id"] for detail in found["ResourceDetails"]]

    assert resources() == [portfolio_id, product_id]
    assert resources(ResourceType="Product") == [product_id]
    [portfolio_detail] = sc.list_resources_for_tag_option(
        TagOptionId=created["Id"], ResourceType="Portfolio"
    )["ResourceDetails"]
    assert portfolio_detail["Name"] == "Signed URLs"
    assert portfolio_detail["ARN"].endswith(f":portfolio/{portfolio_id}")
    assert isinstance(portfolio_detail["CreatedTime"], datetime)

    assert aws_error(lambda: sc.delete_tag_option(Id=created["Id"])) == "ResourceInUseException"
    for resource_id in (portfolio_id, product_id):
        sc.disassociate_tag_option_from_resource(ResourceId=resource_id, TagOptionId=created["Id"])
    sc.delete_tag_option(Id=created["Id"])
    assert aws_error(lambda: sc.describe_tag_option(Id=created["Id"])) == (
        "ResourceNotFoundException"
    )


def test_tag_option_errors(aws: Aws) -> None:
    sc = aws.sc
    active = sc.create_tag_option(Key="team", Value="a")["TagOptionDetail"]["Id"]
    inactive = sc.create_tag_option(Key="team", Value="b")["TagOptionDetail"]["Id"]
    sc.update_tag_option(Id=inactive, Active=False)
    portfolio_id = new_portfolio(sc)
    sc.associate_tag_option_with_resource(ResourceId=portfolio_id, TagOptionId=active)
    codes = {
        "duplicate": aws_error(lambda: sc.create_tag_option(Key="team", Value="a")),
        "update to duplicate": aws_error(lambda: sc.update_tag_option(Id=inactive, Value="a")),
        "associate twice": aws_error(
            lambda: sc.associate_tag_option_with_resource(
                ResourceId=portfolio_id, TagOptionId=active
            )
        ),
        "associate inactive": aws_error(
            lambda: sc.associate_tag_option_with_resource(
                ResourceId=portfolio_id, TagOptionId=inactive
            )
        ),
        "unknown resource": aws_error(
            lambda: sc.associate_tag_option_with_resource(ResourceId="port-x", TagOptionId=active)
        ),
        "not associated": aws_error(
            lambda: sc.disassociate_tag_option_from_resource(
                ResourceId=portfolio_id, TagOptionId=inactive
            )
        ),
        "unknown TagOption": aws_error(lambda: sc.describe_tag_option(Id="tag-missing")),
    }
    assert codes == {
        "duplicate": "DuplicateResourceException",
        "update to duplicate": "DuplicateResourceException",
        "associate twice": "DuplicateResourceException",
        "associate inactive": "InvalidStateException",
        "unknown resource": "ResourceNotFoundException",
        "not associated": "ResourceNotFoundException",
        "unknown TagOption": "ResourceNotFoundException",
    }


# ------------------------------------------------------------------------------- principals


def test_principals(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    role = f"arn:aws:iam::{ACCOUNT}:role/Developer"
    pattern = "arn:aws:iam:::role/signed-urls/*"
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=role, PrincipalType="IAM"
    )
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=role, PrincipalType="IAM"
    )
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=pattern, PrincipalType="IAM_PATTERN"
    )
    principals = sc.list_principals_for_portfolio(PortfolioId=portfolio_id)["Principals"]
    assert principals == [
        {"PrincipalARN": role, "PrincipalType": "IAM"},
        {"PrincipalARN": pattern, "PrincipalType": "IAM_PATTERN"},
    ]
    sc.disassociate_principal_from_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=pattern, PrincipalType="IAM_PATTERN"
    )
    principals = sc.list_principals_for_portfolio(PortfolioId=portfolio_id)["Principals"]
    assert [principal["PrincipalARN"] for principal in principals] == [role]

    def associate(arn: str, kind: str, portfolio: str = portfolio_id) -> Callable[[], object]:
        return lambda: sc.associate_principal_with_portfolio(
            PortfolioId=portfolio, PrincipalARN=arn, PrincipalType=kind
        )

    codes = {
        "pattern with account": aws_error(
            associate(f"arn:aws:iam::{ACCOUNT}:role/x*", "IAM_PATTERN")
        ),
        "IAM without account": aws_error(associate("arn:aws:iam:::role/Developer", "IAM")),
        "unknown portfolio": aws_error(associate(role, "IAM", "port-missing")),
        "disassociate unknown": aws_error(
            lambda: sc.disassociate_principal_from_portfolio(
                PortfolioId=portfolio_id, PrincipalARN=pattern
            )
        ),
    }
    assert codes == {
        "pattern with account": "InvalidParametersException",
        "IAM without account": "InvalidParametersException",
        "unknown portfolio": "ResourceNotFoundException",
        "disassociate unknown": "ResourceNotFoundException",
    }


# ----------------------------------------------------------------------------------- shares


def test_account_share(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    created = sc.create_portfolio_share(
        PortfolioId=portfolio_id, AccountId="210987654321", ShareTagOptions=True
    )
    assert "PortfolioShareToken" not in created
    shares = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ACCOUNT")
    assert shares["PortfolioShareDetails"] == [
        {
            "PrincipalId": "210987654321",
            "Type": "ACCOUNT",
            "Accepted": False,
            "ShareTagOptions": True,
            "SharePrincipals": False,
        }
    ]
    assert sc.list_portfolio_access(PortfolioId=portfolio_id)["AccountIds"] == ["210987654321"]

    updated = sc.update_portfolio_share(
        PortfolioId=portfolio_id, AccountId="210987654321", ShareTagOptions=False
    )
    assert updated["Status"] == "COMPLETED"  # account shares are synchronous
    share = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ACCOUNT")
    assert share["PortfolioShareDetails"][0]["ShareTagOptions"] is False
    again = sc.update_portfolio_share(
        PortfolioId=portfolio_id, AccountId="210987654321", ShareTagOptions=True
    )
    assert again["Status"] == "COMPLETED"  # no InvalidStateException: nothing in progress

    codes = {
        "principals on account share": aws_error(
            lambda: sc.create_portfolio_share(
                PortfolioId=portfolio_id, AccountId="111122223333", SharePrincipals=True
            )
        ),
        "own account": aws_error(
            lambda: sc.create_portfolio_share(PortfolioId=portfolio_id, AccountId=ACCOUNT)
        ),
        "both recipients": aws_error(
            lambda: sc.create_portfolio_share(
                PortfolioId=portfolio_id, AccountId="111122223333", OrganizationNode=ORGANIZATION
            )
        ),
        "unknown portfolio": aws_error(
            lambda: sc.create_portfolio_share(PortfolioId="port-x", AccountId="111122223333")
        ),
        "delete unknown share": aws_error(
            lambda: sc.delete_portfolio_share(PortfolioId=portfolio_id, AccountId="111122223333")
        ),
    }
    assert codes == {
        "principals on account share": "InvalidParametersException",
        "own account": "InvalidParametersException",
        "both recipients": "InvalidParametersException",
        "unknown portfolio": "ResourceNotFoundException",
        "delete unknown share": "ResourceNotFoundException",
    }


def test_share_status_is_only_for_organization_node_shares(aws: Aws) -> None:
    """AWS lets only an organization's management account or delegated administrator call
    DescribePortfolioShareStatus: an account share's token is refused."""
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    sc.create_portfolio_share(PortfolioId=portfolio_id, AccountId="210987654321")
    token = sc.update_portfolio_share(
        PortfolioId=portfolio_id, AccountId="210987654321", ShareTagOptions=True
    )["PortfolioShareToken"]
    with pytest.raises(ClientError) as raised:
        sc.describe_portfolio_share_status(PortfolioShareToken=token)
    error = raised.value.response["Error"]
    assert error["Code"] == "OperationNotSupportedException"
    assert "organization nodes only" in error["Message"]
    member = {"Type": "ACCOUNT", "Value": "444455556666"}
    member_token = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=member)[
        "PortfolioShareToken"
    ]
    status = sc.describe_portfolio_share_status(PortfolioShareToken=member_token)
    assert status["ShareDetails"]["SuccessfulShares"] == ["444455556666"]


def test_share_changed_by_hand_completes_when_its_shares_are_read(aws: Aws) -> None:
    """Nobody polls DescribePortfolioShareStatus after a change by hand; AWS finishes it anyway,
    so listing the shares (what the publisher reads) completes it here."""
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=UNIT)
    sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATIONAL_UNIT")
    updated = sc.update_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=UNIT, ShareTagOptions=True
    )
    assert updated["Status"] == "IN_PROGRESS"
    update = lambda: sc.update_portfolio_share(  # noqa: E731
        PortfolioId=portfolio_id, OrganizationNode=UNIT, ShareTagOptions=False
    )
    assert aws_error(update) == "InvalidStateException"
    sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATION")  # not its type
    assert aws_error(update) == "InvalidStateException"
    sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATIONAL_UNIT")
    assert update()["Status"] == "IN_PROGRESS"
    status = sc.describe_portfolio_share_status(PortfolioShareToken=updated["PortfolioShareToken"])
    assert status["Status"] == "COMPLETED"


def test_share_operation_completes_after_a_while_without_any_read(
    in_process: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(settings, "clock", lambda: now[0])
    sc = in_process.sc
    portfolio_id = new_portfolio(sc)
    token = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=UNIT)[
        "PortfolioShareToken"
    ]
    delete = lambda: sc.delete_portfolio_share(  # noqa: E731
        PortfolioId=portfolio_id, OrganizationNode=UNIT
    )
    assert aws_error(delete) == "InvalidStateException"
    now[0] += settings.SHARE_SETTLE_SECONDS
    assert "PortfolioShareToken" in delete()
    assert sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"] == "COMPLETED"


def _poll_share(sc: Any, token: str) -> list[str]:
    return [
        sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"] for _ in range(3)
    ]


def test_organization_share_is_asynchronous(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    token = sc.create_portfolio_share(
        PortfolioId=portfolio_id,
        OrganizationNode=ORGANIZATION,
        ShareTagOptions=True,
        SharePrincipals=True,
    )["PortfolioShareToken"]
    update = lambda: sc.update_portfolio_share(  # noqa: E731
        PortfolioId=portfolio_id, OrganizationNode=ORGANIZATION, SharePrincipals=False
    )
    assert aws_error(update) == "InvalidStateException"
    status = sc.describe_portfolio_share_status(PortfolioShareToken=token)
    assert (status["PortfolioShareToken"], status["PortfolioId"]) == (token, portfolio_id)
    assert (status["OrganizationNodeValue"], status["Status"]) == ("o-abcdefghij", "IN_PROGRESS")
    assert status["ShareDetails"]["ShareErrors"] == []
    assert _poll_share(sc, token) == ["COMPLETED"] * 3

    updated = update()
    assert updated["Status"] == "IN_PROGRESS"
    assert _poll_share(sc, updated["PortfolioShareToken"]) == [
        "IN_PROGRESS",
        "COMPLETED",
        "COMPLETED",
    ]
    shares = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATION")
    assert shares["PortfolioShareDetails"] == [
        {
            "PrincipalId": "o-abcdefghij",
            "Type": "ORGANIZATION",
            "Accepted": True,
            "ShareTagOptions": True,
            "SharePrincipals": False,
        }
    ]
    deleted = sc.delete_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=ORGANIZATION)
    assert _poll_share(sc, deleted["PortfolioShareToken"])[-1] == "COMPLETED"
    shares = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATION")
    assert shares["PortfolioShareDetails"] == []


def test_share_types_and_node_checks(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=UNIT, SharePrincipals=True)
    member = {"Type": "ACCOUNT", "Value": "444455556666"}
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=member)

    def principal_ids(kind: str) -> list[str]:
        shares = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type=kind)
        return [share["PrincipalId"] for share in shares["PortfolioShareDetails"]]

    assert principal_ids("ORGANIZATIONAL_UNIT") == ["ou-abcd-abcdefgh"]
    assert principal_ids("ORGANIZATION_MEMBER_ACCOUNT") == ["444455556666"]
    assert principal_ids("ACCOUNT") == []
    assert sc.list_portfolio_access(PortfolioId=portfolio_id)["AccountIds"] == ["444455556666"]

    def share(node: dict[str, str], **flags: bool) -> Callable[[], object]:
        return lambda: sc.create_portfolio_share(
            PortfolioId=portfolio_id, OrganizationNode=node, **flags
        )

    codes = [
        aws_error(share({"Type": "ACCOUNT", "Value": "777788889999"}, SharePrincipals=True)),
        aws_error(share({"Type": "ORGANIZATIONAL_UNIT", "Value": "o-abcdefghij"})),
        aws_error(share({"Type": "ORGANIZATION", "Value": "org-1"})),
    ]
    assert codes == [
        "InvalidParametersException",
        "InvalidParametersException",
        "ValidationException",  # the model's pattern for OrganizationNodeValue
    ]


def test_list_portfolio_access_below_an_organization_node(aws: Aws) -> None:
    organizations = aws.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    unit_id = organizations.create_organizational_unit(ParentId=root_id, Name="Workloads")[
        "OrganizationalUnit"
    ]["Id"]
    account_id = organizations.create_account(AccountName="app", Email="app@example.com")[
        "CreateAccountStatus"
    ]["AccountId"]
    organizations.move_account(
        AccountId=account_id, SourceParentId=root_id, DestinationParentId=unit_id
    )
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": unit_id}
    )
    access = sc.list_portfolio_access(PortfolioId=portfolio_id, OrganizationParentId=unit_id)
    assert access["AccountIds"] == [account_id]
    from_root = sc.list_portfolio_access(PortfolioId=portfolio_id, OrganizationParentId=root_id)
    assert from_root["AccountIds"] == [account_id]  # the management account is not below the OU


def test_organizations_access_gates_shares_with_organization_nodes(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "ENABLED"
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=UNIT)
    sc.disable_aws_organizations_access()
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "DISABLED"

    def share(node: dict[str, str]) -> Callable[[], object]:
        return lambda: sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)

    assert aws_error(share(ORGANIZATION)) == "OperationNotSupportedException"
    assert aws_error(share({"Type": "ACCOUNT", "Value": "444455556666"})) == (
        "OperationNotSupportedException"
    )
    update = lambda: sc.update_portfolio_share(  # noqa: E731
        PortfolioId=portfolio_id, OrganizationNode=UNIT, ShareTagOptions=True
    )
    assert aws_error(update) == "OperationNotSupportedException"
    sc.create_portfolio_share(PortfolioId=portfolio_id, AccountId="210987654321")  # unaffected
    sc.enable_aws_organizations_access()
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "ENABLED"
    share(ORGANIZATION)()


def test_organizations_access_default_can_be_set(
    in_process: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "ORGANIZATIONS_ACCESS", "DISABLED")
    sc = in_process.client("servicecatalog", "eu-central-1")
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "DISABLED"


OTHER_ACCOUNT = "210987654321"


def _shared_from_other_account(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, **share: Any
) -> tuple[str, str]:
    """(portfolio, product) that OTHER_ACCOUNT creates and shares with ACCOUNT."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    theirs = aws.sc
    portfolio_id, product_id = new_portfolio(theirs, "Theirs"), new_product(theirs)
    theirs.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    theirs.create_portfolio_share(PortfolioId=portfolio_id, **share)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    return portfolio_id, product_id


def test_imported_products_are_listed_unless_product_source_is_account(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    portfolio_id, imported = _shared_from_other_account(aws, monkeypatch, AccountId=ACCOUNT)
    sc = aws.sc
    own = new_product(sc, name="Signed URLs - bucket copy")

    def found(**search: Any) -> list[str]:
        details = sc.search_products_as_admin(**search)["ProductViewDetails"]
        return [detail["ProductViewSummary"]["ProductId"] for detail in details]

    assert found() == [own]  # not accepted yet: not imported
    assert aws_error(lambda: sc.accept_portfolio_share(PortfolioId="port-missing")) == (
        "ResourceNotFoundException"
    )
    sc.accept_portfolio_share(PortfolioId=portfolio_id)
    assert found() == [own, imported]
    assert found(ProductSource="ACCOUNT") == [own]
    by_name = {"FullTextSearch": ["Signed URLs - bucket"]}
    assert found(Filters=by_name) == [own, imported]
    assert found(Filters=by_name, ProductSource="ACCOUNT") == [own]
    assert found(Filters={"FullTextSearch": ["copy"]}, ProductSource="ACCOUNT") == [own]

    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    shares = aws.sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ACCOUNT")
    assert shares["PortfolioShareDetails"][0]["Accepted"] is True


def test_organization_share_is_accepted_as_aws_organizations(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = {"Type": "ACCOUNT", "Value": ACCOUNT}
    portfolio_id, imported = _shared_from_other_account(aws, monkeypatch, OrganizationNode=member)
    sc = aws.sc
    not_imported = lambda: sc.accept_portfolio_share(PortfolioId=portfolio_id)  # noqa: E731
    assert aws_error(not_imported) == "ResourceNotFoundException"  # not an account share
    sc.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    listed = sc.search_products_as_admin()["ProductViewDetails"]
    assert [p["ProductViewSummary"]["ProductId"] for p in listed] == [imported]
    assert sc.search_products_as_admin(ProductSource="ACCOUNT")["ProductViewDetails"] == []


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


# ----------------------------------------------------------------- limits, pages, regions


def test_limits(in_process: Aws) -> None:
    sc = in_process.sc
    portfolio_id, product_id = product_in_portfolio(sc)
    for index in range(1, 100):
        sc.create_provisioning_artifact(
            ProductId=product_id, Parameters=artifact_parameters(name=f"v{index + 1}")
        )
    for index in range(10):
        sc.associate_principal_with_portfolio(
            PortfolioId=portfolio_id,
            PrincipalARN=f"arn:aws:iam:::role/team{index}/*",
            PrincipalType="IAM_PATTERN",
        )
    eleventh_pattern = aws_error(
        lambda: sc.associate_principal_with_portfolio(
            PortfolioId=portfolio_id,
            PrincipalARN="arn:aws:iam:::role/team10/*",
            PrincipalType="IAM_PATTERN",
        )
    )
    assert eleventh_pattern == "LimitExceededException"  # 10 IAM_PATTERN per portfolio
    for index in range(90):
        sc.associate_principal_with_portfolio(
            PortfolioId=portfolio_id,
            PrincipalARN=f"arn:aws:iam::{ACCOUNT}:role/r{index}",
            PrincipalType="IAM",
        )
    for index in range(25):
        tag_option_id = sc.create_tag_option(Key="k", Value=f"v{index}")["TagOptionDetail"]["Id"]
        sc.associate_tag_option_with_resource(ResourceId=portfolio_id, TagOptionId=tag_option_id)
    one_more_tag_option = sc.create_tag_option(Key="k", Value="v25")["TagOptionDetail"]["Id"]
    for _ in range(149):
        sc.associate_product_with_portfolio(ProductId=new_product(sc), PortfolioId=portfolio_id)
    codes = [
        aws_error(
            lambda: sc.create_provisioning_artifact(
                ProductId=product_id, Parameters=artifact_parameters(name="v101")
            )
        ),
        aws_error(
            lambda: sc.associate_principal_with_portfolio(
                PortfolioId=portfolio_id,
                PrincipalARN=f"arn:aws:iam::{ACCOUNT}:role/r100",
                PrincipalType="IAM",
            )
        ),
        aws_error(
            lambda: sc.associate_tag_option_with_resource(
                ResourceId=portfolio_id, TagOptionId=one_more_tag_option
            )
        ),
        aws_error(
            lambda: sc.associate_product_with_portfolio(
                ProductId=new_product(sc), PortfolioId=portfolio_id
            )
        ),
    ]
    assert codes == ["LimitExceededException"] * 4


def test_pagination(aws: Aws) -> None:
    sc = aws.sc
    created = [new_portfolio(sc, f"portfolio {index}") for index in range(25)]
    first = sc.list_portfolios(PageSize=10)
    assert len(first["PortfolioDetails"]) == 10
    second = sc.list_portfolios(PageSize=10, PageToken=first["NextPageToken"])
    third = sc.list_portfolios(PageSize=10, PageToken=second["NextPageToken"])
    assert len(third["PortfolioDetails"]) == 5
    assert "NextPageToken" not in third
    pages = sc.get_paginator("list_portfolios").paginate(PaginationConfig={"PageSize": 7})
    assert [p["Id"] for page in pages for p in page["PortfolioDetails"]] == created

    for index in range(22):
        sc.create_tag_option(Key="page", Value=f"v{index}")
    tag_options = sc.list_tag_options(PageSize=20)
    assert len(tag_options["TagOptionDetails"]) == 20
    rest = sc.list_tag_options(PageSize=20, PageToken=tag_options["PageToken"])
    assert len(rest["TagOptionDetails"]) == 2
    assert "PageToken" not in rest

    bad_token = lambda: sc.list_portfolios(PageToken="not-a-token")  # noqa: E731
    assert aws_error(bad_token) == "InvalidParametersException"
    too_big = lambda: sc.list_constraints_for_portfolio(  # noqa: E731
        PortfolioId=created[0], PageSize=21
    )
    assert aws_error(too_big) == "ValidationException"


def test_requests_are_validated_against_the_service_model(aws: Aws) -> None:
    sc = aws.sc
    portfolio_id = new_portfolio(sc)
    bad_enum = lambda: sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="EVERYONE")  # noqa: E731
    too_long = lambda: sc.create_portfolio(DisplayName="x" * 101, ProviderName="p")  # noqa: E731
    assert aws_error(bad_enum) == "ValidationException"
    assert aws_error(too_long) == "ValidationException"


def test_regions_have_separate_state(aws: Aws) -> None:
    portfolio_id = new_portfolio(aws.client("servicecatalog", "eu-west-1"))
    assert aws.client("servicecatalog", "us-east-1").list_portfolios()["PortfolioDetails"] == []
    other_region = aws.client("servicecatalog", "eu-west-1").list_portfolios()["PortfolioDetails"]
    assert [portfolio["Id"] for portfolio in other_region] == [portfolio_id]


def test_moto_services_stay_available(aws: Aws) -> None:
    assert aws.client("sts").get_caller_identity()["Account"] == ACCOUNT
    upload_template(aws)
    stored = aws.client("s3").get_object(Bucket=BUCKET, Key="bucket/v1.yaml")["Body"].read()
    assert stored == TEMPLATE.encode()


# -------------------------------------------------------------------------- wire and wiring


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


def test_every_operation_is_in_the_service_model() -> None:
    assert set(OPERATIONS) <= set(service_model().operation_names)
    assert len(set(OPERATIONS)) == len(OPERATIONS)


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


def test_pending_describes_can_be_lowered(in_process: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "PENDING_DESCRIBES", 0)
    sc = in_process.sc
    product_id = new_product(sc)
    created = sc.create_provisioning_artifact(
        ProductId=product_id, Parameters=artifact_parameters(name="v2")
    )
    assert created["Status"] == "AVAILABLE"


# ------------------------------------------------------------------------------------ CLI


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http"])
def test_serve_local_rejects_bad_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve-local", "--port", port]) == 2
    error = capsys.readouterr().err
    assert error.startswith("portfolio serve-local: error: --port ")
    assert error.count("\n") == 1


def test_serve_local_rejects_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve-local", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"portfolio serve-local: error: --port {port}: already in use on 127.0.0.1\n"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_serve_local_serves_until_signalled(stop_signal: signal.Signals) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "portfolio.cli", "serve-local", "--port", str(port), "--quiet"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = process.stdout.readline() if process.stdout else ""
        assert ready == f"local AWS endpoint on http://127.0.0.1:{port} (Ctrl-C to stop)\n"
        sc = _http_client(f"http://127.0.0.1:{port}")("servicecatalog", REGION)
        assert new_portfolio(sc).startswith("port-")
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=60)  # a hang guard, not a timing check
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert stdout == "local AWS endpoint stopped\n"
