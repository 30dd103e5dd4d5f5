"""The bootstrap template (artifact bucket, launch role), its deploy logic and its CLI."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from portfolio.bootstrap.launch_role import (
    MANAGED_POLICY_MAX_CHARS,
    MAX_ATTACHED_POLICIES,
    PRODUCT_KMS_ALIAS_PREFIX,
    PRODUCT_ROLE_PATH,
    RESOURCE_TYPE_GRANTS,
    Grant,
    product_resources,
)
from portfolio.bootstrap.stack_deployment import (
    TEMPLATE_BODY_MAX_BYTES,
    Polling,
    StackDeploymentFailed,
)
from portfolio.bootstrap.template import (
    build_bootstrap,
    deploy_bootstrap,
    render_bootstrap_template,
)
from portfolio.cli import main
from products.catalog import ProductSpec
from products.errors import GeneratorOptionError
from products.template_gates import cfn_lint_findings
from tests.support.paths import REPO_ROOT

STACK = "signed-urls-portfolio-bootstrap"
NO_WAIT = Polling(delay=0, attempts=2)


@pytest.fixture(scope="module")
def bootstrap() -> dict[str, Any]:
    return build_bootstrap().template.to_dict()


def _resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def _launch_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(policy logical id, statement) for every launch role permission."""
    return [
        (name, statement)
        for name, policy in _resources_of(template, "AWS::IAM::ManagedPolicy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- what the IAM service authorization reference and CloudFormation handlers say ----------


@cache
def _iam_reference() -> dict[str, Any]:
    """cfn-lint's copy of the service authorization reference: action -> resource types."""
    path = resources.files("cfnlint.data.AdditionalSpecs") / "Policies.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _resource_types_of(action: str) -> list[str] | None:
    """Resource types an action accepts ([] = none, only '*'); None = no such action."""
    service, name = action.split(":")
    entry = _iam_reference().get(service, {}).get("Actions", {}).get(name.lower())
    return None if entry is None else entry.get("Resources", [])


@cache
def _handler_permissions(resource_type: str) -> set[str]:
    """Every permission CloudFormation's handlers for ``resource_type`` declare."""
    schemas = resources.files("cfnlint.data.schemas")
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    schema = json.loads(
        (schemas / "resources" / f"{index[resource_type]}.json").read_text(encoding="utf-8")
    )
    permissions = set(schema.get("tagging", {}).get("permissions", []))
    for handler in schema.get("handlers", {}).values():
        permissions |= set(handler.get("permissions", []))
    return permissions


#: Actions a type needs that its own handlers do not declare, and why.
CROSS_SERVICE_NEEDS = {
    ("AWS::SecretsManager::Secret", "kms:GenerateDataKey"): "encrypt the value with the key",
    ("AWS::SecretsManager::Secret", "kms:Decrypt"): "read back the value on update",
    ("AWS::CloudFront::Distribution", "s3:GetBucketAcl"): "standard logging bucket ACL",
    ("AWS::CloudFront::Distribution", "s3:PutBucketAcl"): "standard logging bucket ACL",
    ("AWS::CloudFront::Distribution", "wafv2:GetWebACL"): "optional WAF web ACL",
}


# --- the artifact bucket ----------------------------------------------------------------------


def test_artifact_bucket_is_private_encrypted_and_versioned(bootstrap: dict[str, Any]) -> None:
    bucket = bootstrap["Resources"]["ArtifactBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_artifact_bucket_expires_noncurrent_versions(bootstrap: dict[str, Any]) -> None:
    [rule] = bootstrap["Resources"]["ArtifactBucket"]["Properties"]["LifecycleConfiguration"][
        "Rules"
    ]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "NoncurrentVersionExpirationDays"}
    }
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0
    days = bootstrap["Parameters"]["NoncurrentVersionExpirationDays"]
    assert days["MinValue"] >= 1 and days["Default"] >= days["MinValue"]


def test_artifact_bucket_survives_stack_deletion(bootstrap: dict[str, Any]) -> None:
    bucket = bootstrap["Resources"]["ArtifactBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"


def test_artifact_bucket_policy_only_denies_plain_http_and_old_tls(
    bootstrap: dict[str, Any],
) -> None:
    policy = bootstrap["Resources"]["ArtifactBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ArtifactBucket"}
    statements = policy["PolicyDocument"]["Statement"]
    assert {statement["Effect"] for statement in statements} == {"Deny"}, (
        "Service Catalog reads templates with the publisher's credentials: no Allow needed"
    )
    conditions = [statement["Condition"] for statement in statements]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": "1.2"}} in conditions
    for statement in statements:
        assert statement["Principal"] == "*"
        assert statement["Action"] == ["s3:*"]
        assert statement["Resource"] == [
            {"Fn::GetAtt": ["ArtifactBucket", "Arn"]},
            {"Fn::Sub": "${ArtifactBucket.Arn}/*"},
        ]


# --- the launch role --------------------------------------------------------------------------


def test_launch_role_is_assumed_only_by_service_catalog(bootstrap: dict[str, Any]) -> None:
    trust = bootstrap["Resources"]["LaunchRole"]["Properties"]["AssumeRolePolicyDocument"]
    condition_name, restricted, open_trust = trust["Fn::If"]
    assert bootstrap["Conditions"][condition_name] == {
        "Fn::Equals": [{"Ref": "TrustSourceAccountOnly"}, "true"]
    }
    for document in (restricted, open_trust):
        [statement] = document["Statement"]
        assert statement["Principal"] == {"Service": "servicecatalog.amazonaws.com"}
        assert statement["Action"] == ["sts:AssumeRole"]
        assert statement["Effect"] == "Allow"
    assert restricted["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    assert "Condition" not in open_trust["Statement"][0]


def test_outputs_name_the_bucket_and_the_role(bootstrap: dict[str, Any]) -> None:
    outputs = bootstrap["Outputs"]
    assert outputs["ArtifactBucketName"]["Value"] == {"Ref": "ArtifactBucket"}
    assert outputs["LaunchRoleArn"]["Value"] == {"Fn::GetAtt": ["LaunchRole", "Arn"]}
    assert outputs["LaunchRoleName"]["Value"] == {"Ref": "LaunchRole"}


def test_every_managed_policy_is_attached_to_the_launch_role(bootstrap: dict[str, Any]) -> None:
    policies = _resources_of(bootstrap, "AWS::IAM::ManagedPolicy")
    assert 1 <= len(policies) <= MAX_ATTACHED_POLICIES
    for policy in policies.values():
        assert policy["Properties"]["Roles"] == [{"Ref": "LaunchRole"}]
    assert not _resources_of(bootstrap, "AWS::IAM::Policy")
    assert "Policies" not in bootstrap["Resources"]["LaunchRole"]["Properties"]


def test_managed_policies_fit_the_iam_size_quota(bootstrap: dict[str, Any]) -> None:
    for name, policy in _resources_of(bootstrap, "AWS::IAM::ManagedPolicy").items():
        document = json.dumps(policy["Properties"]["PolicyDocument"], separators=(",", ":"))
        assert len(document) <= MANAGED_POLICY_MAX_CHARS, name


def test_template_fits_in_a_template_body() -> None:
    assert len(render_bootstrap_template().encode("utf-8")) <= TEMPLATE_BODY_MAX_BYTES


def test_no_action_is_a_wildcard_except_cloudformation_on_service_catalog_stacks(
    bootstrap: dict[str, Any],
) -> None:
    for _, statement in _launch_statements(bootstrap):
        for action in _as_list(statement["Action"]):
            assert action != "*"
            if action.endswith("*"):
                assert action == "cloudformation:*", statement["Sid"]
                assert statement["Resource"] == [
                    {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:"
                        "${AWS::AccountId}:stack/SC-*"
                    }
                ]


def test_every_statement_allows_and_every_action_exists(bootstrap: dict[str, Any]) -> None:
    for _, statement in _launch_statements(bootstrap):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            if action != "cloudformation:*":
                assert _resource_types_of(action) is not None, f"{action}: no such IAM action"


def test_resource_star_only_where_no_resource_can_be_named(bootstrap: dict[str, Any]) -> None:
    """'*' only for actions that accept no resource ARN, or with a condition that scopes it."""
    justified_with_condition = {"s3:GetObject"}  # Service Catalog's tagged template copies
    for policy, statement in _launch_statements(bootstrap):
        if "*" not in statement["Resource"]:
            continue
        assert statement["Resource"] == ["*"], statement["Sid"]
        for action in _as_list(statement["Action"]):
            if action in justified_with_condition:
                assert statement["Condition"] == {
                    "StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}
                }
            elif action != "cloudformation:GetTemplateSummary":  # '*' when given a template
                assert _resource_types_of(action) == [], f"{action} can be scoped"
        skips = bootstrap["Resources"][policy]["Metadata"]["checkov"]["skip"]
        assert all(skip["comment"].strip() for skip in skips)


def test_scoped_actions_accept_resource_arns(bootstrap: dict[str, Any]) -> None:
    """An action without resource-level permissions on an ARN would silently never match."""
    for _, statement in _launch_statements(bootstrap):
        if "*" in statement["Resource"]:
            continue
        for action in _as_list(statement["Action"]):
            if action != "cloudformation:*":
                assert _resource_types_of(action), f"{action} accepts no resource ARN"


def test_scoped_statements_stay_in_this_account(bootstrap: dict[str, Any]) -> None:
    for _, statement in _launch_statements(bootstrap):
        for resource in statement["Resource"]:
            if resource == "*":
                continue
            arn = resource["Fn::Sub"]
            if arn.startswith("arn:${AWS::Partition}:s3:::"):
                bucket = arn.removeprefix("arn:${AWS::Partition}:s3:::")
                assert bucket.startswith("sc-${AWS::AccountId}-pp-") or statement.get(
                    "Condition"
                ) == {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}, arn
            elif arn.startswith("arn:${AWS::Partition}:route53:::"):
                continue  # hosted zones and changes carry no account in their ARN
            elif not arn.startswith("${ArtifactBucket.Arn}"):
                assert "${AWS::AccountId}" in arn, arn


def test_iam_writes_and_pass_role_are_limited_to_the_product_role_path(
    bootstrap: dict[str, Any],
) -> None:
    for _, statement in _launch_statements(bootstrap):
        iam_actions = [a for a in _as_list(statement["Action"]) if a.startswith("iam:")]
        if not iam_actions:
            continue
        for resource in statement["Resource"]:
            assert f":role{PRODUCT_ROLE_PATH}*" in resource["Fn::Sub"] or (
                f":instance-profile{PRODUCT_ROLE_PATH}*" in resource["Fn::Sub"]
            ), statement["Sid"]
    [pass_role] = [
        statement
        for _, statement in _launch_statements(bootstrap)
        if "iam:PassRole" in statement["Action"]
    ]
    services = pass_role["Condition"]["StringEqualsIfExists"]["iam:PassedToService"]
    assert "lambda.amazonaws.com" in services
    assert "cloudformation.amazonaws.com" not in services


def test_launch_role_reads_templates_from_the_artifact_bucket(bootstrap: dict[str, Any]) -> None:
    reads = [
        statement
        for _, statement in _launch_statements(bootstrap)
        if statement["Action"] == ["s3:GetObject"] and "*" not in statement["Resource"]
    ]
    assert [statement["Resource"] for statement in reads] == [
        [{"Fn::Sub": "${ArtifactBucket.Arn}/*"}]
    ]


def test_dns_changes_are_limited_to_the_record_types_products_declare() -> None:
    template = {
        "Resources": {
            "Record": {"Type": "AWS::Route53::RecordSet", "Properties": {"Type": "A"}},
        }
    }
    data = build_bootstrap({"dns": template}).template.to_dict()
    [changes] = [
        statement
        for _, statement in _launch_statements(data)
        if statement["Sid"] == "Route53RecordSetChanges"
    ]
    assert changes["Action"] == ["route53:ChangeResourceRecordSets"]
    assert changes["Condition"] == {
        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["A"]}
    }


def test_record_type_from_a_parameter_is_refused() -> None:
    template = {
        "Resources": {
            "Record": {"Type": "AWS::Route53::RecordSet", "Properties": {"Type": {"Ref": "T"}}}
        }
    }
    with pytest.raises(GeneratorOptionError, match="record set Record needs a literal Type"):
        product_resources([template])


def test_unknown_resource_type_fails_naming_the_type() -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    with pytest.raises(GeneratorOptionError, match=r"resource type AWS::SNS::Topic"):
        build_bootstrap({"sns": template})


def test_grant_on_any_resource_needs_a_reason() -> None:
    with pytest.raises(GeneratorOptionError, match="s3:ListAllMyBuckets: Resource '\\*'"):
        Grant(("s3:ListAllMyBuckets",), ("*",))


def test_only_needed_types_get_permissions() -> None:
    template = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}}
    data = build_bootstrap({"table": template}).template.to_dict()
    actions = {
        action
        for _, statement in _launch_statements(data)
        for action in _as_list(statement["Action"])
    }
    assert "dynamodb:CreateTable" in actions
    assert not {action for action in actions if action.split(":")[0] in ("cloudfront", "lambda")}
    assert "iam:PassRole" not in actions


