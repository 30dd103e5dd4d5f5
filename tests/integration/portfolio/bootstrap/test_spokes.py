"""`portfolio bootstrap` with OU shares, against the in-process local endpoint: the launch role
reaches every account of the shared OUs through a service-managed StackSet, with nothing to do
in those accounts, and a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portfolio.bootstrap.stack_set_deployment import list_instances
from portfolio.cli import main
from portfolio.names import SPOKE_STACK_SET_NAME
from tests.support.spokes import (
    HOME,
    SPOKE_REGIONS,
    Organization,
    client,
    launch_role_regions,
    use_account,
)

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse")


def _instances(call_as: str = "SELF") -> dict[tuple[str, str], str]:
    """(account, Region) -> the instance's state."""
    found = list_instances(client("cloudformation"), SPOKE_STACK_SET_NAME, call_as)
    return {(i.account, i.region): i.state for i in found}


def _stack_set_exists() -> bool:
    names = [s["StackSetName"] for s in client("cloudformation").list_stack_sets()["Summaries"]]
    return SPOKE_STACK_SET_NAME in names


def test_first_run_puts_the_launch_role_in_every_account_of_the_shared_ous(
    organization: Organization,
) -> None:
    apps, data, _ = organization.units()
    run = organization.bootstrap(organization.manifest([apps, data]))

    assert run.code == 0, run.err
    assert "activated trusted access between StackSets and AWS Organizations" in run.out
    accounts = organization.sample.units[apps] + organization.sample.units[data]
    assert _instances() == {(a, r): "current" for a in accounts for r in SPOKE_REGIONS}
    for account in accounts:
        assert launch_role_regions(account) == set(SPOKE_REGIONS)
    # The management account is never a StackSet target; its launch role is the hub stack's.
    assert organization.sample.management_account not in {a for a, _ in _instances()}
    assert "12 succeeded, 0 failed" in run.out


def test_a_second_run_makes_no_mutating_call(organization: Organization) -> None:
    manifest = organization.manifest(organization.units()[:2])
    assert organization.bootstrap(manifest).code == 0

    again = organization.bootstrap(manifest)

    assert again.code == 0, again.err
    assert again.mutating_calls == 0
    assert f"{SPOKE_STACK_SET_NAME}: unchanged" in again.out
    assert "signed-urls-portfolio-bootstrap: unchanged" in again.out


def test_an_ou_added_to_the_manifest_gets_instances_and_none_are_removed(
    organization: Organization,
) -> None:
    apps, data, _ = organization.units()
    assert organization.bootstrap(organization.manifest([apps])).code == 0
    before = list_instances(client("cloudformation"), SPOKE_STACK_SET_NAME, "SELF")

    run = organization.bootstrap(organization.manifest([apps, data]))

    assert run.code == 0, run.err
    assert run.mutating_calls == 1  # one CreateStackInstances
    assert "remove the launch role" not in run.out
    after = list_instances(client("cloudformation"), SPOKE_STACK_SET_NAME, "SELF")
    assert set(before) <= set(after), "the instances of the OU kept were not touched"
    assert {i.account for i in after} == set(
        organization.sample.units[apps] + organization.sample.units[data]
    )


def test_an_ou_removed_loses_its_instances_and_only_it(organization: Organization) -> None:
    apps, data, _ = organization.units()
    assert organization.bootstrap(organization.manifest([apps, data])).code == 0

    run = organization.bootstrap(organization.manifest([apps]))

    assert run.code == 0, run.err
    assert f"remove the launch role from {data} in eu-west-1, us-east-1" in run.out
    assert {a for a, _ in _instances()} == set(organization.sample.units[apps])
    for account in organization.sample.units[data]:
        assert launch_role_regions(account) == set(), "the role left with the instance"
    for account in organization.sample.units[apps]:
        assert launch_role_regions(account) == set(SPOKE_REGIONS)


def _squat_launch_role(account: str, region: str = HOME) -> None:
    """An account where someone made the launch role by hand (or an old bootstrap stack did)."""
    from moto.iam.models import iam_backends

    iam_backends[account]["aws"].create_role(
        role_name=f"signed-urls-portfolio-launch-{region}",
        assume_role_policy_document="{}",
        path="/",
        permissions_boundary=None,
        description="made by hand",
        tags=[],
        max_session_duration="3600",
    )


