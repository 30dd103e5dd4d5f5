"""Key pair product: the template's security properties, the inlined function, option errors."""

from __future__ import annotations

import ast
import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from products.building_blocks.errors import GeneratorOptionError
from products.key_pair import function as key_pair_function
from products.key_pair.function import (
    MAX_RESPONSE_BYTES,
    RESPONSE_SAFETY_MARGIN_MS,
    STEP_BUDGET_MS,
    response_body,
)
from products.key_pair.template import (
    FUNCTION_SOURCE,
    HAS_KEY_GROUP_COMMENT,
    HAS_KEY_GROUP_NAME,
    MIN_FUNCTION_TIMEOUT,
    RESERVES_CONCURRENCY,
    TEMPLATE_URL_MAX_BYTES,
    ZIP_FILE_MAX_BYTES,
    KeyPairOptions,
    build,
)
from products.secret import KEY_PAIR_SPECS as SECRET_KEY_POLICY_SPECS
from tests.support.cfn_resolution import ResolvedTemplate


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
    assert function["Timeout"] == 300
    assert function["ReservedConcurrentExecutions"] == {
        "Fn::If": [RESERVES_CONCURRENCY, 1, {"Ref": "AWS::NoValue"}]
    }
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "KeyPairFunctionLogGroup"}}
    assert function["Role"] == {"Fn::GetAtt": ["KeyPairFunctionRole", "Arn"]}
    assert "Environment" not in function


@pytest.mark.parametrize(("reserve", "expected"), [("true", 1), ("false", None)])
def test_reserved_concurrency_follows_the_parameter(reserve: str, expected: int | None) -> None:
    resolved = ResolvedTemplate(template(), {"ReserveConcurrency": reserve})
    function = resolved.resources()["KeyPairFunction"]["Properties"]
    assert function.get("ReservedConcurrentExecutions") == expected


def test_reserve_concurrency_defaults_on_and_explains_new_accounts() -> None:
    parameter = template()["Parameters"]["ReserveConcurrency"]
    assert parameter["Default"] == "true"
    assert parameter["AllowedValues"] == ["true", "false"]
    assert "quota is 10" in parameter["Description"]
    assert "false" in parameter["Description"]
    assert ResolvedTemplate(template(), {}).condition(RESERVES_CONCURRENCY)


def test_function_has_its_own_log_group_with_retention() -> None:
    log_group = properties("KeyPairFunctionLogGroup", KeyPairOptions(log_retention_days=731))
    assert log_group == {
        # Under the capability's prefix: the boundary lets the function write only there.
        "LogGroupName": {"Fn::Sub": "/signed-urls/${AWS::StackName}/key-pair-function"},
        "RetentionInDays": 731,
    }


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
    assert outputs["KeyGroupId"]["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-KeyGroupId"}}
    assert outputs["SecretArn"]["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-SecretArn"}}


def test_rotating_public_key_id_is_not_exported() -> None:
    """An imported export cannot change: every later rotation would fail."""
    output = template()["Outputs"]["PublicKeyId"]
    assert "Export" not in output
    assert "Changes on every rotation" in output["Description"]
    assert "read keyPairId from the secret" in output["Description"]


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
        "StringEquals": {
            "kms:DataKeyPairSpec": ["RSA_2048", "ECC_NIST_P256"],
            "kms:EncryptionContext:SecretARN": {"Ref": "SecretArn"},
        }
    }


def test_role_metadata_says_why_cloudfront_actions_name_no_resource() -> None:
    role = resources()["KeyPairFunctionRole"]
    [unscoped] = role["Metadata"]["signed-urls"]["unscoped-actions"]
    statement = statements()[unscoped["sid"]]
    assert statement["Resource"] == ["*"]
    assert sorted(unscoped["actions"]) == sorted(statement["Action"])
    assert "no resource type and no condition key" in unscoped["reason"]
    assert "only deletes public keys whose name starts with" in unscoped["reason"]


def test_every_checkov_skip_has_a_reason() -> None:
    for name, resource in resources().items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip["comment"]) > 40, (name, skip)


# --- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"log_retention_days": 10}, "key_pair: log_retention_days (10) must be one of 1, 3,"),
        (
            {"function_timeout_seconds": MIN_FUNCTION_TIMEOUT - 1},
            f"key_pair: function_timeout_seconds ({MIN_FUNCTION_TIMEOUT - 1}) must be between "
            f"{MIN_FUNCTION_TIMEOUT} and 900",
        ),
        ({"function_timeout_seconds": 901}, "key_pair: function_timeout_seconds (901) must be"),
        (
            {"function_timeout_seconds": 300, "service_timeout_seconds": 300},
            "key_pair: service_timeout_seconds (300) must be above function_timeout_seconds "
            "(300) and at most 3600",
        ),
        ({"service_timeout_seconds": 3601}, "key_pair: service_timeout_seconds (3601) must be"),
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
        function_timeout_seconds=600,
        service_timeout_seconds=900,
        role_path="/teams/media/",
    )
    function = properties("KeyPairFunction", options)
    assert function["Timeout"] == 600
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


