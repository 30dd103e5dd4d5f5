"""Principals of a portfolio: IAM and IAM_PATTERN, association and listing."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.local_aws import (
    ACCOUNT,
    Aws,
    aws_error,
    new_portfolio,
)


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
