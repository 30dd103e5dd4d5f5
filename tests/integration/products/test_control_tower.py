"""Control Tower's proactive controls: the gate `make build` runs, asserted in the suite too.

Needs cfn-guard and the rule pack (``make test`` installs them into .cfn-guard): skipped
without them locally, failed without them in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portfolio.bootstrap.support_templates import support_templates
from portfolio.cli import main
from portfolio.errors import EXIT_BAD_INPUT
from products.catalog import PRODUCTS
from products.gates.control_tower import ControlTowerResult, evaluate
from tests.support.paths import REPO_ROOT

DEFAULT_RULES = REPO_ROOT / ".cfn-guard/node_modules/@cdklabs/cdk-validator-cfnguard"

#: A bucket that meets the S3 controls cheaply met elsewhere, minus Object Lock (CT.S3.PR.9).
_BUCKET = """
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      OwnershipControls:
        Rules:
          - ObjectOwnership: BucketOwnerEnforced
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
      VersioningConfiguration:
        Status: Enabled
      LifecycleConfiguration:
        Rules:
          - Status: Enabled
            NoncurrentVersionExpiration:
              NoncurrentDays: 30
      LoggingConfiguration:
        DestinationBucketName: logs
      NotificationConfiguration:
        EventBridgeConfiguration:
          EventBridgeEnabled: true
"""


def _bucket(name: str, metadata: str = "") -> str:
    return f"  {name}:{_BUCKET}{metadata}"


def _rules() -> Path | None:
    configured = Path(os.environ.get("CONTROL_TOWER_RULES") or DEFAULT_RULES)
    path = configured if configured.is_absolute() else REPO_ROOT / configured
    return path if (path / "rules").is_dir() else None


@pytest.fixture(scope="module")
def control_tower() -> Path:
    path = _rules()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "cfn-guard or the Control Tower rules are missing: `make test` installs them"
            )
        pytest.skip("cfn-guard not installed (run `make test`, which sets up .cfn-guard)")
    return path


@pytest.fixture(scope="module")
def results(control_tower: Path) -> dict[str, ControlTowerResult]:
    """The committed product templates and the support templates (bootstrap, CI roles), as
    `make build` gates them."""
    templates = {
        path.name: path.read_text(encoding="utf-8")
        for path in (REPO_ROOT / "templates").glob("*.yaml")
    }
    return evaluate(control_tower, {**templates, **support_templates()})


def _one(control_tower: Path, resources: str) -> ControlTowerResult:
    return evaluate(control_tower, {"probe.yaml": f"Resources:\n{resources}"})["probe.yaml"]


def test_every_template_meets_each_control_or_declares_why_not(
    results: dict[str, ControlTowerResult],
) -> None:
    assert {name: result.failures for name, result in results.items() if result.failures} == {}
    assert sum(len(result.passed) for result in results.values()) > 0, "no control ran"


def test_every_product_and_support_template_is_gated(
    results: dict[str, ControlTowerResult],
) -> None:
    expected = {spec.template_file for spec in PRODUCTS} | {
        "bootstrap.yaml",
        "spoke.yaml",
        "ci-roles.yaml",
    }
    assert set(results) == expected


def test_gate_catches_a_failing_template(control_tower: Path) -> None:
    result = _one(control_tower, "  Bucket:\n    Type: AWS::S3::Bucket\n")
    failed = {finding.split(":")[0] for finding in result.failures}
    assert {"CT.S3.PR.1 Bucket", "CT.S3.PR.9 Bucket", "CT.S3.PR.11 Bucket"} <= failed
    assert not result.ok


def test_declaration_without_a_reason_fails(control_tower: Path) -> None:
    bare = "    Metadata:\n      guard:\n        SuppressedRules:\n          - CT.S3.PR.9\n"
    empty = (
        "    Metadata:\n      guard:\n        SuppressedRules:\n"
        "          - id: CT.S3.PR.9\n            comment: ' '\n"
    )
    result = _one(control_tower, _bucket("Bare", bare) + _bucket("Empty", empty))
    assert sorted(result.failures) == [
        "CT.S3.PR.9 Bare: declared not applicable, no reason",
        "CT.S3.PR.9 Empty: declared not applicable, no reason",
    ]
    assert result.not_applicable == []


def test_declaration_with_a_reason_covers_its_resource_and_control_only(
    control_tower: Path,
) -> None:
    declared = (
        "    Metadata:\n      guard:\n        SuppressedRules:\n"
        "          - id: CT.S3.PR.9\n            comment: Content must stay deletable\n"
    )
    result = _one(control_tower, _bucket("Declared", declared) + _bucket("Undeclared"))
    assert result.not_applicable == ["CT.S3.PR.9 Declared"]
    assert [finding.split(":")[0] for finding in result.failures] == ["CT.S3.PR.9 Undeclared"]


def test_declaration_that_hides_no_failure_fails(control_tower: Path) -> None:
    """A declaration must not outlive its cause: here the bucket does turn Object Lock on."""
    declared = (
        "    Metadata:\n      guard:\n        SuppressedRules:\n"
        "          - id: CT.S3.PR.9\n            comment: Content must stay deletable\n"
    )
    locked = _bucket("Locked", declared).replace(
        "      PublicAccessBlockConfiguration:",
        "      ObjectLockEnabled: true\n      PublicAccessBlockConfiguration:",
    )
    result = _one(control_tower, locked)
    assert result.failures == ["CT.S3.PR.9 Locked: declared not applicable, but nothing fails here"]


def test_short_form_intrinsics_are_read_as_cloudformation_reads_them(
    control_tower: Path,
) -> None:
    """`!GetAtt Bucket.Arn` is [Bucket, Arn] to CloudFormation; CT.S3.PR.8 matches that form."""
    policy = """  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: '*'
            Action: ['s3:*']
            Resource: [!GetAtt Bucket.Arn, !Join ['', [!GetAtt Bucket.Arn, /*]]]
            Condition: {Bool: {'aws:SecureTransport': 'false'}}
"""
    result = _one(control_tower, _bucket("Bucket") + policy)
    assert "CT.S3.PR.8" in result.passed
    assert not [finding for finding in result.failures if finding.startswith("CT.S3.PR.8")]


def test_check_command_refuses_a_missing_rule_pack(tmp_path: Path) -> None:
    argv = ["check", "--templates", str(REPO_ROOT / "templates")]
    assert main([*argv, "--control-tower", str(tmp_path / "missing")]) == EXIT_BAD_INPUT
