"""Constraints: lifecycle, one LAUNCH/STACKSET per product, Parameters checked per type."""

from __future__ import annotations

import json

import pytest

from tests.support.local_aws import (
    ACCOUNT,
    LAUNCH_ROLE,
    REGION,
    STACKSET,
    Aws,
    aws_error,
    constraint,
    new_product,
    product_in_portfolio,
)

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
