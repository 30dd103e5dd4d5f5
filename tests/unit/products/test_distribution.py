"""Security and wiring properties of the generated distribution template."""

from __future__ import annotations

import re
from typing import Any

import pytest

from products.building_blocks.errors import GeneratorOptionError
from products.catalog import PRODUCTS
from products.distribution import (
    CACHING_DISABLED_POLICY_ID,
    CACHING_OPTIMIZED_POLICY_ID,
    CLOUDFRONT_HOSTED_ZONE_ID,
    CORS_S3_ORIGIN_POLICY_ID,
    SECURITY_HEADERS_POLICY_ID,
    UPLOAD_FUNCTION_SOURCE,
    DistributionOptions,
    build,
)
from products.reference_docs import render_product_reference
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.templates import shipped_launches

ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return build().template.to_dict()


def resource(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]


def distribution_config(template: dict[str, Any]) -> dict[str, Any]:
    return resource(template, "Distribution")["Properties"]["DistributionConfig"]


def upload_behavior(template: dict[str, Any], prefix: str = "uploads") -> dict[str, Any]:
    [behavior] = [
        behavior
        for behavior in distribution_config(template)["CacheBehaviors"]
        if behavior["PathPattern"] == f"/{prefix}/*"
    ]
    return behavior


def test_origin_access_control_signs_every_request_with_sigv4(template: dict[str, Any]) -> None:
    oac = resource(template, "DistributionOriginAccessControl")
    assert oac["Type"] == "AWS::CloudFront::OriginAccessControl"
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert config["SigningBehavior"] == "always"
    assert config["SigningProtocol"] == "sigv4"
    assert config["OriginAccessControlOriginType"] == "s3"


def test_origin_is_the_regional_bucket_endpoint_through_oac(template: dict[str, Any]) -> None:
    [origin] = distribution_config(template)["Origins"]
    assert origin["DomainName"] == {
        "Fn::Sub": [
            "${BucketName}.s3.${Region}.${AWS::URLSuffix}",
            {
                "Region": {
                    "Fn::If": [
                        "DistributionBucketRegionGiven",
                        {"Ref": "BucketRegion"},
                        {"Ref": "AWS::Region"},
                    ]
                }
            },
        ]
    }
    assert template["Conditions"]["DistributionBucketRegionGiven"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "BucketRegion"}, ""]}]
    }
    assert origin["OriginAccessControlId"] == {
        "Fn::GetAtt": ["DistributionOriginAccessControl", "Id"]
    }
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    for name in ("BucketName", "KeyGroupId"):
        assert template["Parameters"][name]["AllowedPattern"]