def test_source_at_the_inline_limit_cannot_make_a_deployable_template(tmp_path: Path) -> None:
    """4 MB fits Code.ZipFile, but the template holding it could never be loaded."""
    source = tmp_path / "exact_function.py"
    source.write_bytes(b"#" * ZIP_FILE_MAX_BYTES)
    with pytest.raises(GeneratorOptionError) as raised:
        build(KeyPairOptions(function_source=source))
    assert str(raised.value).startswith(f"key_pair: function_source {source} makes the template ")
    assert str(raised.value).endswith(
        f"bytes; CloudFormation loads templates from S3 up to {TEMPLATE_URL_MAX_BYTES} bytes "
        "(1 MB template size limit)"
    )


def test_template_at_the_s3_template_limit_builds_and_one_byte_more_fails(tmp_path: Path) -> None:
    source = tmp_path / "function.py"
    source.write_text("#\n", encoding="utf-8")
    overhead = template_bytes(build(KeyPairOptions(function_source=source)).to_yaml()) - 1
    source.write_text("#" * (TEMPLATE_URL_MAX_BYTES - overhead) + "\n", encoding="utf-8")
    at_limit = build(KeyPairOptions(function_source=source)).to_yaml()
    assert template_bytes(at_limit) == TEMPLATE_URL_MAX_BYTES
    source.write_text("#" * (TEMPLATE_URL_MAX_BYTES - overhead + 1) + "\n", encoding="utf-8")
    with pytest.raises(GeneratorOptionError) as raised:
        build(KeyPairOptions(function_source=source))
    assert f"makes the template {TEMPLATE_URL_MAX_BYTES + 1} bytes" in str(raised.value)


def template_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def test_missing_source_fails_the_build_naming_the_option(tmp_path: Path) -> None:
    with pytest.raises(GeneratorOptionError, match=r"^key_pair: function_source .*missing\.py"):
        build(KeyPairOptions(function_source=tmp_path / "missing.py"))


# --- the function's pure pieces --------------------------------------------------------------


class AlwaysFailingEndpoint:
    """A local HTTP endpoint that answers every request with ``status``, ``headers`` and
    ``body`` (an AWS API that keeps throttling, or a response URL that keeps failing)."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.requests = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _fail(self) -> None:
                endpoint.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = _fail

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> AlwaysFailingEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"
)


def test_a_call_that_keeps_failing_ends_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The function's own client against an API that throttles and asks for a long pause
    (x-amz-retry-after: botocore's longest pause): even with each attempt taking its full
    timeouts, a call started with STEP_BUDGET_MS left ends before the watchdog answers."""
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with AlwaysFailingEndpoint(400, {"x-amz-retry-after": "60000"}, THROTTLED) as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
        client = key_pair_function.cloudformation_client()
        with pytest.raises(ClientError, match="Throttling"):
            client.describe_stacks(StackName="team-a")

    config = client.meta.config
    assert endpoint.requests >= 2, "the call is retried"
    assert min(pauses) >= 5, "the service's retry-after pause was honoured"
    slowest_ms = 1000 * (
        endpoint.requests * (config.connect_timeout + config.read_timeout) + sum(pauses)
    )
    assert slowest_ms + RESPONSE_SAFETY_MARGIN_MS <= STEP_BUDGET_MS, (endpoint.requests, pauses)


def test_an_answer_that_cannot_be_delivered_is_given_up_within_the_response_margin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The watchdog answers with RESPONSE_SAFETY_MARGIN_MS left: every attempt of the PUT
    (connect, then reply, each up to its socket timeout) and every pause must fit."""
    pauses: list[float] = []
    timeouts: list[float] = []
    real_urlopen = urllib.request.urlopen

    def recording_urlopen(request: Any, *, timeout: float) -> Any:
        timeouts.append(timeout)
        return real_urlopen(request, timeout=timeout)

    monkeypatch.setattr(time, "sleep", pauses.append)
    monkeypatch.setattr(urllib.request, "urlopen", recording_urlopen)
    with AlwaysFailingEndpoint(503, {}) as endpoint:
        key_pair_function._put_response(f"{endpoint.url}/response", b"{}")

    assert endpoint.requests == len(timeouts) >= 2, "the answer is retried"
    slowest_ms = 1000 * (sum(2 * timeout for timeout in timeouts) + sum(pauses))
    assert slowest_ms <= RESPONSE_SAFETY_MARGIN_MS


EVENT = {
    "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/team-a/" + "0" * 36,
    "RequestId": "1" * 36,
    "LogicalResourceId": "KeyPair",
}


@pytest.mark.parametrize(
    "reason", ["é" * 5_000, "🔑" * 5_000, "\x00" * 5_000, "a" * 5_000, "short"]
)
def test_response_body_stays_within_4096_bytes(reason: str) -> None:
    body = response_body(EVENT, "FAILED", reason, "K" * 512, {"KeyGroupItems": "K1,K2"})
    sent = json.loads(body)["Reason"]
    assert len(body) <= MAX_RESPONSE_BYTES
    if sent != reason:
        assert sent.endswith("...") and reason.startswith(sent[:-3])
        one_more_character = 12
        assert len(sent) == 1_000 or len(body) > MAX_RESPONSE_BYTES - one_more_character


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