@pytest.mark.parametrize(
    "resource_type", sorted(name for name in RESOURCE_TYPE_GRANTS if name.startswith("AWS::"))
)
def test_table_actions_are_what_cloudformation_handlers_declare(resource_type: str) -> None:
    declared = _handler_permissions(resource_type)
    for grant in RESOURCE_TYPE_GRANTS[resource_type]:
        for action in grant.actions:
            assert action in declared or (resource_type, action) in CROSS_SERVICE_NEEDS, (
                f"{resource_type}: {action} is not in its handler permissions"
            )


# --- every product is covered -----------------------------------------------------------------


def test_every_product_resource_type_is_mapped(product_spec: ProductSpec) -> None:
    template = product_spec.build().template.to_dict()
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert types - RESOURCE_TYPE_GRANTS.keys() == set()


def test_product_roles_live_under_the_launch_role_path(product_spec: ProductSpec) -> None:
    """The launch role may only create roles and instance profiles under /signed-urls/."""
    template = product_spec.build().template.to_dict()
    for name, resource in template["Resources"].items():
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::InstanceProfile"):
            assert resource["Properties"].get("Path") == PRODUCT_ROLE_PATH, name
            assert "RoleName" not in resource["Properties"], name


def test_products_leave_scoped_names_to_cloudformation(product_spec: ProductSpec) -> None:
    """Buckets, functions and log groups are scoped to names CloudFormation derives from SC-*."""
    template = product_spec.build().template.to_dict()
    named = {
        "AWS::S3::Bucket": "BucketName",
        "AWS::Lambda::Function": "FunctionName",
        "AWS::Logs::LogGroup": "LogGroupName",
    }
    for name, resource in template["Resources"].items():
        name_property = named.get(resource["Type"])
        if name_property:
            assert name_property not in resource.get("Properties", {}), name