def test_downloads_are_read_only_compressed_and_long_cached(template: dict[str, Any]) -> None:
    behavior = distribution_config(template)["DefaultCacheBehavior"]
    assert set(behavior["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS"}
    assert "FunctionAssociations" not in behavior
    assert set(behavior["CachedMethods"]) == {"GET", "HEAD"}
    assert behavior["Compress"] is True
    # AWS-managed CachingOptimized: no query string (signature) or cookie in the key, 1 day by
    # default, up to a year with Cache-Control.
    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED_POLICY_ID
    assert CACHING_OPTIMIZED_POLICY_ID == "658327ea-f89d-4fab-a63d-7e88639e58f6"


def test_many_distributions_fit_one_account(template: dict[str, Any]) -> None:
    """No cache or origin request policy of its own; a response headers policy only for CORS
    (each counts against a per-account quota of 20)."""
    types = {body["Type"]: body.get("Condition") for body in template["Resources"].values()}
    assert "AWS::CloudFront::CachePolicy" not in types
    assert "AWS::CloudFront::OriginRequestPolicy" not in types
    assert types["AWS::CloudFront::ResponseHeadersPolicy"] == "DistributionHasCors"
    required = {"BucketName": "team-files", "KeyGroupId": "kg"}
    for origins, created in (("", False), ("https://app.example.com", True)):
        resolved = ResolvedTemplate(template, {**required, "CorsAllowedOrigins": origins})
        assert ("DistributionResponseHeadersPolicy" in resolved.resources()) is created


def test_downloads_need_signature_only_when_parameter_says_so(template: dict[str, Any]) -> None:
    behavior = distribution_config(template)["DefaultCacheBehavior"]
    assert behavior["TrustedKeyGroups"] == {
        "Fn::If": [
            "DistributionRequiresSignedDownloads",
            [{"Ref": "KeyGroupId"}],
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Conditions"]["DistributionRequiresSignedDownloads"] == {
        "Fn::Equals": [{"Ref": "RequireSignedDownloads"}, "true"]
    }
    parameter = template["Parameters"]["RequireSignedDownloads"]
    assert parameter["AllowedValues"] == ["true", "false"]
    assert parameter["Default"] == "true"


def test_download_preflights_reach_s3_with_their_cors_headers(template: dict[str, Any]) -> None:
    """The AWS-managed policy CORS-S3Origin forwards Origin and Access-Control-Request-*."""
    behavior = distribution_config(template)["DefaultCacheBehavior"]
    assert behavior["OriginRequestPolicyId"] == CORS_S3_ORIGIN_POLICY_ID
    assert CORS_S3_ORIGIN_POLICY_ID == "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"


def test_uploads_allow_every_method_always_signed_never_cached(template: dict[str, Any]) -> None:
    behavior = upload_behavior(template)
    assert set(behavior["AllowedMethods"]) == ALL_METHODS
    assert behavior["TrustedKeyGroups"] == [{"Ref": "KeyGroupId"}]
    assert behavior["CachePolicyId"] == CACHING_DISABLED_POLICY_ID
    assert behavior["OriginRequestPolicyId"] == CORS_S3_ORIGIN_POLICY_ID


def test_upload_behavior_runs_the_put_only_function(template: dict[str, Any]) -> None:
    """All methods reach the behavior; the viewer-request function lets PUT and OPTIONS on."""
    assert upload_behavior(template)["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["DistributionUploadFunction", "FunctionARN"]},
        }
    ]
    function = resource(template, "DistributionUploadFunction")
    assert function["Type"] == "AWS::CloudFront::Function"
    properties = function["Properties"]
    assert properties["AutoPublish"] is True
    assert properties["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert len(properties["FunctionConfig"]["Comment"]) <= 128
    assert properties["FunctionCode"] == UPLOAD_FUNCTION_SOURCE.read_text(encoding="utf-8")
    assert len(properties["FunctionCode"].encode()) <= 10_240, "CloudFront Functions quota"
    assert properties["Name"]["Fn::Join"][1][:2] == ["signed-urls", "upload-methods"]


def test_forwarded_upload_headers_option_creates_a_policy_without_host_or_authorization() -> None:
    headers = ("Origin", "Content-Type", "Content-MD5", "x-amz-content-sha256")
    data = build(DistributionOptions(upload_forwarded_headers=headers)).template.to_dict()
    assert upload_behavior(data)["OriginRequestPolicyId"] == {
        "Ref": "DistributionUploadOriginRequestPolicy"
    }
    config = resource(data, "DistributionUploadOriginRequestPolicy")["Properties"][
        "OriginRequestPolicyConfig"
    ]
    headers = config["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    forwarded = {header.lower() for header in headers["Headers"]}
    assert {"content-type", "content-md5", "x-amz-content-sha256"} <= forwarded
    assert not forwarded & {"host", "authorization"}
    assert len(forwarded) <= 10
    assert config["CookiesConfig"] == {"CookieBehavior": "none"}


def test_upload_prefix_option_moves_the_upload_behavior() -> None:
    data = build(DistributionOptions(upload_prefix="incoming/raw")).template.to_dict()
    assert upload_behavior(data, "incoming/raw")["TrustedKeyGroups"] == [{"Ref": "KeyGroupId"}]


def test_every_behavior_redirects_to_https_over_http2_and_3_with_ipv6(
    template: dict[str, Any],
) -> None:
    config = distribution_config(template)
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {behavior["ViewerProtocolPolicy"] for behavior in behaviors} == {"redirect-to-https"}
    assert config["HttpVersion"] == "http2and3"
    assert config["IPV6Enabled"] is True
    for behavior in behaviors:
        assert behavior["ResponseHeadersPolicyId"] == {
            "Fn::If": [
                "DistributionHasCors",
                {"Ref": "DistributionResponseHeadersPolicy"},
                SECURITY_HEADERS_POLICY_ID,
            ]
        }
    assert SECURITY_HEADERS_POLICY_ID == "67f7725c-6f97-4210-82d7-5512b31e9d03"


def test_response_headers_policy_sets_security_headers(template: dict[str, Any]) -> None:
    config = resource(template, "DistributionResponseHeadersPolicy")["Properties"][
        "ResponseHeadersPolicyConfig"
    ]
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31_536_000
    assert hsts["IncludeSubdomains"] is True
    assert hsts["Override"] is True
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"


def test_cors_only_when_allowed_origins_are_given(template: dict[str, Any]) -> None:
    policy = resource(template, "DistributionResponseHeadersPolicy")
    assert policy["Condition"] == "DistributionHasCors"
    cors = policy["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert set(cors["AccessControlAllowMethods"]["Items"]) == {
        "GET",
        "HEAD",
        "PUT",
        "OPTIONS",
    }
    assert cors["AccessControlAllowOrigins"]["Items"] == {
        "Fn::Split": [",", {"Ref": "CorsAllowedOrigins"}]
    }
    assert cors["AccessControlAllowCredentials"] is False
    assert template["Conditions"]["DistributionHasCors"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CorsAllowedOrigins"}, ""]}]
    }


def test_custom_domain_uses_sni_tls12_certificate_else_default(template: dict[str, Any]) -> None:
    config = distribution_config(template)
    condition, custom, default = config["ViewerCertificate"]["Fn::If"]
    assert condition == "DistributionHasCustomDomain"
    assert custom == {
        "AcmCertificateArn": {"Ref": "AcmCertificateArn"},
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert default == {"CloudFrontDefaultCertificate": True}
    assert config["Aliases"]["Fn::If"][0] == "DistributionHasCustomDomain"
    certificate = template["Parameters"]["AcmCertificateArn"]
    assert "us-east-1" in certificate["Description"]
    assert ":acm:us-east-1:" in certificate["AllowedPattern"]


def test_rules_reject_alias_without_certificate_and_vice_versa(template: dict[str, Any]) -> None:
    rules = template["Rules"]
    needs_certificate = rules["DistributionAliasesNeedCertificate"]
    assert needs_certificate["RuleCondition"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "Aliases"}, ""]}]
    }
    assert needs_certificate["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AcmCertificateArn"}, ""]}]
    }
    needs_aliases = rules["DistributionCertificateNeedsAliases"]
    assert needs_aliases["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "Aliases"}, ""]}]
    }
    assert all(rule["Assertions"][0]["AssertDescription"] for rule in rules.values())