def test_a_failed_account_is_reported_with_its_reason_and_not_retried(
    organization: Organization,
) -> None:
    apps, _, _ = organization.units()
    broken = organization.sample.units[apps][1]
    _squat_launch_role(broken)
    manifest = organization.manifest([apps])
    tolerant = ("--failure-tolerance-percentage", "50")

    first = organization.bootstrap(manifest, *tolerant)

    assert first.code == 1
    assert f"{broken} us-east-1 FAILED: " in first.out
    assert "Role with name signed-urls-portfolio-launch-us-east-1 already exists." in first.out
    assert "--retry-failed" in first.out
    assert _instances()[(broken, "us-east-1")] == "failed"
    assert _instances()[(broken, "eu-west-1")] == "current"

    again = organization.bootstrap(manifest, *tolerant)
    assert again.code == 1, "still reported"
    assert again.mutating_calls == 0, "not retried"
    assert f"{broken} us-east-1 failed: " in again.out

    from moto.iam.models import iam_backends

    iam_backends[broken]["aws"].delete_role("signed-urls-portfolio-launch-us-east-1")
    fixed = organization.bootstrap(manifest, *tolerant, "--retry-failed")
    assert fixed.code == 0, fixed.out
    assert fixed.mutating_calls == 1
    assert set(_instances().values()) == {"current"}


def test_failures_beyond_the_tolerance_stop_the_operation_and_the_run(
    organization: Organization,
) -> None:
    apps, data, _ = organization.units()
    for account in organization.sample.units[apps][:2]:
        _squat_launch_role(account)

    run = organization.bootstrap(
        organization.manifest([apps, data]), "--region-concurrency", "SEQUENTIAL"
    )

    assert run.code == 1
    assert "portfolio bootstrap: error: StackSet signed-urls-portfolio-spokes: deploy" in run.err
    assert ": FAILED (" in run.out and "cancelled" in run.out
    assert "failed" in set(_instances().values())


def test_accounts_added_later_get_the_role_without_a_rerun(organization: Organization) -> None:
    from portfolio.local_aws.sample_organization import add_account

    apps, _, later = organization.units()
    manifest = organization.manifest([apps, later])
    assert organization.bootstrap(manifest).code == 0

    newcomer = add_account(client("organizations"), organization.sample, later, "newcomer")

    status = organization.status(manifest, "--output", "json")
    instances = json.loads(status.out)["stack_set"]["instances"]
    assert {(i["region"], i["state"]) for i in instances if i["account"] == newcomer} == {
        ("us-east-1", "current"),
        ("eu-west-1", "current"),
    }
    assert launch_role_regions(newcomer) == set(SPOKE_REGIONS)
    text = organization.status(manifest)
    assert f"{later} us-east-1: launch role in 1 account(s): {newcomer}" in text.out
    assert organization.bootstrap(manifest).mutating_calls == 0


def test_status_lists_shares_and_which_accounts_have_the_role_or_failed(
    organization: Organization,
) -> None:
    apps, data, _ = organization.units()
    broken = organization.sample.units[data][0]
    _squat_launch_role(broken, "eu-west-1")
    manifest = organization.manifest([apps, data])
    organization.bootstrap(manifest, "--failure-tolerance-percentage", "50")
    assert main(["publish", "--manifest", str(manifest)]) == 0

    status = organization.status(manifest)

    assert status.code == 1, "an instance failed"
    assert (
        f"ORGANIZATIONAL_UNIT {apps}: shared, reaches 3 account(s); shares principals" in status.out
    )
    assert f"{data} eu-west-1 {broken}: failed (OUTDATED/FAILED): " in status.out
    assert "already exists" in status.out
    assert f"{apps} us-east-1: launch role in 3 account(s)" in status.out


# --- refused before any change ---------------------------------------------------------------


