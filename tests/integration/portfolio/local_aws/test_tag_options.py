"""TagOptions: lifecycle, association with portfolios and products, and what AWS refuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.local_aws import (
    ACCOUNT,
    Aws,
    aws_error,
    new_portfolio,
    new_product,
)


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