def test_alias_records_only_with_hosted_zone_and_domain(template: dict[str, Any]) -> None:
    records = {
        properties["Type"]: (logical_id, record)
        for logical_id, record in template["Resources"].items()
        if record["Type"] == "AWS::Route53::RecordSet"
        for properties in [record["Properties"]]
    }
    assert set(records) == {"A", "AAAA"}
    for _, record in records.values():
        assert record["Condition"] == "DistributionCreatesDnsRecords"
        properties = record["Properties"]
        assert properties["HostedZoneId"] == {"Ref": "HostedZoneId"}
        assert properties["Name"] == {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "Aliases"}]}]}
        assert properties["AliasTarget"]["HostedZoneId"] == CLOUDFRONT_HOSTED_ZONE_ID
        assert properties["AliasTarget"]["DNSName"] == {
            "Fn::GetAtt": ["Distribution", "DomainName"]
        }
    [domain, zone] = template["Conditions"]["DistributionCreatesDnsRecords"]["Fn::And"]
    assert domain == {"Condition": "DistributionHasCustomDomain"}
    assert zone == {"Fn::Not": [{"Fn::Equals": [{"Ref": "HostedZoneId"}, ""]}]}


def test_waf_logging_and_price_class_are_parameters(template: dict[str, Any]) -> None:
    config = distribution_config(template)
    assert config["WebACLId"] == {
        "Fn::If": ["DistributionHasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]
    }
    condition, logging, otherwise = config["Logging"]["Fn::If"]
    assert condition == "DistributionHasLogging"
    assert logging["Bucket"] == {"Fn::Sub": "${LoggingBucketName}.s3.amazonaws.com"}
    assert logging["Prefix"] == {"Ref": "LoggingPrefix"}
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert config["PriceClass"] == {"Ref": "PriceClass"}
    assert template["Parameters"]["PriceClass"]["AllowedValues"] == [
        "PriceClass_100",
        "PriceClass_200",
        "PriceClass_All",
    ]


def test_error_rate_alarm_only_with_topic(template: dict[str, Any]) -> None:
    alarm = resource(template, "DistributionErrorRateAlarm")
    assert alarm["Condition"] == "DistributionHasErrorRateAlarm"
    properties = alarm["Properties"]
    assert properties["Namespace"] == "AWS/CloudFront"
    assert properties["MetricName"] == "5xxErrorRate"
    assert properties["Dimensions"] == [
        {"Name": "DistributionId", "Value": {"Ref": "Distribution"}},
        {"Name": "Region", "Value": "Global"},
    ]
    # Built from a topic name: the topic is always this account's (a name, never an ARN).
    topic_arn = {
        "Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${AlarmTopicName}"
    }
    assert properties["AlarmActions"] == [topic_arn]
    assert properties["Threshold"] == {"Ref": "AlarmThresholdPercent"}
    assert properties["Period"] == {"Ref": "AlarmPeriodSeconds"}
    assert template["Conditions"]["DistributionHasErrorRateAlarm"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicName"}, ""]}]
    }
    assert "us-east-1" in template["Parameters"]["AlarmTopicName"]["Description"]
    for name in ("AlarmThresholdPercent", "AlarmPeriodSeconds"):
        assert {"MinValue", "MaxValue"} <= template["Parameters"][name].keys()
    region_rule = template["Rules"]["DistributionAlarmOnlyInUsEast1"]
    assert region_rule["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]
    }


def test_outputs_wire_the_next_products(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["DistributionId"]["Value"] == {"Ref": "Distribution"}
    assert outputs["DistributionArn"]["Value"] == {
        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
        "${Distribution}"
    }
    assert outputs["DistributionDomainName"]["Value"] == {
        "Fn::GetAtt": ["Distribution", "DomainName"]
    }
    condition, with_alias, without = outputs["BaseUrl"]["Value"]["Fn::If"]
    assert condition == "DistributionHasCustomDomain"
    assert with_alias == {
        "Fn::Sub": [
            "https://${Alias}",
            {"Alias": {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "Aliases"}]}]}},
        ]
    }
    assert without == {"Fn::Sub": "https://${Distribution.DomainName}"}


