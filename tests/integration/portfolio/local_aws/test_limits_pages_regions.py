"""What holds across operations: AWS's limits, pages, model validation, regions, moto's
other services."""

from __future__ import annotations

from tests.support.local_aws import (
    ACCOUNT,
    BUCKET,
    TEMPLATE,
    Aws,
    artifact_parameters,
    aws_error,
    new_portfolio,
    new_product,
    product_in_portfolio,
    upload_template,
)


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
