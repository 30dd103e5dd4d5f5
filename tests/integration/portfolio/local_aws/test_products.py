"""Products: lifecycle, association with portfolios, search, and what AWS refuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.local_aws import (
    ACCOUNT,
    REGION,
    Aws,
    artifact_parameters,
    aws_error,
    new_portfolio,
    new_product,
    upload_template,
)


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
