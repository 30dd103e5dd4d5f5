"""Reaching the local AWS endpoint from tests: boto3 clients, shared constants and helpers
that create Service Catalog resources (tests/integration/portfolio/local_aws)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

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
OTHER_ACCOUNT = "210987654321"


class Aws:
    """boto3 clients bound to one way of reaching the local endpoint."""

    def __init__(self, make: Callable[[str, str], Any]) -> None:
        self._make = make

    def client(self, service: str, region: str = REGION) -> Any:
        return self._make(service, region)

    @property
    def sc(self) -> Any:
        return self.client("servicecatalog")


def http_client(url: str) -> Callable[[str, str], Any]:
    """A maker of boto3 clients for the local endpoint listening at ``url``."""

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
