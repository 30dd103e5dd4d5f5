"""Security properties of the bucket product, asserted on the generated template data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from products.bucket import (
    CORS_ORIGIN_PATTERN,
    DISTRIBUTION_ARN_PATTERN,
    KMS_KEY_ARN_PATTERN,
    LOG_BUCKET_NAME_PATTERN,
    BucketOptions,
    build,
)
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.parameter_patterns import PRODUCT_BUCKET_NAME
from products.gates.cfn_lint import cfn_lint_findings
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.iam_evaluation import ALLOW, decision

NO_VALUE = {"Ref": "AWS::NoValue"}
#: The one distribution, and only if it is one of this account's (another account's ARN has the
#: same shape: no AllowedPattern can refuse it).
DISTRIBUTION_SOURCE = {
    "StringEquals": {"AWS:SourceArn": {"Ref": "DistributionArn"}},
    "ArnLike": {
        "AWS:SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
        }
    },
}
ACCOUNT_ID = "123456789012"
#: Launched in this account and partition (the bucket policy names this account's distributions).
PSEUDO_PARAMETERS = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT_ID}
DISTRIBUTION_ARN = f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/E2QWRUHAPOMQZL"
OTHER_DISTRIBUTION_ARN = f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/E0THERDISTRIB"
CLOUDFRONT = ("Service", "cloudfront.amazonaws.com")
#: Object keys in and around the upload prefix ("uploads/" by default).
OBJECT_KEYS = [
    "uploads/a.jpg",
    "uploads/nested/b.png",
    "photos/a.jpg",
    "a.jpg",
    "uploads",
    "uploadsX/a.jpg",
    "photos/uploads/a.jpg",
]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build().template.to_dict()


def _bucket(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["Bucket"]


def _statements(template: dict[str, Any]) -> list[Any]:
    return template["Resources"]["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]


def _conditional(item: dict[str, Any], condition: str) -> dict[str, Any]:
    """The true branch of ``{"Fn::If": [condition, value, NoValue]}``."""
    name, value, otherwise = item["Fn::If"]
    assert name == condition
    assert otherwise == NO_VALUE
    return value


def _grants(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """CloudFront grant statements by Sid (each must be conditional on a distribution).

    Statement 0 denies plain HTTP, statement 1 CloudFront reads of the upload inbox.
    """
    grants = [_conditional(item, "BucketHasDistribution") for item in _statements(template)[2:]]
    return {grant["Sid"]: grant for grant in grants}


def _cloudfront_decision(
    template: dict[str, Any], action: str, key: str, source_arn: str = DISTRIBUTION_ARN
) -> str:
    """What the bucket policy, launched with DistributionArn, says to CloudFront (OAC)."""
    resolved = ResolvedTemplate(
        template, {"DistributionArn": DISTRIBUTION_ARN, **PSEUDO_PARAMETERS}
    )
    statements = resolved.resources()["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    return decision(
        statements,
        action=action,
        resource=f"<Bucket.Arn>/{key}",
        principal=CLOUDFRONT,
        context={"AWS:SourceArn": source_arn, "aws:SecureTransport": "true"},
    )


def _rules_by_id(template: dict[str, Any]) -> dict[str, Any]:
    rules = _bucket(template)["Properties"]["LifecycleConfiguration"]["Rules"]
    return {(rule["Id"] if "Id" in rule else rule["Fn::If"][1]["Id"]): rule for rule in rules}


def test_all_public_access_is_blocked(template: dict[str, Any]) -> None:
    assert _bucket(template)["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_bucket_owner_enforced(template: dict[str, Any]) -> None:
    assert _bucket(template)["Properties"]["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }


def test_encryption_is_sse_kms_with_bucket_key_when_a_key_is_given_else_sse_s3(
    template: dict[str, Any],
) -> None:
    [rule] = _bucket(template)["Properties"]["BucketEncryption"][
        "ServerSideEncryptionConfiguration"
    ]
    condition, with_kms, without_kms = rule["Fn::If"]
    assert condition == "BucketUsesKms"
    assert template["Conditions"]["BucketUsesKms"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "BucketKmsKeyArn"}, ""]}]
    }
    assert with_kms == {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": {"Ref": "BucketKmsKeyArn"},
        },
    }
    assert without_kms == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}


def test_kms_parameter_documents_the_cloudfront_key_policy(template: dict[str, Any]) -> None:
    description = template["Parameters"]["BucketKmsKeyArn"]["Description"]
    for needed in (
        "cloudfront.amazonaws.com",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "AWS:SourceArn",
    ):
        assert needed in description


def test_versioning_is_on(template: dict[str, Any]) -> None:
    assert _bucket(template)["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


def test_object_events_go_to_eventbridge(template: dict[str, Any]) -> None:
    assert _bucket(template)["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }


def test_bucket_is_retained_on_delete_and_replace(template: dict[str, Any]) -> None:
    assert _bucket(template)["DeletionPolicy"] == "Retain"
    assert _bucket(template)["UpdateReplacePolicy"] == "Retain"


def test_policy_denies_every_request_without_tls(template: dict[str, Any]) -> None:
    deny = _statements(template)[0]
    assert deny == {
        "Sid": "DenyRequestsWithoutTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*"],
        # The objects ARN as Fn::Join: the shape Control Tower's CT.S3.PR.8 recognises.
        "Resource": [
            {"Fn::GetAtt": ["Bucket", "Arn"]},
            {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
        ],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert template["Resources"]["BucketPolicy"]["Properties"]["Bucket"] == {"Ref": "Bucket"}


def test_cloudfront_reads_objects_of_its_distribution_only(template: dict[str, Any]) -> None:
    read = _grants(template)["AllowCloudFrontRead"]
    assert read["Effect"] == "Allow"
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == ["s3:GetObject"]
    assert read["Resource"] == [{"Fn::Sub": "${Bucket.Arn}/*"}]
    assert read["Condition"] == DISTRIBUTION_SOURCE


def test_cloudfront_puts_objects_under_the_upload_prefix_only(template: dict[str, Any]) -> None:
    upload = _grants(template)["AllowCloudFrontUpload"]
    assert upload["Effect"] == "Allow"
    assert upload["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert upload["Action"] == ["s3:PutObject"]
    assert upload["Resource"] == [{"Fn::Sub": "${Bucket.Arn}/uploads/*"}]
    assert upload["Condition"] == DISTRIBUTION_SOURCE


def test_put_object_is_granted_nowhere_else(template: dict[str, Any]) -> None:
    granting_put = [
        grant["Resource"]
        for grant in _grants(template).values()
        if any(action in ("s3:PutObject", "s3:Put*", "s3:*") for action in grant["Action"])
    ]
    assert granting_put == [[{"Fn::Sub": "${Bucket.Arn}/uploads/*"}]]


def test_only_the_two_cloudfront_grants_allow_anything(template: dict[str, Any]) -> None:
    assert sorted(_grants(template)) == ["AllowCloudFrontRead", "AllowCloudFrontUpload"]
    assert len(_statements(template)) == 4


def test_no_cloudfront_distribution_may_ever_read_the_upload_inbox(
    template: dict[str, Any],
) -> None:
    """Unconditional and for every distribution: a Deny, not a missing Allow."""
    assert _statements(template)[1] == {
        "Sid": "DenyCloudFrontReadingUploads",
        "Effect": "Deny",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": ["s3:GetObject"],
        "Resource": [{"Fn::Sub": "${Bucket.Arn}/uploads/*"}],
    }


@pytest.mark.parametrize("key", OBJECT_KEYS)
def test_downloads_never_read_the_inbox_and_uploads_never_write_outside_it(
    template: dict[str, Any], key: str
) -> None:
    in_inbox = key.startswith("uploads/")
    assert (_cloudfront_decision(template, "s3:GetObject", key) == ALLOW) is not in_inbox
    assert (_cloudfront_decision(template, "s3:PutObject", key) == ALLOW) is in_inbox
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"):
        assert _cloudfront_decision(template, action, key) != ALLOW, action


@pytest.mark.parametrize("key", OBJECT_KEYS)
def test_another_distribution_gets_nothing(template: dict[str, Any], key: str) -> None:
    for action in ("s3:GetObject", "s3:PutObject"):
        assert _cloudfront_decision(template, action, key, OTHER_DISTRIBUTION_ARN) != ALLOW


def test_every_object_event_goes_to_eventbridge(template: dict[str, Any]) -> None:
    """The application learns of each upload from the "Object Created" events."""
    assert _bucket(template)["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }


def test_cloudfront_grants_need_a_distribution_arn(template: dict[str, Any]) -> None:
    assert template["Conditions"]["BucketHasDistribution"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DistributionArn"}, ""]}]
    }
    assert template["Parameters"]["DistributionArn"]["Default"] == ""


def test_delete_object_is_never_granted(template: dict[str, Any]) -> None:
    allowed = [action for grant in _grants(template).values() for action in grant["Action"]]
    assert allowed, "no grant found"
    assert not [action for action in allowed if "Delete" in action or action.endswith("*")]
    assert "s3:Delete" not in json.dumps(template)


def test_upload_prefix_option_moves_the_put_grant_and_the_expiry_rule() -> None:
    template = build(BucketOptions(upload_prefix="incoming")).template.to_dict()
    assert _grants(template)["AllowCloudFrontUpload"]["Resource"] == [
        {"Fn::Sub": "${Bucket.Arn}/incoming/*"}
    ]
    assert _statements(template)[1]["Resource"] == [{"Fn::Sub": "${Bucket.Arn}/incoming/*"}]
    assert _cloudfront_decision(template, "s3:GetObject", "incoming/a.jpg") != ALLOW
    assert _cloudfront_decision(template, "s3:GetObject", "uploads/a.jpg") == ALLOW
    expire = _conditional(_rules_by_id(template)["ExpireUploads"], "BucketExpiresUploads")
    assert expire["Prefix"] == "incoming/"
    assert "uploads/" not in json.dumps(template)


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL",
        "arn:aws-cn:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL",
        "",
    ],
)
def test_distribution_arn_pattern_accepts(value: str) -> None:
    assert re.fullmatch(DISTRIBUTION_ARN_PATTERN, value)


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:cloudfront::123456789012:distribution/*",
        "arn:aws:cloudfront::12345:distribution/E2QWRUHAPOMQZL",
        "arn:aws:cloudfront:us-east-1:123456789012:distribution/E2QWRUHAPOMQZL",
        "E2QWRUHAPOMQZL",
        "*",
    ],
)
def test_distribution_arn_pattern_rejects(value: str) -> None:
    assert not re.fullmatch(DISTRIBUTION_ARN_PATTERN, value)


def test_parameter_patterns_are_the_declared_ones(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["DistributionArn"]["AllowedPattern"] == DISTRIBUTION_ARN_PATTERN
    assert parameters["BucketKmsKeyArn"]["AllowedPattern"] == KMS_KEY_ARN_PATTERN
    assert parameters["CorsAllowedOrigins"]["AllowedPattern"] == CORS_ORIGIN_PATTERN
    assert parameters["AccessLogBucketName"]["AllowedPattern"] == LOG_BUCKET_NAME_PATTERN


def test_kms_key_pattern_takes_key_arns_not_aliases() -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert re.fullmatch(KMS_KEY_ARN_PATTERN, key)
    assert not re.fullmatch(KMS_KEY_ARN_PATTERN, "arn:aws:kms:eu-west-1:123456789012:alias/x")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.com", True),
        ("https://*.example.com", False),
        ("http://localhost:3000", True),
        ("", True),
        ("*", False),
        ("http://app.example.com", False),
        (" https://app.example.com", False),
    ],
)
def test_cors_origin_pattern(origin: str, allowed: bool) -> None:
    assert bool(re.fullmatch(CORS_ORIGIN_PATTERN, origin)) is allowed


def test_abort_incomplete_multipart_uploads_always(template: dict[str, Any]) -> None:
    assert _rules_by_id(template)["AbortIncompleteMultipartUploads"] == {
        "Id": "AbortIncompleteMultipartUploads",
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {
            "DaysAfterInitiation": {"Ref": "AbortIncompleteMultipartUploadDays"}
        },
    }
    parameter = template["Parameters"]["AbortIncompleteMultipartUploadDays"]
    assert (parameter["Type"], parameter["MinValue"], parameter["Default"]) == ("Number", 1, 7)


@pytest.mark.parametrize(
    ("rule_id", "condition", "parameter", "action"),
    [
        (
            "ExpireNoncurrentVersions",
            "BucketExpiresNoncurrentVersions",
            "NoncurrentVersionExpirationDays",
            {"NoncurrentVersionExpiration": {"NoncurrentDays": {"Ref": "X"}}},
        ),
        (
            "ExpireUploads",
            "BucketExpiresUploads",
            "UploadExpirationDays",
            {"ExpirationInDays": {"Ref": "X"}},
        ),
        (
            "TransitionToIntelligentTiering",
            "BucketTransitionsToIntelligentTiering",
            "IntelligentTieringTransitionDays",
            {
                "Transitions": [
                    {"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": {"Ref": "X"}}
                ]
            },
        ),
    ],
)
def test_lifecycle_rule_exists_only_when_its_days_are_not_zero(
    template: dict[str, Any], rule_id: str, condition: str, parameter: str, action: dict
) -> None:
    rule = _conditional(_rules_by_id(template)[rule_id], condition)
    assert rule["Status"] == "Enabled"
    expected_action = json.loads(json.dumps(action).replace('"X"', json.dumps(parameter)))
    assert expected_action.items() <= rule.items()
    assert template["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, "0"]}]
    }
    declared = template["Parameters"][parameter]
    assert (declared["Type"], declared["MinValue"], declared["MaxValue"]) == ("Number", 0, 3650)
    assert declared["ConstraintDescription"]


def test_upload_expiry_applies_to_the_upload_prefix_only(template: dict[str, Any]) -> None:
    rule = _conditional(_rules_by_id(template)["ExpireUploads"], "BucketExpiresUploads")
    assert rule["Prefix"] == "uploads/"


def test_cors_rule_only_with_origins(template: dict[str, Any]) -> None:
    cors = _conditional(_bucket(template)["Properties"]["CorsConfiguration"], "BucketHasCors")
    assert cors == {
        "CorsRules": [
            {
                "Id": "BrowserDownloadsAndUploads",
                "AllowedOrigins": {"Ref": "CorsAllowedOrigins"},
                "AllowedMethods": ["GET", "HEAD", "PUT"],
                "AllowedHeaders": ["*"],
                "ExposedHeaders": ["ETag"],
                "MaxAge": 3600,
            }
        ]
    }
    assert template["Conditions"]["BucketHasCors"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "CorsAllowedOrigins"}]}, ""]}]
    }
    assert template["Parameters"]["CorsAllowedOrigins"]["Type"] == "CommaDelimitedList"
    assert template["Parameters"]["CorsAllowedOrigins"]["Default"] == ""


def test_access_logging_only_with_a_target_bucket(template: dict[str, Any]) -> None:
    logging = _conditional(
        _bucket(template)["Properties"]["LoggingConfiguration"], "BucketHasAccessLogging"
    )
    assert logging == {
        "DestinationBucketName": {"Ref": "AccessLogBucketName"},
        "LogFilePrefix": {"Ref": "AccessLogPrefix"},
    }
    assert template["Conditions"]["BucketHasAccessLogging"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AccessLogBucketName"}, ""]}]
    }


def test_outputs(template: dict[str, Any]) -> None:
    assert {name: output["Value"] for name, output in template["Outputs"].items()} == {
        "BucketName": {"Ref": "Bucket"},
        "BucketArn": {"Fn::GetAtt": ["Bucket", "Arn"]},
        "BucketRegionalDomainName": {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]},
    }


def test_options_become_parameter_defaults() -> None:
    options = BucketOptions(
        abort_multipart_upload_days=3,
        noncurrent_version_expiry_days=0,
        upload_expiry_days=14,
        intelligent_tiering_days=30,
        cors_max_age_seconds=600,
    )
    template = build(options).template.to_dict()
    defaults = {
        name: parameter.get("Default") for name, parameter in template["Parameters"].items()
    }
    assert defaults["AbortIncompleteMultipartUploadDays"] == 3
    assert defaults["NoncurrentVersionExpirationDays"] == 0
    assert defaults["UploadExpirationDays"] == 14
    assert defaults["IntelligentTieringTransitionDays"] == 30
    cors = _conditional(_bucket(template)["Properties"]["CorsConfiguration"], "BucketHasCors")
    assert cors["CorsRules"][0]["MaxAge"] == 600


def test_template_with_other_options_is_lint_clean() -> None:
    options = BucketOptions(upload_prefix="incoming", upload_expiry_days=1)
    assert cfn_lint_findings(build(options).to_yaml()) == []


@pytest.mark.parametrize(
    "prefix",
    ["", "/uploads", "uploads/", "up/loads", "uploads*", "*", "..", ".hidden", "a b", "x" * 64],
)
def test_upload_prefix_must_be_a_plain_path_segment(prefix: str) -> None:
    with pytest.raises(GeneratorOptionError, match=r"^bucket: upload_prefix \(") as error:
        BucketOptions(upload_prefix=prefix)
    assert repr(prefix) in str(error.value)


@pytest.mark.parametrize(
    ("option", "value", "bounds"),
    [
        ("abort_multipart_upload_days", 0, "1 and 365"),
        ("abort_multipart_upload_days", 366, "1 and 365"),
        ("noncurrent_version_expiry_days", -1, "0 and 3650"),
        ("upload_expiry_days", 3651, "0 and 3650"),
        ("intelligent_tiering_days", 1.5, "0 and 3650"),
        ("intelligent_tiering_days", True, "0 and 3650"),
        ("cors_max_age_seconds", 86401, "0 and 86400"),
    ],
)
def test_out_of_range_option_is_rejected_by_name(option: str, value: object, bounds: str) -> None:
    with pytest.raises(GeneratorOptionError, match=rf"^bucket: {option} \({value!r}\) .*{bounds}"):
        BucketOptions(**{option: value})


def test_bucket_is_named_under_the_capability_prefix(template: dict[str, Any]) -> None:
    """signed-urls-<account>-<region>-<stack id>: what consumers' patterns and the permissions
    boundary accept, within S3's 63 characters for every Region name."""
    text, variables = template["Resources"]["Bucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert text == "signed-urls-${AWS::AccountId}-${AWS::Region}-${Suffix}"
    assert variables["Suffix"] == {
        "Fn::Select": [
            0,
            {
                "Fn::Split": [
                    "-",
                    {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
                ]
            },
        ]
    }
    for region in ("us-east-1", "ap-southeast-2", "us-gov-west-1", "eusc-de-east-1"):
        name = (
            text.replace("${AWS::AccountId}", "123456789012")
            .replace("${AWS::Region}", region)
            .replace("${Suffix}", "1a2b3c4d")
        )
        assert re.fullmatch(PRODUCT_BUCKET_NAME, name) and len(name) <= 63, name
