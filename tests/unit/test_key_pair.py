"""Key pair product: the template's security properties, the inlined function, option errors."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from products import key_pair_function
from products.errors import GeneratorOptionError
from products.key_pair import (
    FUNCTION_SOURCE,
    HAS_KEY_GROUP_COMMENT,
    HAS_KEY_GROUP_NAME,
    ZIP_FILE_MAX_BYTES,
    KeyPairOptions,
    build,
)
from products.secret import KEY_PAIR_SPECS as SECRET_KEY_POLICY_SPECS


def template(options: KeyPairOptions | None = None) -> dict[str, Any]:
    return build(options).template.to_dict()


def resources(options: KeyPairOptions | None = None) -> dict[str, Any]:
    return template(options)["Resources"]


def properties(logical_id: str, options: KeyPairOptions | None = None) -> dict[str, Any]:
    return resources(options)[logical_id]["Properties"]


def statements() -> dict[str, dict[str, Any]]:
    [policy] = properties("KeyPairFunctionRole")["Policies"]
    return {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}


# --- the function ----------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """Reads the rendered YAML; intrinsic-function tags are irrelevant here."""


_TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_template_inlines_exactly_the_source_the_tests_import() -> None:
    rendered = yaml.load(build().to_yaml(), Loader=_TemplateLoader)
    inlined = rendered["Resources"]["KeyPairFunction"]["Properties"]["Code"]["ZipFile"]
    assert inlined == Path(key_pair_function.__file__).read_text(encoding="utf-8")
    assert Path(key_pair_function.__file__) == FUNCTION_SOURCE


def test_function_runtime_and_limits() -> None:
    function = properties("KeyPairFunction")
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "index.handler"
    assert function["Timeout"] == 60
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "KeyPairFunctionLogGroup"}}
    assert function["Role"] == {"Fn::GetAtt": ["KeyPairFunctionRole", "Arn"]}
    assert "Environment" not in function


def test_function_has_its_own_log_group_with_retention() -> None:
    log_group = properties("KeyPairFunctionLogGroup", KeyPairOptions(log_retention_days=731))
    assert log_group == {"RetentionInDays": 731}


def test_async_retries_are_off_before_the_first_event() -> None:
    invoke_config = properties("KeyPairFunctionInvokeConfig")
    assert invoke_config["MaximumRetryAttempts"] == 0
    assert invoke_config["Qualifier"] == "$LATEST"
    assert invoke_config["MaximumEventAgeInSeconds"] <= properties("KeyPair")["ServiceTimeout"]
    assert resources()["KeyPair"]["DependsOn"] == ["KeyPairFunctionInvokeConfig"]


def test_handler_module_imports_only_boto3_and_the_standard_library() -> None:
    tree = ast.parse(FUNCTION_SOURCE.read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"boto3"}


# --- the custom resource and key group -------------------------------------------------------


def test_custom_resource_passes_what_decides_rotation() -> None:
    resource = resources()["KeyPair"]
    assert resource["Type"] == "Custom::SigningKeyPair"
    assert resource["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": ["KeyPairFunction", "Arn"]},
        "ServiceTimeout": 600,
        "SecretArn": {"Ref": "SecretArn"},
        "KmsKeyArn": {"Ref": "KmsKeyArn"},
        "KeyAlgorithm": {"Ref": "KeyAlgorithm"},
        "RotationToken": {"Ref": "RotationToken"},
    }


def test_key_group_lists_the_attribute_split_into_ids() -> None:
    config = properties("KeyPairKeyGroup")["KeyGroupConfig"]
    assert config["Items"] == {"Fn::Split": [",", {"Fn::GetAtt": ["KeyPair", "KeyGroupItems"]}]}
    assert config["Name"]["Fn::If"][0] == HAS_KEY_GROUP_NAME
    assert config["Comment"] == {
        "Fn::If": [HAS_KEY_GROUP_COMMENT, {"Ref": "KeyGroupComment"}, {"Ref": "AWS::NoValue"}]
    }


def test_outputs_wire_the_next_products() -> None:
    outputs = template()["Outputs"]
    assert outputs["PublicKeyId"]["Value"] == {"Fn::GetAtt": ["KeyPair", "PublicKeyId"]}
    assert outputs["KeyGroupId"]["Value"] == {"Ref": "KeyPairKeyGroup"}
    assert outputs["SecretArn"]["Value"] == {"Ref": "SecretArn"}


def test_key_algorithm_parameter_matches_the_function() -> None:
    parameter = template()["Parameters"]["KeyAlgorithm"]
    assert parameter["Default"] == "RSA_2048"
    assert parameter["AllowedValues"] == ["RSA_2048", "ECDSA_P256"]
    assert set(parameter["AllowedValues"]) == set(key_pair_function.KEY_PAIR_SPECS)
    assert set(key_pair_function.KEY_PAIR_SPECS.values()) == set(SECRET_KEY_POLICY_SPECS)


# --- the role --------------------------------------------------------------------------------


def test_role_is_assumable_by_lambda_only_and_has_no_managed_policies() -> None:
    role = properties("KeyPairFunctionRole")
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert "ManagedPolicyArns" not in role
    assert role["Path"] == "/signed-urls/", "the launch role may only create roles under it"
    assert "RoleName" not in role


def test_role_allows_exactly_the_calls_the_function_makes() -> None:
    actions = {sid: sorted(statement["Action"]) for sid, statement in statements().items()}
    assert actions == {
        "GenerateSigningKeyPairs": ["kms:GenerateDataKeyPair"],
        "ReadAndWriteTheSigningSecret": [
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
        ],
        "UseTheKeyForThisSecretThroughSecretsManager": ["kms:Decrypt", "kms:GenerateDataKey"],
        "ManageCloudFrontPublicKeys": [
            "cloudfront:CreatePublicKey",
            "cloudfront:DeletePublicKey",
            "cloudfront:GetPublicKey",
            "cloudfront:ListPublicKeys",
        ],
        "ReadOwnStackStatus": ["cloudformation:DescribeStacks"],
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
    }
    assert all(statement["Effect"] == "Allow" for statement in statements().values())


def test_role_names_its_resources_except_where_iam_cannot() -> None:
    by_sid = statements()
    assert by_sid["GenerateSigningKeyPairs"]["Resource"] == [{"Ref": "KmsKeyArn"}]
    assert by_sid["ReadAndWriteTheSigningSecret"]["Resource"] == [{"Ref": "SecretArn"}]
    assert by_sid["UseTheKeyForThisSecretThroughSecretsManager"]["Resource"] == [
        {"Ref": "KmsKeyArn"}
    ]
    assert by_sid["ReadOwnStackStatus"]["Resource"] == [{"Ref": "AWS::StackId"}]
    assert by_sid["WriteOwnLogs"]["Resource"] == [
        {"Fn::GetAtt": ["KeyPairFunctionLogGroup", "Arn"]}
    ]
    wildcard = [sid for sid, statement in by_sid.items() if "*" in statement["Resource"]]
    assert wildcard == ["ManageCloudFrontPublicKeys"]


def test_key_is_used_for_this_secret_only_and_only_through_secrets_manager() -> None:
    by_sid = statements()
    assert by_sid["UseTheKeyForThisSecretThroughSecretsManager"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"},
            "kms:EncryptionContext:SecretARN": {"Ref": "SecretArn"},
        }
    }
    assert by_sid["GenerateSigningKeyPairs"]["Condition"] == {
        "StringEquals": {"kms:DataKeyPairSpec": ["RSA_2048", "ECC_NIST_P256"]}
    }


def test_every_checkov_skip_has_a_reason() -> None:
    for name, resource in resources().items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip["comment"]) > 40, (name, skip)


# --- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"log_retention_days": 10}, "key_pair: log_retention_days (10) must be one of 1, 3,"),
        ({"function_timeout_seconds": 20}, "key_pair: function_timeout_seconds (20) must be"),
        ({"function_timeout_seconds": 901}, "key_pair: function_timeout_seconds (901) must be"),
        (
            {"function_timeout_seconds": 300, "service_timeout_seconds": 300},
            "key_pair: service_timeout_seconds (300) must be above function_timeout_seconds "
            "(300) and at most 3600",
        ),
        ({"service_timeout_seconds": 3601}, "key_pair: service_timeout_seconds (3601) must be"),
        ({"reserved_concurrency": 0}, "key_pair: reserved_concurrency (0) must be between 1"),
        ({"role_path": "signed-urls/"}, "key_pair: role_path ('signed-urls/') must be '/' or"),
        ({"role_path": "/a b/"}, "key_pair: role_path ('/a b/') must be '/' or"),
    ],
)
def test_impossible_options_are_rejected_naming_the_option(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(GeneratorOptionError) as raised:
        KeyPairOptions(**options)
    assert str(raised.value).startswith(message)


def test_options_reach_the_template() -> None:
    options = KeyPairOptions(
        log_retention_days=90,
        function_timeout_seconds=120,
        service_timeout_seconds=900,
        reserved_concurrency=2,
        role_path="/teams/media/",
    )
    function = properties("KeyPairFunction", options)
    assert (function["Timeout"], function["ReservedConcurrentExecutions"]) == (120, 2)
    assert properties("KeyPair", options)["ServiceTimeout"] == 900
    assert properties("KeyPairFunctionLogGroup", options)["RetentionInDays"] == 90
    assert properties("KeyPairFunctionRole", options)["Path"] == "/teams/media/"


def test_source_over_the_inline_limit_fails_the_build(tmp_path: Path) -> None:
    source = tmp_path / "big_function.py"
    source.write_bytes(b"#" * (ZIP_FILE_MAX_BYTES + 1))
    with pytest.raises(GeneratorOptionError) as raised:
        build(KeyPairOptions(function_source=source))
    assert str(raised.value) == (
        f"key_pair: function_source {source} is {ZIP_FILE_MAX_BYTES + 1} bytes; CloudFormation "
        f"inlines at most {ZIP_FILE_MAX_BYTES} bytes (Code.ZipFile 4 MB limit)"
    )


def test_source_at_the_inline_limit_builds(tmp_path: Path) -> None:
    source = tmp_path / "exact_function.py"
    source.write_bytes(b"#" * ZIP_FILE_MAX_BYTES)
    assert properties("KeyPairFunction", KeyPairOptions(function_source=source))["Code"] == {
        "ZipFile": "#" * ZIP_FILE_MAX_BYTES
    }


def test_missing_source_fails_the_build_naming_the_option(tmp_path: Path) -> None:
    with pytest.raises(GeneratorOptionError, match=r"^key_pair: function_source .*missing\.py"):
        build(KeyPairOptions(function_source=tmp_path / "missing.py"))


# --- the function's pure pieces --------------------------------------------------------------


def test_pem_wraps_der_in_64_character_lines() -> None:
    text = key_pair_function.pem("PUBLIC KEY", bytes(range(100)))
    lines = text.splitlines()
    assert lines[0] == "-----BEGIN PUBLIC KEY-----"
    assert lines[-1] == "-----END PUBLIC KEY-----"
    assert [len(line) for line in lines[1:-1]] == [64, 64, 8]
    assert text.endswith("\n")


def test_key_group_items_never_hold_an_empty_entry() -> None:
    first = key_pair_function.Outcome("K1", None, "RSA_2048")
    rotated = key_pair_function.Outcome("K2", "K1", "RSA_2048")
    assert first.data()["KeyGroupItems"].split(",") == ["K1"]
    assert rotated.data()["KeyGroupItems"].split(",") == ["K2", "K1"]