def test_skips_carry_reasons(template: dict[str, Any]) -> None:
    skips = resource(template, "Distribution")["Metadata"]["checkov"]["skip"]
    assert {skip["id"] for skip in skips} == {
        "CKV_AWS_68",
        "CKV_AWS_86",
        "CKV_AWS_174",
        "CKV_AWS_305",
        "CKV_AWS_310",
    }
    assert all(len(skip["comment"]) > 40 for skip in skips)


def test_ttl_options_create_a_cache_policy_of_the_stack() -> None:
    options = DistributionOptions(min_ttl=60, default_ttl=3600, max_ttl=86_400)
    data = build(options).template.to_dict()
    assert distribution_config(data)["DefaultCacheBehavior"]["CachePolicyId"] == {
        "Ref": "DistributionImageCachePolicy"
    }
    policy = data["Resources"]["DistributionImageCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (policy["MinTTL"], policy["DefaultTTL"], policy["MaxTTL"]) == (60, 3600, 86_400)
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_one_ttl_option_keeps_the_managed_values_for_the_others() -> None:
    assert DistributionOptions(default_ttl=600).custom_ttls == (1, 600, 31_536_000)
    assert DistributionOptions().custom_ttls is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"min_ttl": 100, "default_ttl": 90, "max_ttl": 200},
            r"distribution: default_ttl \(90\) must be between min_ttl \(100\) and max_ttl",
        ),
        (
            {"min_ttl": 0, "default_ttl": 300, "max_ttl": 200},
            r"distribution: default_ttl \(300\) must be between",
        ),
        (
            {"min_ttl": 500, "default_ttl": 500, "max_ttl": 200},
            r"distribution: min_ttl \(500\) must not exceed max_ttl \(200\)",
        ),
        ({"min_ttl": -1}, r"distribution: min_ttl \(-1\) must be a whole number"),
        ({"max_ttl": True}, r"distribution: max_ttl \(True\) must be a whole number"),
        ({"upload_prefix": "/uploads"}, r"distribution: upload_prefix \('/uploads'\)"),
        ({"upload_prefix": "up*"}, r"distribution: upload_prefix \('up\*'\)"),
        ({"upload_prefix": ""}, r"distribution: upload_prefix \(''\)"),
        (
            {"upload_forwarded_headers": ("Content-Type", "Host")},
            r"distribution: upload_forwarded_headers must not contain 'Host'",
        ),
        (
            {"upload_forwarded_headers": ("authorization",)},
            r"upload_forwarded_headers must not contain 'authorization'",
        ),
        (
            {"upload_forwarded_headers": ("Content-Type", "content-type")},
            r"upload_forwarded_headers lists 'content-type' twice",
        ),
        (
            {"upload_forwarded_headers": tuple(f"x-amz-meta-h{n}" for n in range(11))},
            r"upload_forwarded_headers must be a tuple of 1 to 10",
        ),
        ({"upload_forwarded_headers": ()}, r"upload_forwarded_headers must be a tuple"),
        (
            {"upload_forwarded_headers": ("Content Type",)},
            r"upload_forwarded_headers: 'Content Type' is not a header name",
        ),
    ],
)
def test_bad_options_name_the_option(options: dict[str, Any], message: str) -> None:
    with pytest.raises(GeneratorOptionError, match=message):
        DistributionOptions(**options)


