"""Declaring a Control Tower control not applicable, and how the gate reads its reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from troposphere.s3 import Bucket

from products.building_blocks.checkov import skip_checkov
from products.building_blocks.control_tower import declare_not_applicable
from products.catalog import ProductSpec
from products.gates.control_tower import (
    RulePackMissing,
    cfn_guard_binary,
    declarations,
    failing_resources,
    load_controls,
    parse_template,
)


def test_declaration_sits_beside_checkov_skips_sorted_by_control() -> None:
    bucket = skip_checkov(Bucket("Bucket"), "CKV_AWS_18", "logs elsewhere")
    declare_not_applicable(bucket, "CT.S3.PR.9", "must stay deletable")
    declare_not_applicable(bucket, "CT.S3.PR.10", "SSE-S3 on purpose")
    assert bucket.to_dict()["Metadata"] == {
        "checkov": {"skip": [{"id": "CKV_AWS_18", "comment": "logs elsewhere"}]},
        "guard": {
            "SuppressedRules": [
                {"id": "CT.S3.PR.10", "comment": "SSE-S3 on purpose"},
                {"id": "CT.S3.PR.9", "comment": "must stay deletable"},
            ]
        },
    }


def test_declaration_needs_a_reason() -> None:
    with pytest.raises(ValueError, match=r"CT\.S3\.PR\.9: a declaration needs a reason"):
        declare_not_applicable(Bucket("Bucket"), "CT.S3.PR.9", "  ")


@pytest.mark.parametrize("control_id", ["CKV_AWS_18", "CT.S3.9", "ct.s3.pr.9", "CT.S3.PR.9 "])
def test_declaration_needs_a_control_id(control_id: str) -> None:
    with pytest.raises(ValueError, match="not a proactive control ID"):
        declare_not_applicable(Bucket("Bucket"), control_id, "reason")


def test_gate_reads_every_declaration_and_a_bare_id_has_no_reason() -> None:
    template = parse_template(
        "Resources:\n"
        "  A:\n    Type: AWS::S3::Bucket\n    Metadata:\n      guard:\n        SuppressedRules:\n"
        "          - id: CT.S3.PR.9\n            comment: ' deletable '\n"
        "          - CT.S3.PR.10\n"
        "  B:\n    Type: AWS::S3::Bucket\n    Metadata:\n      checkov: {skip: []}\n"
    )
    assert declarations(template) == {("A", "CT.S3.PR.9"): "deletable", ("A", "CT.S3.PR.10"): ""}


def test_short_form_get_att_reads_as_a_list() -> None:
    template = parse_template("Outputs:\n  Arn:\n    Value: !GetAtt Bucket.Arn\n")
    assert template["Outputs"]["Arn"]["Value"] == {"Fn::GetAtt": ["Bucket", "Arn"]}


def test_failing_resources_come_from_the_paths_cfn_guard_reports() -> None:
    report = {
        "not_compliant": [
            {
                "Rule": {
                    "checks": [
                        {"Clause": {"check": {"from": {"path": "/Resources/Policy/Properties"}}}},
                        {"Clause": {"check": {"to": {"path": ""}}}},
                        {"Clause": {"traversed_to": {"path": "/Resources/Bucket"}}},
                        {"Clause": {"traversed_to": {"path": "/Resources"}}},
                    ]
                }
            }
        ]
    }
    assert failing_resources(report) == {"Policy", "Bucket"}


def test_generated_declarations_all_carry_a_reason(product_spec: ProductSpec) -> None:
    template = product_spec.build().template.to_dict()
    for (resource, control_id), reason in declarations(template).items():
        assert len(reason) > 40, f"{resource} {control_id}: {reason!r}"


def test_a_directory_without_the_rule_pack_is_refused(tmp_path: Path) -> None:
    """Without rules every template would pass: an empty pack is an error, not a clean run."""
    with pytest.raises(RulePackMissing, match="no rules/control-tower/metadata"):
        load_controls(tmp_path)
    with pytest.raises(RulePackMissing, match="cfn-guard"):
        cfn_guard_binary(tmp_path)
