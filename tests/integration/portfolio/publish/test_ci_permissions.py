"""Every AWS call real plans and publishes make, against the local endpoint, is one the CI
roles allow (``portfolio.bootstrap.ci_permissions``): the plan role for a plan, the publish
role for a publish, on the keys their S3 grants name."""

from __future__ import annotations

import fnmatch
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from portfolio.bootstrap.ci_permissions import (
    ARTIFACT_BUCKETS,
    PLAN_GRANTS,
    PUBLISH_GRANTS,
    iam_actions_for,
)
from portfolio.local_aws import local_aws
from portfolio.publish.apply import StatusPolling
from portfolio.publish.clients import ClientSettings
from portfolio.publish.run import PublishOptions, prepare, publish
from tests.support.demo_manifest import demo_manifest_data, write_demo

BOOTSTRAP_STACK = "ci-bootstrap"


pytestmark = pytest.mark.usefixtures("fake_aws_credentials")


@pytest.fixture
def local() -> Iterator[None]:
    """The local endpoint, with a bootstrap stack whose output names the artifact bucket."""
    with local_aws():
        stack = {
            "Resources": {"ArtifactBucket": {"Type": "AWS::S3::Bucket"}},
            "Outputs": {"ArtifactBucketName": {"Value": {"Ref": "ArtifactBucket"}}},
        }
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName=BOOTSTRAP_STACK, TemplateBody=json.dumps(stack)
        )
        yield


class CallLog:
    """(service, operation, parameters) of every call made through the clients it is given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            with self._lock:
                self.calls.append((service, model.name, dict(params)))

        client.meta.events.register("before-parameter-build", record)

    def actions(self) -> set[str]:
        return {
            action
            for service, operation, _ in self.calls
            for action in iam_actions_for(service, operation)
        }


def _run(path: Path, *, apply: bool) -> CallLog:
    log = CallLog()
    options = PublishOptions(
        regions=("us-east-1",),
        apply=apply,
        bootstrap_stack=BOOTSTRAP_STACK,
        clients=ClientSettings(on_client=log.attach),
        polling=StatusPolling(interval=0.0, max_polls=20),
    )
    outcomes = publish(prepare(path), options)
    assert all(outcome.ok for outcome in outcomes), [o.failure for o in outcomes]
    return log


def _granted(grants: Any) -> set[str]:
    return {action for _, grant in grants for action in grant.actions}


def test_plan_calls_only_what_the_plan_role_allows(local: None, tmp_path: Path) -> None:
    log = _run(write_demo(tmp_path), apply=False)
    assert log.calls, "nothing recorded"
    assert log.actions() - _granted(PLAN_GRANTS) == set()


def test_publishes_call_only_what_the_publish_role_allows(local: None, tmp_path: Path) -> None:
    """A first publish, a new version that deprecates the old one, and removals of principals,
    shares, TagOptions and constraints: between them, every kind of step."""
    data = demo_manifest_data()
    data["keep_active_versions"] = 1
    path = write_demo(tmp_path, data)
    logs = [_run(path, apply=True)]
    data["products"][0]["version"] = "2.0.0"
    data["products"][0]["template"] = "templates/product-2.yaml"
    data["principals"] = [{"type": "IAM", "arn": "arn:aws:iam::123456789012:role/team-a"}]
    data["shares"] = {"organization": "o-abcdefghij", "share_tag_options": False}
    data["tag_options"] = data["tag_options"][:1]
    del data["products"][0]["constraints"]["resource_update"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _lock(path)
    logs.append(_run(path, apply=True))
    used = set().union(*(log.actions() for log in logs))
    assert used - _granted(PUBLISH_GRANTS) == set()
    assert {"servicecatalog:CreatePortfolio", "servicecatalog:DeletePortfolioShare"} <= used


def _object_patterns(grants: Any) -> list[str]:
    """The key patterns the grants allow in the artifact buckets."""
    prefix = f"{ARTIFACT_BUCKETS}/"
    return [
        resource.removeprefix(prefix)
        for _, grant in grants
        for resource in grant.resources
        if resource.startswith(prefix)
    ]


@pytest.mark.parametrize(("apply", "grants"), [(False, PLAN_GRANTS), (True, PUBLISH_GRANTS)])
def test_s3_calls_stay_under_the_granted_keys(
    local: None, tmp_path: Path, apply: bool, grants: Any
) -> None:
    log = _run(write_demo(tmp_path), apply=apply)
    keys = [params["Key"] for service, _, params in log.calls if service == "s3"]
    assert keys, "no S3 call recorded"
    patterns = _object_patterns(grants)
    outside = [k for k in keys if not any(fnmatch.fnmatchcase(k, p) for p in patterns)]
    assert outside == []


def _lock(path: Path) -> None:
    from portfolio.manifest.loading import load_manifest
    from portfolio.manifest.version_lock import record_lock

    record_lock(load_manifest(path))
