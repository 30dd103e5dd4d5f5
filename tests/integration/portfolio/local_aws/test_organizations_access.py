"""AWS Organizations access (gates shares with organization nodes) and ListPortfolioAccess."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portfolio.local_aws import settings
from tests.support.local_aws import (
    ORGANIZATION,
    UNIT,
    Aws,
    aws_error,
    new_portfolio,
)


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
