"""Throttling, HTTP 500s, lost responses and failures midway, injected with botocore events.

Whatever fails, the next publish converges on the same portfolio as a clean run, with no
duplicate product, version, constraint or share, and a third publish changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from portfolio.local_aws import local_aws
from portfolio.local_aws import settings as local_aws_settings
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.version_lock import record_lock
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings, RetryPolicy, is_read
from portfolio.publish.recognize import RECOGNISED, REPEATABLE
from portfolio.publish.report import RegionOutcome
from portfolio.publish.run import PublishOptions, prepare, publish
from tests.support.demo_manifest import demo_manifest_data, demo_template, write_demo
from tests.support.local_publish import (
    BUCKET,
    EXPECTED_FIRST_PUBLISH,
    is_lease_call,
    snapshot,
)

NO_SLEEP = RetryPolicy(sleep=lambda seconds: None)


class _Http:
    """The ``http`` half of a before-call short-circuit: botocore only reads status_code."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


def error_response(status: int, code: str) -> tuple[_Http, dict[str, Any]]:
    return _Http(status), {
        "Error": {"Code": code, "Message": "injected"},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0},
    }


class Faults:
    """Answers chosen calls with errors instead of sending them (``before-call``), or lets them
    through and then loses the response (``after-call``). Calls on the lease are left alone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.attempts: dict[str, int] = {}
        self.mutating_seen = 0
        self.answers: dict[str, list[tuple[int, str]]] = {}  # operation -> errors, in turn
        self.fail_mutating_call: int | None = None  # the n-th mutating call fails (400)
        self.lose_mutating_call: int | None = None  # the n-th mutating call runs, reply lost
        self.error_after: set[str] = set()  # operations whose first call runs, answered 500

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._before_call)
        client.meta.events.register("after-call.*.*", self._after_call)

    def _before_call(
        self, model: Any, params: dict[str, Any], context: dict[str, Any], **kwargs: Any
    ) -> Any:
        name = model.name
        if is_lease_call(params):
            context["lease"] = True
            return None
        with self._lock:
            self.attempts[name] = self.attempts.get(name, 0) + 1
            if self.answers.get(name):
                return error_response(*self.answers[name].pop(0))
            if is_read(name):
                return None
            self.mutating_seen += 1
            if self.mutating_seen == self.fail_mutating_call:
                return error_response(400, "InjectedFailure")
        return None

    def _after_call(
        self,
        model: Any,
        context: dict[str, Any],
        http_response: Any,
        parsed: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        if context.get("lease"):
            return
        if model.name in self.error_after and http_response.status_code < 300:
            self.error_after.discard(model.name)
            http_response.status_code = 500  # the change is made; the answer says it failed
            parsed["Error"] = {"Code": "InternalFailure", "Message": "injected after the change"}
            parsed.setdefault("ResponseMetadata", {})["HTTPStatusCode"] = 500
            return
        if not is_read(model.name) and self.mutating_seen == self.lose_mutating_call:
            self.lose_mutating_call = None
            raise ConnectionResetError("injected: response lost after the call")


pytestmark = pytest.mark.usefixtures("fake_aws_credentials")


@pytest.fixture
def local() -> Iterator[None]:
    with local_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


def run(path: Path, faults: Faults | None = None, **polling: Any) -> RegionOutcome:
    settings = ClientSettings(retry=NO_SLEEP, on_client=faults.attach if faults else None)
    options = PublishOptions(
        regions=("us-east-1",),
        apply=True,
        artifact_bucket=BUCKET,
        clients=settings,
        polling=StatusPolling(interval=0.0, **polling),
    )
    (outcome,) = publish(prepare(path), options)
    return outcome


def test_throttling_is_retried_and_counted_once(local: None, tmp_path: Path) -> None:
    faults = Faults()
    faults.answers["CreateProduct"] = [(400, "ThrottlingException")] * 2
    faults.answers["ListPortfolios"] = [(400, "Throttling")]
    outcome = run(write_demo(tmp_path), faults)
    assert outcome.ok, outcome.failure
    assert outcome.retries == 3
    assert faults.attempts["CreateProduct"] == 3 + 2  # three products, two throttled tries
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert outcome.plan is not None
    assert outcome.api_calls["mutating"] == len(outcome.plan.steps)


def test_http_500_is_retried(local: None, tmp_path: Path) -> None:
    faults = Faults()
    faults.answers["CreateConstraint"] = [(500, "InternalFailure"), (503, "ServiceUnavailable")]
    faults.answers["PutObject"] = [(500, "InternalError")]
    outcome = run(write_demo(tmp_path), faults)
    assert outcome.ok, outcome.failure
    assert outcome.retries == 3
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_retries_give_up_after_the_policy_limit(local: None, tmp_path: Path) -> None:
    faults = Faults()
    faults.answers["CreatePortfolio"] = [(500, "InternalFailure")] * 10
    outcome = run(write_demo(tmp_path), faults)
    assert not outcome.ok
    assert "create portfolio Signed URLs demo" in outcome.failure
    assert outcome.failure.endswith(f"(gave up after {NO_SLEEP.max_attempts} attempts)")
    assert "InternalFailure" in outcome.failure
    assert faults.attempts["CreatePortfolio"] == NO_SLEEP.max_attempts
    statuses = [r.status for r in outcome.results]
    assert "skipped" in statuses and statuses.count("failed") == 1


def test_validation_errors_are_not_retried(local: None, tmp_path: Path) -> None:
    faults = Faults()
    faults.answers["CreateTagOption"] = [(400, "InvalidParametersException")]
    outcome = run(write_demo(tmp_path), faults)
    assert not outcome.ok
    assert faults.attempts["CreateTagOption"] == 1
    assert outcome.retries == 0


def test_backoff_is_capped_exponential_with_jitter() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    for attempt in range(1, 10):
        delays = [policy.delay(attempt) for _ in range(50)]
        assert all(0.0 <= d <= min(4.0, 0.5 * 2**attempt) for d in delays)
    assert len({policy.delay(3) for _ in range(20)}) > 1


@pytest.fixture(scope="module")
def mutating_calls_of_a_clean_publish(tmp_path_factory: pytest.TempPathFactory) -> int:
    with local_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        outcome = run(write_demo(tmp_path_factory.mktemp("clean")))
    assert outcome.ok
    return outcome.api_calls["mutating"]


#: Mutating calls of the demo's first publish: 1-3 uploads, 4 portfolio, 5-8 TagOptions, 9
#: principal, 10-12 products, 13-15 product associations, 16-23 constraints, 24-25 shares.
FIRST_OF_EACH_KIND = [1, 4, 5, 6, 9, 10, 13, 16, 24, 25]


@pytest.mark.parametrize("failing_call", FIRST_OF_EACH_KIND)
def test_failure_midway_converges_on_the_next_run(
    local: None, tmp_path: Path, failing_call: int, mutating_calls_of_a_clean_publish: int
) -> None:
    assert mutating_calls_of_a_clean_publish == max(FIRST_OF_EACH_KIND)
    path = write_demo(tmp_path)
    faults = Faults()
    faults.fail_mutating_call = failing_call
    assert not run(path, faults).ok
    assert run(path).ok
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert run(path).api_calls["mutating"] == 0


@pytest.mark.parametrize("lost_call", FIRST_OF_EACH_KIND)
def test_lost_response_creates_no_duplicate(local: None, tmp_path: Path, lost_call: int) -> None:
    """The call took effect but its answer never arrived: the next run must not repeat it."""
    path = write_demo(tmp_path)
    faults = Faults()
    faults.lose_mutating_call = lost_call
    assert not run(path, faults).ok
    assert run(path).ok
    assert snapshot() == EXPECTED_FIRST_PUBLISH
    assert run(path).api_calls["mutating"] == 0


def test_version_stuck_creating_fails_after_bounded_polling(
    local: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_aws_settings, "PENDING_DESCRIBES", 50)
    path = write_demo(tmp_path)
    outcome = run(path, max_polls=3)
    assert not outcome.ok
    assert "still CREATING after 3 polls" in outcome.failure
    monkeypatch.setattr(local_aws_settings, "PENDING_DESCRIBES", 1)
    assert run(path).ok
    assert snapshot() == EXPECTED_FIRST_PUBLISH


def test_failed_stackset_create_leaves_every_other_constraint_in_place(
    local: None, tmp_path: Path
) -> None:
    """LAUNCH -> STACKSET while NOTIFICATION and TEMPLATE are dropped: when the STACKSET
    create fails, only the LAUNCH (which had to go first) is gone."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    assert run(path).ok
    constraints = data["products"][0]["constraints"]
    del constraints["launch"], constraints["notification"], constraints["template"]
    constraints["stackset"] = {
        "accounts": ["111111111111"],
        "regions": ["us-east-1"],
        "admin_role_arn": "arn:aws:iam::123456789012:role/StackSetAdmin",
        "execution_role_name": "StackSetExecution",
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    faults = Faults()
    faults.answers["CreateConstraint"] = [(400, "InjectedFailure")]
    outcome = run(path, faults)
    assert not outcome.ok
    assert "create constraint STACKSET on Demo product 1" in outcome.failure
    left = [c for c in snapshot()["constraints"] if c[1] == "Demo product 1"]
    assert left == [
        ("NOTIFICATION", "Demo product 1"),
        ("RESOURCE_UPDATE", "Demo product 1"),
        ("TEMPLATE", "Demo product 1"),
    ]
    assert run(path).ok
    assert [c for c in snapshot()["constraints"] if c[1] == "Demo product 1"] == [
        ("RESOURCE_UPDATE", "Demo product 1"),
        ("STACKSET", "Demo product 1"),
    ]
    assert run(path).api_calls["mutating"] == 0


def test_caller_that_may_not_share_with_organizations_fails_before_any_change(
    local: None, tmp_path: Path
) -> None:
    """GetAWSOrganizationsAccessStatus answers only the management account or a delegated
    administrator; anyone else cannot create the manifest's OU share."""
    faults = Faults()
    faults.answers["GetAWSOrganizationsAccessStatus"] = [(400, "OperationNotSupportedException")]
    outcome = run(write_demo(tmp_path), faults)
    assert not outcome.ok
    assert outcome.failure == (
        "shares: sharing with an organization or OU needs the management account or a "
        "delegated administrator (GetAWSOrganizationsAccessStatus refused: "
        "OperationNotSupportedException: injected)"
    )
    assert faults.mutating_seen == 0
    assert snapshot()["portfolios"] == []


# --- a 5xx after the change, for every mutating operation -----------------------------------


def two_ou_data() -> dict[str, Any]:
    """The demo manifest sharing with an account and two OUs (every share operation below)."""
    data = demo_manifest_data()
    data["shares"]["organizational_units"] = ["ou-ab12-cdef3456", "ou-ab12-ghij7890"]
    return data


def changed_data(tmp_path: Path) -> dict[str, Any]:
    """A change of every kind from ``two_ou_data``: writes the new template it needs."""
    data = two_ou_data()
    data["portfolio"]["description"] = "Changed."
    data["tag_options"] = [
        {"key": "cost-center", "value": "platform"},  # deactivated by hand: reactivated
        {"key": "tier", "value": "gold"},  # new; data-classification=internal goes
    ]
    data["principals"] = [{"type": "IAM_PATTERN", "arn": "arn:aws:iam:::role/other-teams/*"}]
    data["keep_active_versions"] = 1
    first, second, third = data["products"]
    first["version"] = "2.0.0"
    del first["constraints"]["notification"]
    second["owner"] = "Someone else"
    third["constraints"]["resource_update"]["tag_updates_allowed"] = False
    data["shares"]["organizational_units"] = ["ou-ab12-cdef3456"]
    data["shares"]["share_tag_options"] = False
    (tmp_path / "templates" / "product-1.yaml").write_text(demo_template(1, revision=2))
    return data


def deactivate_tag_option(key: str, value: str) -> None:
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    (option,) = sc.list_tag_options(Filters={"Key": key, "Value": value})["TagOptionDetails"]
    sc.update_tag_option(Id=option["Id"], Active=False)


def publish_scenario(tmp_path: Path, scenario: str, faults: Faults | None) -> RegionOutcome:
    """``first``: publish two_ou_data to an empty region. ``change``: publish it, deactivate a
    TagOption by hand, then publish changed_data. Returns the last outcome."""
    path = write_demo(tmp_path, two_ou_data())
    if scenario == "first":
        return run(path, faults)
    assert run(path).ok
    deactivate_tag_option("cost-center", "platform")
    path.write_text(yaml.safe_dump(changed_data(tmp_path)), encoding="utf-8")
    record_lock(load_manifest(path))
    return run(path, faults)


FIRST_OPERATIONS = {
    "PutObject",
    "CreatePortfolio",
    "CreateTagOption",
    "AssociateTagOptionWithResource",
    "AssociatePrincipalWithPortfolio",
    "CreateProduct",
    "AssociateProductWithPortfolio",
    "CreateConstraint",
    "CreatePortfolioShare",
}
CHANGE_OPERATIONS = {
    "UpdatePortfolio",
    "UpdateTagOption",
    "DisassociateTagOptionFromResource",
    "DisassociatePrincipalFromPortfolio",
    "UpdateProduct",
    "CreateProvisioningArtifact",
    "UpdateProvisioningArtifact",
    "UpdateConstraint",
    "DeleteConstraint",
    "UpdatePortfolioShare",
    "DeletePortfolioShare",
}


def test_the_scenarios_cover_every_mutating_operation() -> None:
    from botocore import xform_name

    covered = {xform_name(name) for name in FIRST_OPERATIONS | CHANGE_OPERATIONS}
    assert covered == RECOGNISED.keys() | REPEATABLE


@pytest.fixture(scope="module")
def clean_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What each scenario leaves, and the operations it calls, without faults."""
    results = {}
    for scenario in ("first", "change"):
        with local_aws():
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
            faults = Faults()
            assert publish_scenario(tmp_path_factory.mktemp(scenario), scenario, faults).ok
            results[scenario] = {"snapshot": snapshot(), "calls": set(faults.attempts)}
    return results


@pytest.mark.parametrize(
    ("scenario", "operation"),
    [("first", op) for op in sorted(FIRST_OPERATIONS)]
    + [("change", op) for op in sorted(CHANGE_OPERATIONS)],
)
def test_a_5xx_after_the_change_converges_in_the_same_run(
    local: None,
    tmp_path: Path,
    scenario: str,
    operation: str,
    clean_results: dict[str, dict[str, Any]],
) -> None:
    """The call takes effect, its answer is a 500; the retry meets what it did ("already
    exists", "not found"...) and recognises it: the run succeeds as a clean one would."""
    assert operation in clean_results[scenario]["calls"]
    faults = Faults()
    faults.error_after = {operation}
    outcome = publish_scenario(tmp_path, scenario, faults)
    assert faults.error_after == set()  # the fault was injected
    assert outcome.ok, outcome.failure
    assert outcome.retries >= 1
    assert snapshot() == clean_results[scenario]["snapshot"]
    assert run(tmp_path / "manifest.yaml").api_calls["mutating"] == 0