def test_product_kms_aliases_use_the_scoped_prefix(product_spec: ProductSpec) -> None:
    template = product_spec.build().template.to_dict()
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::KMS::Alias":
            alias = resource["Properties"]["AliasName"]
            text = alias["Fn::Sub"] if isinstance(alias, dict) else alias
            assert text.startswith(PRODUCT_KMS_ALIAS_PREFIX), name


# --- gates ------------------------------------------------------------------------------------


def test_cfn_lint_reports_nothing() -> None:
    assert cfn_lint_findings(render_bootstrap_template()) == []


def _checkov() -> Path | None:
    configured = os.environ.get("CHECKOV") or str(REPO_ROOT / ".venv-checkov/bin/checkov")
    found = shutil.which(configured)
    return Path(found) if found else None


def test_checkov_finds_no_unjustified_failure(tmp_path: Path) -> None:
    checkov = _checkov()
    if checkov is None:
        if os.environ.get("CI"):
            pytest.fail("checkov is missing: `make test` installs it into .venv-checkov")
        pytest.skip("checkov not installed (run `make test`, which sets up .venv-checkov)")
    (tmp_path / "bootstrap.yaml").write_text(render_bootstrap_template(), encoding="utf-8")
    scan = ["-d", str(tmp_path), "--framework", "cloudformation", "--skip-download"]
    completed = subprocess.run(
        [str(checkov), *scan, "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(completed.stdout)
    results = report["results"]
    assert [check["check_id"] for check in results["failed_checks"]] == []
    assert results["passed_checks"], "checkov ran no check"
    for check in results["skipped_checks"]:
        comment = check["check_result"].get("suppress_comment", "")
        assert comment.strip() and comment != "No comment provided", check["check_id"]


# --- deploy logic (botocore Stubber: exact calls, no network) ---------------------------------


@pytest.fixture
def cloudformation() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _missing(stubber: Stubber) -> None:
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {STACK} does not exist",
        expected_params={"StackName": STACK},
    )


def _stack(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": STACK,
                "StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/1",
                "CreationTime": datetime.datetime(2025, 1, 1),
                "StackStatus": status,
                **extra,
            }
        ]
    }