@pytest.mark.parametrize(
    ("parameter", "accepted", "rejected"),
    [
        (
            "BucketName",
            ["signed-urls-123456789012-eu-west-1-1a2b3c4d"],
            ["", "Team", "a.b.c", "-bucket", "team-images-123", "signed-urls-logs-x"],
        ),
        (
            "Aliases",
            ["", "files.example.com", "files.example.com,*.example.co.uk"],
            [
                "Files.example.com",
                "a.example.com, b.example.com",
                "localhost",
                "a.example.com,",
                "*.example.com",
                "*.example.com,files.example.com",
            ],
        ),
        (
            "AcmCertificateArn",
            [
                "",
                "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
            ],
            ["arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"],
        ),
        (
            "CorsAllowedOrigins",
            ["", "https://app.example.com", "http://localhost:3000,https://app.example.com"],
            [
                "*",
                "https://app.example.com/",
                "app.example.com",
                "https://*.example.com",
                "http://app.example.com",
            ],
        ),
        (
            "WebAclArn",
            [
                "",
                "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/"
                "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
            ],
            [
                "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/"
                "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
            ],
        ),
        ("HostedZoneId", ["", "Z0123456789ABCDEFGHIJ"], ["zone", "Z"]),
        (
            "LoggingBucketName",
            ["", "signed-urls-logs-team"],
            ["team-logs", "signed-urls-logs-team.s3.amazonaws.com", "signed-urls-logs-"],
        ),
        ("BucketRegion", ["", "eu-west-1", "us-gov-west-1"], ["EU", "eu-west", "eu_west_1"]),
        (
            "AlarmTopicName",
            ["", "signed-urls-cdn-alarms"],
            ["cdn-alarms", "arn:aws:sns:us-east-1:123456789012:signed-urls-cdn-alarms", "*"],
        ),
    ],
)
def test_parameter_patterns(
    template: dict[str, Any], parameter: str, accepted: list[str], rejected: list[str]
) -> None:
    """CloudFormation matches the whole value against AllowedPattern (Java regex)."""
    pattern = re.compile(template["Parameters"][parameter]["AllowedPattern"])
    assert [value for value in accepted if not pattern.fullmatch(value)] == []
    assert [value for value in rejected if pattern.fullmatch(value)] == []


def test_reference_page_explains_the_inbox_and_cors_with_cookies() -> None:
    [spec] = [spec for spec in PRODUCTS if spec.slug == "distribution"]
    page = render_product_reference(spec, shipped_launches())
    for needed in ("write-only inbox", "canned policy", "405", "preflight", "no cookies"):
        assert needed in page, needed
    assert page.index("## CORS") < page.index("## Parameters")
