"""Before any change: who is calling, from which organization, and may it deploy the spokes.

Read-only checks, so that a mistake the user can fix (an OU of another organization, a
delegated-administrator flag from an account that is not one, or the management account's
flag from a member account) stops ``portfolio bootstrap`` with exit code 2 before its first
mutating call:

- the caller's organization and its management account (DescribeOrganization, any member);
- ``--call-as SELF`` (the default) must run in the management account; ``DELEGATED_ADMIN`` in
  an account registered as StackSets' delegated administrator ("Your AWS account must be
  registered as a delegated administrator in the management account":
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html),
  which StackSets itself tells (DescribeOrganizationsAccess with that CallAs: a member that is
  no delegated administrator may not read the organization);
- every OU exists in the organization (DescribeOrganizationalUnit), the organization share's ID
  is this organization's, whose root (ListRoots) StackSets then target.

Both accounts may call these reads
(https://docs.aws.amazon.com/organizations/latest/APIReference/action-reference.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from portfolio.errors import BadInput
from portfolio.names import STACKSETS_SERVICE_PRINCIPAL


class SpokeDeploymentFailed(Exception):
    """The spokes could not be deployed (not the user's input); the message is one line."""


@dataclass(frozen=True)
class CallerInOrganization:
    account: str
    organization_id: str
    management_account: str

    @property
    def is_management_account(self) -> bool:
        return self.account == self.management_account


@dataclass(frozen=True)
class SpokeTargets:
    """Where the spokes go, as the user named them (for messages) and as StackSets take them."""

    #: OU IDs, each with the flag or manifest field that named it.
    organizational_units: Sequence[tuple[str, str]] = ()
    #: The organization share's ID (``shares.organization``), if any.
    organization: str | None = None
    organization_source: str = "shares.organization"


def listed(call: Callable[..., Mapping[str, Any]], items: str, **params: Any) -> Iterator[Any]:
    """Every item of a listing that pages with NextToken (CloudFormation, Organizations), one
    counted call per page (boto3's paginators would bypass the call counter)."""
    while True:
        response = call(**params)
        yield from response.get(items, [])
        token = response.get("NextToken")
        if not token:
            return
        params = {**params, "NextToken": token}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def caller_in_organization(
    sts: Any, organizations: Any, targets: SpokeTargets
) -> CallerInOrganization:
    """The caller's account and organization; BadInput naming the first target when the
    account is in none."""
    account = sts.get_caller_identity()["Account"]
    try:
        organization = organizations.describe_organization()["Organization"]
    except ClientError as error:
        if _code(error) == "AWSOrganizationsNotInUseException":
            unit, source = next(
                iter(targets.organizational_units),
                (targets.organization, targets.organization_source),
            )
            raise BadInput(
                f"{source} {unit}: account {account} is in no AWS organization (OU and "
                "organization shares need one; share with accounts instead)"
            ) from error
        raise
    return CallerInOrganization(account, organization["Id"], organization["MasterAccountId"])


def check_call_as(caller: CallerInOrganization, call_as: str) -> None:
    """BadInput naming --call-as when the caller's account cannot act so."""
    if call_as == "SELF" and not caller.is_management_account:
        raise BadInput(
            f"--call-as SELF: account {caller.account} is not the management account of "
            f"{caller.organization_id} ({caller.management_account}); run from it, or from a "
            "delegated administrator for StackSets with --call-as DELEGATED_ADMIN"
        )
    if call_as == "DELEGATED_ADMIN" and caller.is_management_account:
        raise BadInput(
            f"--call-as DELEGATED_ADMIN: account {caller.account} is the management account; "
            "leave --call-as out (SELF)"
        )


def organizations_access(cloudformation: Any, caller: CallerInOrganization, call_as: str) -> str:
    """StackSets' trusted access with Organizations (ENABLED, DISABLED...), read as ``call_as``;
    BadInput naming --call-as when StackSets does not take the caller for a delegated
    administrator ("Account used is not a delegated administrator", which AWS also answers
    when the caller may not call organizations:ListDelegatedAdministrators:
    https://github.com/hashicorp/terraform-provider-aws/pull/37069)."""
    try:
        status = cloudformation.describe_organizations_access(CallAs=call_as)["Status"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        if call_as != "DELEGATED_ADMIN" or "not a delegated administrator" not in message:
            raise
        raise BadInput(
            f"--call-as DELEGATED_ADMIN: account {caller.account} is not a delegated "
            "administrator for StackSets (or may not call "
            "organizations:ListDelegatedAdministrators); the management account registers it "
            f"with `aws organizations register-delegated-administrator --account-id "
            f"{caller.account} --service-principal {STACKSETS_SERVICE_PRINCIPAL}`"
        ) from error
    return str(status)


def resolve_targets(
    targets: SpokeTargets, caller: CallerInOrganization, organizations: Any
) -> list[str]:
    """The OU and root IDs StackSets deploy to; BadInput naming the first unknown one."""
    resolved = []
    for unit, source in targets.organizational_units:
        try:
            organizations.describe_organizational_unit(OrganizationalUnitId=unit)
        except ClientError as error:
            if _code(error) != "OrganizationalUnitNotFoundException":
                raise
            raise BadInput(
                f"{source} {unit}: no such organizational unit in {caller.organization_id}"
            ) from error
        resolved.append(unit)
    if targets.organization is not None:
        if targets.organization != caller.organization_id:
            raise BadInput(
                f"{targets.organization_source} {targets.organization}: not this account's "
                f"organization ({caller.organization_id})"
            )
        roots = organizations.list_roots()["Roots"]
        resolved += [root["Id"] for root in roots]
    return list(dict.fromkeys(resolved))