def _event(logical_id: str, status: str, reason: str = "") -> dict[str, Any]:
    event = {
        "StackId": "id",
        "EventId": f"{logical_id}-{status}",
        "StackName": STACK,
        "LogicalResourceId": logical_id,
        "Timestamp": datetime.datetime(2025, 1, 1),
        "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def test_failed_creation_is_one_line_with_the_stack_and_resource_reasons(
    cloudformation: Any,
) -> None:
    stubber = Stubber(cloudformation)
    _missing(stubber)
    stubber.add_response("create_stack", {"StackId": "id"}, {"StackName": STACK} | _any_create())
    failed = _stack("ROLLBACK_COMPLETE", StackStatusReason="The following resource(s) failed")
    stubber.add_response("describe_stacks", failed, {"StackName": STACK})  # waiter: failure
    stubber.add_response("describe_stacks", failed, {"StackName": STACK})  # failure line
    events = [
        _event(STACK, "ROLLBACK_COMPLETE"),
        _event("LaunchRole", "CREATE_FAILED", "Resource creation cancelled"),
        _event("ArtifactBucket", "CREATE_FAILED", "Access Denied\nfor s3:CreateBucket"),
        _event(STACK, "CREATE_IN_PROGRESS", "User Initiated"),
        _event("Old", "UPDATE_FAILED", "from an earlier operation"),
    ]
    stubber.add_response("describe_stack_events", {"StackEvents": events}, {"StackName": STACK})
    with stubber, pytest.raises(StackDeploymentFailed) as failure:
        deploy_bootstrap(cloudformation, polling=NO_WAIT)
    message = str(failure.value)
    assert "\n" not in message
    assert message == (
        f"stack {STACK} ROLLBACK_COMPLETE: The following resource(s) failed; "
        "ArtifactBucket: Access Denied for s3:CreateBucket"
    )


