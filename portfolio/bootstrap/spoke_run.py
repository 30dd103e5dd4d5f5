"""The spokes step of ``portfolio bootstrap``, in two phases like the publisher's.

``prepare_spokes`` only reads (who calls, from which organization, which OUs, is trusted access
on) and raises BadInput for what the user can fix, before the hub stack or anything else
changes. ``run_spokes`` then activates trusted access when it is off and the caller is the
management account ("With trusted access between StackSets and Organizations activated, the
management account has permissions to create and manage StackSets for your organization":
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html),
and deploys the StackSet (``stack_set_deployment``). The StackSet lives in one Region (its
home: the first of the bootstrap's Regions) and deploys to all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from portfolio.bootstrap.spoke_organization import (
    CallerInOrganization,
    SpokeTargets,
    caller_in_organization,
    check_call_as,
    organizations_access,
    resolve_targets,
)
from portfolio.bootstrap.spokes import render_spoke_template
from portfolio.bootstrap.stack_set_deployment import (
    DEFAULT_POLLING,
    OperationPolling,
    SpokesOutcome,
    deploy_spokes,
)
from portfolio.bootstrap.stack_set_plan import DesiredSpokes, OperationPreferences
from portfolio.errors import one_line
from portfolio.names import SPOKE_STACK_SET_NAME
from portfolio.publish.clients import CallCounter, ClientSettings, aws_session, counting_client


@dataclass(frozen=True)
class SpokeRequest:
    """Everything the spokes step needs besides the AWS clients."""

    targets: SpokeTargets
    regions: tuple[str, ...]
    parameters: Mapping[str, str]
    name: str = SPOKE_STACK_SET_NAME
    #: The Region the StackSet lives in (default: the first of ``regions``).
    home: str | None = None
    call_as: str = "SELF"
    preferences: OperationPreferences = field(default_factory=OperationPreferences)
    retry_failed: bool = False
    polling: OperationPolling = DEFAULT_POLLING

    @property
    def home_region(self) -> str:
        return self.home or self.regions[0]


@dataclass
class SpokeClients:
    """The home Region's CloudFormation, Organizations and STS clients, counted together."""

    cloudformation: Any
    organizations: Any
    sts: Any
    counter: CallCounter

    @classmethod
    def make(cls, settings: ClientSettings, region: str) -> SpokeClients:
        session = aws_session(settings.profile, settings.endpoint_url, region)
        counter = CallCounter()
        clients = {
            service: counting_client(session, service, region, settings, counter)
            for service in ("cloudformation", "organizations", "sts")
        }
        return cls(counter=counter, **clients)


@dataclass(frozen=True)
class PreparedSpokes:
    request: SpokeRequest
    caller: CallerInOrganization
    targets: tuple[str, ...]  # OU and root IDs
    trusted_access: str  # ENABLED | DISABLED | DISABLED_PERMANENTLY


def prepare_spokes(clients: SpokeClients, request: SpokeRequest) -> PreparedSpokes:
    """Read-only checks; BadInput (exit 2) for what the user can fix."""
    caller = caller_in_organization(clients.sts, clients.organizations, request.targets)
    check_call_as(caller, request.call_as)
    access = organizations_access(clients.cloudformation, caller, request.call_as)
    targets = resolve_targets(request.targets, caller, clients.organizations)
    return PreparedSpokes(request, caller, tuple(targets), access)


def desired_spokes(prepared: PreparedSpokes, template_body: str) -> DesiredSpokes:
    request = prepared.request
    excluded = () if prepared.caller.is_management_account else (prepared.caller.account,)
    return DesiredSpokes(
        name=request.name,
        template_body=template_body,
        parameters=dict(request.parameters),
        targets={target: request.regions for target in prepared.targets},
        call_as=request.call_as,
        preferences=request.preferences,
        excluded_accounts=excluded,
        retry_failed=request.retry_failed,
    )


def run_spokes(
    clients: SpokeClients,
    prepared: PreparedSpokes,
    *,
    report: Callable[[str], None] = lambda line: None,
    template_body: str | None = None,
) -> SpokesOutcome:
    """Activate trusted access if needed, then deploy the StackSet."""
    request = prepared.request
    if prepared.trusted_access != "ENABLED":
        failure = _activate(clients, prepared, report)
        if failure:
            return SpokesOutcome(request.name, request.home_region, failure=failure)
        prepared = replace(prepared, trusted_access="ENABLED")
    desired = desired_spokes(prepared, template_body or render_spoke_template())
    return deploy_spokes(
        clients.cloudformation,
        desired,
        region=request.home_region,
        polling=request.polling,
        report=report,
    )


def _activate(
    clients: SpokeClients, prepared: PreparedSpokes, report: Callable[[str], None]
) -> str:
    """ "" once trusted access is on, else why it cannot be turned on from here."""
    if not prepared.caller.is_management_account or prepared.trusted_access != "DISABLED":
        return (
            f"trusted access between StackSets and AWS Organizations is "
            f"{prepared.trusted_access}; the management account activates it once (`portfolio "
            "bootstrap` run there does, or `aws cloudformation activate-organizations-access`)"
        )
    try:
        clients.cloudformation.activate_organizations_access()
    except (ClientError, BotoCoreError) as error:
        return f"activating trusted access with AWS Organizations: {one_line(error)}"
    report("activated trusted access between StackSets and AWS Organizations")
    return ""