def _assert_nothing_changed() -> None:
    """No hub stack, trusted access still off (so no StackSet either)."""
    cloudformation = client("cloudformation")
    assert cloudformation.describe_stacks()["Stacks"] == []
    management = client("cloudformation", aws_access_key_id="testing", aws_secret_access_key="x")
    assert management.describe_organizations_access()["Status"] == "DISABLED"


def test_an_unknown_ou_exits_2_before_any_change(organization: Organization) -> None:
    apps, _, _ = organization.units()
    run = organization.bootstrap(organization.manifest([apps, "ou-zzzz-zzzzzzzz"]))

    assert run.code == 2
    assert run.err.strip() == (
        "portfolio bootstrap: error: shares.organizational_units[1] ou-zzzz-zzzzzzzz: no such "
        f"organizational unit in {organization.sample.id}"
    )
    _assert_nothing_changed()


def test_a_delegated_admin_flag_without_the_registration_exits_2_before_any_change(
    organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps, _, _ = organization.units()
    member = organization.sample.units[apps][0]
    manifest = organization.manifest([apps])
    use_account(monkeypatch, member)

    run = organization.bootstrap(manifest, "--call-as", "DELEGATED_ADMIN")

    assert run.code == 2
    assert run.err.startswith(
        f"portfolio bootstrap: error: --call-as DELEGATED_ADMIN: account {member} is not a "
        "delegated administrator for StackSets"
    )
    assert run.err.count("\n") == 1
    _assert_nothing_changed()
    self_run = organization.bootstrap(manifest)
    assert self_run.code == 2
    assert (
        "--call-as SELF: account" in self_run.err and "not the management account" in self_run.err
    )


def test_a_delegated_administrator_deploys_the_spokes_in_the_management_account(
    organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps, data, _ = organization.units()
    admin = organization.sample.units[apps][0]
    organizations = client("organizations")
    client("cloudformation").activate_organizations_access()
    organizations.register_delegated_administrator(
        AccountId=admin, ServicePrincipal="member.org.stacksets.cloudformation.amazonaws.com"
    )
    manifest = organization.manifest([apps, data])
    use_account(monkeypatch, admin)

    run = organization.bootstrap(manifest, "--call-as", "DELEGATED_ADMIN")

    assert run.code == 0, run.err
    instances = _instances("DELEGATED_ADMIN")
    assert admin not in {a for a, _ in instances}, "its hub stack holds its launch role"
    others = set(organization.sample.units[apps] + organization.sample.units[data]) - {admin}
    assert {a for a, _ in instances} == others
    assert organization.bootstrap(manifest, "--call-as", "DELEGATED_ADMIN").mutating_calls == 0
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # the management account again
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert _stack_set_exists(), "service-managed StackSets live in the management account"


def test_a_delegated_administrator_cannot_turn_trusted_access_on(
    organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps, _, _ = organization.units()
    admin = organization.sample.units[apps][0]
    client("organizations").register_delegated_administrator(
        AccountId=admin, ServicePrincipal="member.org.stacksets.cloudformation.amazonaws.com"
    )
    manifest = organization.manifest([apps])
    use_account(monkeypatch, admin)

    run = organization.bootstrap(manifest, "--call-as", "DELEGATED_ADMIN")

    assert run.code == 1
    assert "trusted access between StackSets and AWS Organizations is DISABLED" in run.err
    assert "the management account activates it once" in run.err


def test_ou_shares_from_an_account_in_no_organization_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from portfolio.local_aws import local_aws
    from tests.support.demo_manifest import demo_manifest_data, write_demo

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    data = demo_manifest_data()
    data["shares"] = {"organizational_units": ["ou-abcd-abcdefgh"]}
    manifest = write_demo(tmp_path / "demo", data)
    with local_aws():
        code = main(["bootstrap", "--manifest", str(manifest), "--region", "us-east-1"])
        assert client("cloudformation").describe_stacks()["Stacks"] == []
    assert code == 2
    assert capsys.readouterr().err == (
        "portfolio bootstrap: error: shares.organizational_units[0] ou-abcd-abcdefgh: account "
        "123456789012 is in no AWS organization (OU and organization shares need one; share with "
        "accounts instead)\n"
    )