def _any_create() -> dict[str, Any]:
    return {
        "TemplateBody": ANY,
        "Parameters": ANY,
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": ANY,
        "OnFailure": "ROLLBACK",
    }


def _any_update() -> dict[str, Any]:
    return {"TemplateBody": ANY, "Parameters": ANY, "Capabilities": ANY, "Tags": ANY}


def test_no_updates_to_perform_counts_as_unchanged(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    outputs = [{"OutputKey": "LaunchRoleName", "OutputValue": "role"}]
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE"), {"StackName": STACK})
    stubber.add_response(
        "get_template",
        {"TemplateBody": "an older rendering"},
        {"StackName": STACK, "TemplateStage": "Original"},
    )
    stubber.add_client_error(
        "update_stack",
        service_error_code="ValidationError",
        service_message="No updates are to be performed.",
        expected_params={"StackName": STACK} | _any_update(),
    )
    stubber.add_response(
        "describe_stacks", _stack("CREATE_COMPLETE", Outputs=outputs), {"StackName": STACK}
    )
    reported: list[str] = []
    with stubber:
        result = deploy_bootstrap(cloudformation, polling=NO_WAIT, report=reported.append)
    assert result == {"LaunchRoleName": "role"}
    assert reported == [f"{STACK}: unchanged"]
    stubber.assert_no_pending_responses()


def test_busy_stack_is_refused_without_changes(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    stubber.add_response("describe_stacks", _stack("UPDATE_IN_PROGRESS"), {"StackName": STACK})
    with stubber, pytest.raises(StackDeploymentFailed, match="busy \\(UPDATE_IN_PROGRESS\\)"):
        deploy_bootstrap(cloudformation, polling=NO_WAIT)
    stubber.assert_no_pending_responses()


def test_stack_left_by_a_failed_creation_is_replaced(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    stubber.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"), {"StackName": STACK})
    stubber.add_response("delete_stack", {}, {"StackName": STACK})
    stubber.add_response("describe_stacks", _stack("DELETE_COMPLETE"), {"StackName": STACK})
    stubber.add_response("create_stack", {"StackId": "id"}, {"StackName": STACK} | _any_create())
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE"), {"StackName": STACK})
    stubber.add_response("describe_stacks", _stack("CREATE_COMPLETE"), {"StackName": STACK})
    reported: list[str] = []
    with stubber:
        deploy_bootstrap(cloudformation, polling=NO_WAIT, report=reported.append)
    assert reported[-1] == f"{STACK}: created"
    stubber.assert_no_pending_responses()


def test_polling_is_bounded(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    _missing(stubber)
    stubber.add_response("create_stack", {"StackId": "id"}, {"StackName": STACK} | _any_create())
    for _ in range(NO_WAIT.attempts + 1):
        stubber.add_response("describe_stacks", _stack("CREATE_IN_PROGRESS"), {"StackName": STACK})
    with stubber, pytest.raises(StackDeploymentFailed, match="still CREATE_IN_PROGRESS"):
        deploy_bootstrap(cloudformation, polling=NO_WAIT)


def test_aws_error_is_one_line_naming_the_stack(cloudformation: Any) -> None:
    stubber = Stubber(cloudformation)
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="AccessDenied",
        service_message="User is not authorized\nto perform cloudformation:DescribeStacks",
    )
    with stubber, pytest.raises(StackDeploymentFailed) as failure:
        deploy_bootstrap(cloudformation, polling=NO_WAIT)
    assert str(failure.value) == (
        f"stack {STACK}: User is not authorized to perform cloudformation:DescribeStacks"
    )


# --- CLI bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--region", "us-east"], "--region 'us-east'"),
        (["--region", "us-east-1,Mars"], "--region 'Mars'"),
        (["--region", "us-east-1", "--stack-name", "1-starts-with-digit"], "--stack-name"),
        (["--region", "us-east-1", "--stack-name", "has_underscore"], "--stack-name"),
        (["--region", "us-east-1", "--endpoint-url", "localhost:5000"], "--endpoint-url"),
        (["--region", "us-east-1", "--access-log-bucket", "Not_A_Bucket"], "--access-log-bucket"),
        (["--region", "us-east-1", "--profile", "no-such-profile-xyz"], "--profile"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag(
    argv: list[str],
    flag: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    assert main(["bootstrap", *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"portfolio bootstrap: error: {flag}")


def test_missing_region_is_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["bootstrap"]) == 2
    assert capsys.readouterr().err.startswith("portfolio bootstrap: error: --region: required")
