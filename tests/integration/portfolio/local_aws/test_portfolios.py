"""Portfolios: create, describe, update, list, delete, and what AWS refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tests.support.local_aws import (
    ACCOUNT,
    REGION,
    Aws,
    aws_error,
    new_portfolio,
    new_product,
)


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
