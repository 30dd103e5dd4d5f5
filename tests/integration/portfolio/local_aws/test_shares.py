"""Portfolio shares: account shares (synchronous), organization node shares (asynchronous,
polled), and accepting a share another account made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from portfolio.local_aws import settings
from tests.support.local_aws import (
    ACCOUNT,
    ORGANIZATION,
    OTHER_ACCOUNT,
    UNIT,
    Aws,
    aws_error,
    new_portfolio,
    new_product,
)


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
