"""Portfolio share operations: shares with accounts (synchronous) and organization nodes
(asynchronous, tracked by a PortfolioShareToken), and accepting a share."""

from __future__ import annotations

from typing import Any

from portfolio.local_aws.backend.paging import page_of, page_response
from portfolio.local_aws.backend.state import CatalogState
from portfolio.local_aws.exceptions import (
    InvalidParameters,
    InvalidState,
    OperationNotSupported,
    ResourceNotFound,
)
from portfolio.local_aws.models import PortfolioShare, ShareOperation, new_id, without_none
from portfolio.local_aws.organization_nodes import accounts_under, organization_node_id


class PortfolioShareOperations(CatalogState):
    """Create, update, delete and describe shares, poll their operations, accept them."""

    def _share_key(
        self, account_id: str | None, organization_node: dict[str, str] | None
    ) -> tuple[str, str]:
        """(share type, principal id) of the recipient named by AccountId or OrganizationNode."""
        if (account_id is None) == (organization_node is None):
            raise InvalidParameters("Provide either AccountId or OrganizationNode, but not both.")
        if organization_node is not None:
            return organization_node_id(organization_node)
        if account_id == self.account_id:
            raise InvalidParameters("A portfolio cannot be shared with its own account.")
        return "ACCOUNT", account_id or ""

    def _start_share_operation(self, portfolio_id: str, share: PortfolioShare) -> str:
        token = new_id("share-")
        account_shares = ("ACCOUNT", "ORGANIZATION_MEMBER_ACCOUNT")
        successful = [share.principal_id] if share.type in account_shares else []
        self.share_operations[token] = ShareOperation(
            token=token,
            portfolio_id=portfolio_id,
            node_value=share.principal_id,
            successful_shares=successful,
            account_share=share.type == "ACCOUNT",
        )
        share.last_token = token
        return token

    def _check_share_settled(self, share: PortfolioShare) -> None:
        operation = self.share_operations.get(share.last_token or "")
        if operation is not None and operation.in_progress:
            raise InvalidState(
                f"The share with {share.principal_id} is IN_PROGRESS: wait for "
                f"DescribePortfolioShareStatus({operation.token}) to report COMPLETED."
            )

    def create_portfolio_share(
        self,
        portfolio_id: str,
        account_id: str | None = None,
        organization_node: dict[str, str] | None = None,
        share_tag_options: bool = False,
        share_principals: bool = False,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        share_type, principal_id = self._share_key(account_id, organization_node)
        self._check_organizations_access(organization_node)
        if share_principals and share_type not in ("ORGANIZATION", "ORGANIZATIONAL_UNIT"):
            raise InvalidParameters(
                "SharePrincipals is only supported for shares with an ORGANIZATION or "
                "ORGANIZATIONAL_UNIT node."
            )
        existing = portfolio.shares.get((share_type, principal_id))
        if existing is not None:
            return without_none({"PortfolioShareToken": existing.last_token})
        share = PortfolioShare(
            type=share_type,
            principal_id=principal_id,
            share_tag_options=share_tag_options,
            share_principals=share_principals,
            accepted=share_type != "ACCOUNT",
        )
        portfolio.shares[(share_type, principal_id)] = share
        if organization_node is None:
            return {}
        return {"PortfolioShareToken": self._start_share_operation(portfolio_id, share)}

    def describe_portfolio_share_status(self, portfolio_share_token: str) -> dict[str, Any]:
        operation = self.share_operations.get(portfolio_share_token)
        if operation is None:
            raise ResourceNotFound(f"Portfolio share token {portfolio_share_token} not found.")
        if operation.account_share:
            raise OperationNotSupported(
                f"Portfolio share token {portfolio_share_token} is of the account share with "
                f"{operation.node_value}: DescribePortfolioShareStatus reports on shares with "
                "organization nodes only (read the share with DescribePortfolioShares)."
            )
        return {
            "PortfolioShareToken": operation.token,
            "PortfolioId": operation.portfolio_id,
            "OrganizationNodeValue": operation.node_value,
            "Status": operation.observe(),
            "ShareDetails": {"SuccessfulShares": operation.successful_shares, "ShareErrors": []},
        }

    def describe_portfolio_shares(
        self,
        portfolio_id: str,
        type: str,
        page_token: str | None = None,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        listed = [share for share in portfolio.shares.values() if share.type == type]
        for share in listed:  # what AWS lists has settled: its operation is over
            operation = self.share_operations.get(share.last_token or "")
            if operation is not None:
                operation.complete()
        page = page_of([share.detail() for share in listed], page_size, page_token)
        return page_response("PortfolioShareDetails", "NextPageToken", page)

    def update_portfolio_share(
        self,
        portfolio_id: str,
        account_id: str | None = None,
        organization_node: dict[str, str] | None = None,
        share_tag_options: bool | None = None,
        share_principals: bool | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        key = self._share_key(account_id, organization_node)
        self._check_organizations_access(organization_node)
        share = portfolio.shares.get(key)
        if share is None:
            raise ResourceNotFound(f"Portfolio {portfolio_id} is not shared with {key[1]}.")
        if share_principals is not None and share.type not in (
            "ORGANIZATION",
            "ORGANIZATIONAL_UNIT",
        ):
            raise InvalidParameters(
                "SharePrincipals is only supported for shares with an ORGANIZATION or "
                "ORGANIZATIONAL_UNIT node."
            )
        self._check_share_settled(share)
        if share_tag_options is not None:
            share.share_tag_options = share_tag_options
        if share_principals is not None:
            share.share_principals = share_principals
        token = self._start_share_operation(portfolio_id, share)
        status = "IN_PROGRESS" if self.share_operations[token].in_progress else "COMPLETED"
        return {"PortfolioShareToken": token, "Status": status}

    def delete_portfolio_share(
        self,
        portfolio_id: str,
        account_id: str | None = None,
        organization_node: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        portfolio = self._portfolio(portfolio_id)
        key = self._share_key(account_id, organization_node)
        share = portfolio.shares.get(key)
        if share is None:
            raise ResourceNotFound(f"Portfolio {portfolio_id} is not shared with {key[1]}.")
        self._check_share_settled(share)
        del portfolio.shares[key]
        if organization_node is None:
            return {}
        return {"PortfolioShareToken": self._start_share_operation(portfolio_id, share)}

    def accept_portfolio_share(
        self, portfolio_id: str, portfolio_share_type: str | None = None
    ) -> dict[str, Any]:
        """Import a portfolio another account shared with this one (IMPORTED: an account
        share, accepted here; AWS_ORGANIZATIONS: a share with an organization node above it)."""
        kind = portfolio_share_type or "IMPORTED"
        found = self._portfolio_elsewhere(portfolio_id)
        share = found[1].shares.get(("ACCOUNT", self.account_id)) if found else None
        if found is not None and kind == "AWS_ORGANIZATIONS":
            share = next(
                (s for s in found[1].shares.values() if self._reached_by(s)),
                None,
            )
        if found is None or share is None or kind == "AWS_SERVICECATALOG":
            raise ResourceNotFound(
                f"Portfolio {portfolio_id} is not shared with account {self.account_id} ({kind})."
            )
        share.accepted = True
        if portfolio_id not in self.imported_portfolio_ids:
            self.imported_portfolio_ids.append(portfolio_id)
        return {}

    def _reached_by(self, share: PortfolioShare) -> bool:
        """Whether an organization-node share reaches this account."""
        if share.type == "ORGANIZATION_MEMBER_ACCOUNT":
            return share.principal_id == self.account_id
        if share.type in ("ORGANIZATION", "ORGANIZATIONAL_UNIT"):
            return self.account_id in accounts_under(share.principal_id)
        return False

    def _check_organizations_access(self, organization_node: dict[str, str] | None) -> None:
        if organization_node is not None and self.organizations_access != "ENABLED":
            raise OperationNotSupported(
                "Sharing with an organization node needs AWS Organizations access, which is "
                f"{self.organizations_access}: call EnableAWSOrganizationsAccess from the "
                "management account."
            )
