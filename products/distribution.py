"""Distribution product: CloudFront in front of the private bucket, through Origin Access Control.

Downloads (``/*``) are read-only, cached for a long time and, by default, need a signed URL or
cookie. Uploads (``/<upload_prefix>/*``) are a write-only inbox: a CloudFront Function
(``distribution_functions/upload_methods.js``, inlined) admits only PUT and the CORS preflight,
signed with a canned-policy URL; they are never cached and forward only what an S3 PUT needs,
and the bucket policy lets CloudFront write only there and never read there. Every behavior
redirects HTTP to HTTPS and answers with the same security headers. Custom domain, Route 53
alias records, WAF, standard logging and a 5xx alarm are optional parameters.

Every resource it is given is the capability's own (``capability_names``): the bucket product's
bucket, a ``signed-urls-logs-`` log bucket, a ``signed-urls-`` topic of this account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from troposphere import (
    And,
    AWSHelperFn,
    Condition,
    Equals,
    GetAtt,
    If,
    Join,
    Not,
    NoValue,
    Ref,
    Region,
    Select,
    Split,
    StackId,
    Sub,
    Template,
)
from troposphere.cloudfront import (
    AccessControlAllowHeaders,
    AccessControlAllowMethods,
    AccessControlAllowOrigins,
    AccessControlExposeHeaders,
    CacheBehavior,
    CacheCookiesConfig,
    CacheHeadersConfig,
    CachePolicy,
    CachePolicyConfig,
    CacheQueryStringsConfig,
    ContentTypeOptions,
    CorsConfig,
    DefaultCacheBehavior,
    Distribution,
    DistributionConfig,
    FrameOptions,
    Function,
    FunctionAssociation,
    FunctionConfig,
    Logging,
    Origin,
    OriginAccessControl,
    OriginAccessControlConfig,
    OriginRequestCookiesConfig,
    OriginRequestHeadersConfig,
    OriginRequestPolicy,
    OriginRequestPolicyConfig,
    OriginRequestQueryStringsConfig,
    ParametersInCacheKeyAndForwardedToOrigin,
    ReferrerPolicy,
    ResponseHeadersPolicy,
    ResponseHeadersPolicyConfig,
    S3OriginConfig,
    SecurityHeadersConfig,
    StrictTransportSecurity,
    ViewerCertificate,
)
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.route53 import AliasTarget, RecordSetType

from products.building_blocks import capability_names as names
from products.building_blocks import parameter_patterns as patterns
from products.building_blocks.checkov import skip_checkov
from products.building_blocks.control_tower import declare_not_applicable
from products.building_blocks.errors import GeneratorOptionError
from products.building_blocks.product_template import (
    ParameterGroup,
    ProductTemplate,
    parameter_spec,
)

#: Managed cache policy "CachingDisabled" (TTL 0, nothing in the cache key).
CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

#: Managed origin request policy "CORS-S3Origin": forwards Origin,
#: Access-Control-Request-Method and Access-Control-Request-Headers (no cookies, no query
#: strings), so S3's CORS rules can answer a download's preflight. Managed policies do not count
#: against the origin request policy quota.
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
CORS_S3_ORIGIN_POLICY_ID = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"

#: The upload behavior's viewer-request function, inlined verbatim into the template.
UPLOAD_FUNCTION_SOURCE = Path(__file__).parent / "distribution_functions" / "upload_methods.js"

#: CloudFront Functions JavaScript runtime the upload function is written for.
FUNCTION_RUNTIME = "cloudfront-js-2.0"

#: Methods the upload function admits; it answers every other one with 405.
UPLOAD_METHODS = ("PUT", "OPTIONS")

#: Route 53 hosted zone of every CloudFront distribution (alias targets).
CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"

#: CloudFront allows at most this many headers in one origin request policy.
MAX_ORIGIN_REQUEST_HEADERS = 10

#: What a browser upload through CloudFront needs at S3: the CORS preflight headers (the
#: bucket's CORS rules answer them), the body's type, and its integrity checksums. Never Host
#: (S3 would see the CloudFront name) nor Authorization (OAC signs every origin request).
#: x-amz-content-sha256 is optional: AWS requires it for PUT/POST through OAC to Lambda
#: function URL origins, not to S3; forwarding it lets a client that sends it keep working.
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html
UPLOAD_FORWARDED_HEADERS: tuple[str, ...] = (
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Content-Type",
    "Content-MD5",
    "x-amz-content-sha256",
    "x-amz-checksum-crc32",
    "x-amz-checksum-sha256",
    "x-amz-sdk-checksum-algorithm",
)

_CORS_REQUEST_HEADERS = {
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
}
_NEVER_FORWARDED_HEADERS = {"host", "authorization"}
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_UPLOAD_PREFIX = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")

READ_METHODS = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS = ["GET", "HEAD"]
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
CORS_METHODS = ["GET", "HEAD", "PUT", "OPTIONS"]

#: How downloads and uploads behave for a browser: rendered into docs/products/distribution.md.
REFERENCE_NOTES = """\
## Downloads and uploads

- **Downloads** (`/*`) allow GET, HEAD and OPTIONS only. With `RequireSignedDownloads=true`
  (default) every request needs a signed URL or signed cookies.
- **Uploads** (`/uploads/*`) are a write-only inbox. The viewer-request CloudFront Function
  `DistributionUploadFunction` (source: `products/distribution_functions/upload_methods.js`)
  admits only `PUT` and the CORS preflight `OPTIONS`, answering any other method with 405, and
  only when the URL is signed with a **canned policy** (`Expires`, `Signature`, `Key-Pair-Id`):
  a canned policy is valid for one exact URL, so signed cookies or a wildcard custom policy
  handed out for downloads cannot write (403). The bucket policy lets CloudFront put objects
  only under `uploads/` and never read them there, and never delete anything: an upload is
  served only after the application has validated it and copied it out of `uploads/`.

## CORS: signed URLs and signed cookies

A browser sends a CORS preflight (`OPTIONS`) before a cross-origin `PUT`, and before a
cross-origin `GET` that sets non-simple headers. A preflight carries **no cookies**, and a
behavior with trusted key groups wants a signature on every request, `OPTIONS` included:

- **Signed URLs** work: the signature is in the query string, which is part of the preflight's
  URL. Uploads always use signed URLs.
- **Signed cookies** cannot authenticate a preflight, so CloudFront refuses it (403). Script
  access from another origin does not work with cookies anyway: `fetch` and XHR send them only
  with `credentials: "include"`, which needs `Access-Control-Allow-Credentials: true`, and this
  distribution's CORS answers `false`. Use cookies for elements that load without CORS
  (`<img src>`, `<video src>` without a `crossorigin` attribute send the cookies and no
  preflight), and signed URLs for everything a script fetches or uploads.

The download behavior forwards `Origin` and `Access-Control-Request-*` to S3 (AWS-managed origin
request policy CORS-S3Origin), so the bucket's CORS rules answer the preflight; give the bucket
and the distribution the same `CorsAllowedOrigins`.
"""

ONE_YEAR_SECONDS = 31_536_000
TWO_YEARS_SECONDS = 63_072_000

ORIGIN_ID = "DistributionBucketOrigin"

# Condition names (prefixed by the product so a combined template has no collisions).
SIGNED_DOWNLOADS = "DistributionRequiresSignedDownloads"
CUSTOM_DOMAIN = "DistributionHasCustomDomain"
DNS_RECORDS = "DistributionCreatesDnsRecords"
WEB_ACL = "DistributionHasWebAcl"
LOGGING = "DistributionHasLogging"
CORS = "DistributionHasCors"
ALARM = "DistributionHasErrorRateAlarm"
BUCKET_IN_OTHER_REGION = "DistributionBucketRegionGiven"

_DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_EXACT_HOST_NAME = rf"({_DNS_LABEL}\.)+[a-z][a-z0-9-]{{0,61}}[a-z0-9]"
_HOST_NAME = rf"(\*\.)?{_EXACT_HOST_NAME}"
#: The first alias becomes BaseUrl and the Route 53 record name, so it must not be a wildcard;
#: later aliases may be.
ALIASES_PATTERN = patterns.optional(rf"{_EXACT_HOST_NAME}(,{_HOST_NAME})*")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class DistributionOptions:
    """Build-time choices: the upload path, download cache TTLs, forwarded upload headers."""

    upload_prefix: str = "uploads"
    min_ttl: int = 0
    default_ttl: int = ONE_YEAR_SECONDS
    max_ttl: int = ONE_YEAR_SECONDS
    upload_forwarded_headers: tuple[str, ...] = UPLOAD_FORWARDED_HEADERS

    def __post_init__(self) -> None:
        _check_upload_prefix(self.upload_prefix)
        _check_ttls(self.min_ttl, self.default_ttl, self.max_ttl)
        _check_forwarded_headers(self.upload_forwarded_headers)

    @property
    def upload_path_pattern(self) -> str:
        return f"/{self.upload_prefix}/*"


def _check_upload_prefix(prefix: str) -> None:
    if not isinstance(prefix, str) or not _UPLOAD_PREFIX.match(prefix):
        raise GeneratorOptionError(
            f"distribution: upload_prefix ({prefix!r}) must be path segments of letters, digits "
            "and ._- without leading or trailing '/' or wildcards"
        )


def _check_ttls(min_ttl: int, default_ttl: int, max_ttl: int) -> None:
    for name, value in (("min_ttl", min_ttl), ("default_ttl", default_ttl), ("max_ttl", max_ttl)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise GeneratorOptionError(
                f"distribution: {name} ({value!r}) must be a whole number of seconds >= 0"
            )
    if min_ttl > max_ttl:
        raise GeneratorOptionError(
            f"distribution: min_ttl ({min_ttl}) must not exceed max_ttl ({max_ttl})"
        )
    if not min_ttl <= default_ttl <= max_ttl:
        raise GeneratorOptionError(
            f"distribution: default_ttl ({default_ttl}) must be between min_ttl ({min_ttl}) "
            f"and max_ttl ({max_ttl})"
        )


def _check_forwarded_headers(headers: tuple[str, ...]) -> None:
    if not isinstance(headers, tuple) or not 1 <= len(headers) <= MAX_ORIGIN_REQUEST_HEADERS:
        raise GeneratorOptionError(
            "distribution: upload_forwarded_headers must be a tuple of 1 to "
            f"{MAX_ORIGIN_REQUEST_HEADERS} header names (CloudFront quota)"
        )
    seen: set[str] = set()
    for header in headers:
        if not isinstance(header, str) or not _HEADER_NAME.match(header):
            raise GeneratorOptionError(
                f"distribution: upload_forwarded_headers: {header!r} is not a header name"
            )
        if header.lower() in _NEVER_FORWARDED_HEADERS:
            raise GeneratorOptionError(
                f"distribution: upload_forwarded_headers must not contain {header!r} "
                "(OAC signs the origin request; forwarding Host or Authorization breaks S3)"
            )
        if header.lower() in seen:
            raise GeneratorOptionError(
                f"distribution: upload_forwarded_headers lists {header!r} twice"
            )
        seen.add(header.lower())


def _stack_unique_name(kind: str) -> Join:
    """``signed-urls-<kind>-<stack UUID>``: unique per account, within CloudFront's 64 chars."""
    return Join("-", ["signed-urls", kind, Select(2, Split("/", StackId))])


def add_origin_access_control(template: Template) -> OriginAccessControl:
    """OAC that signs every request to the S3 origin (SigV4), whatever the viewer sent."""
    return template.add_resource(
        OriginAccessControl(
            "DistributionOriginAccessControl",
            OriginAccessControlConfig=OriginAccessControlConfig(
                Name=_stack_unique_name("oac"),
                Description=Sub("Signs CloudFront requests to the bucket of ${AWS::StackName}"),
                OriginAccessControlOriginType="s3",
                SigningBehavior="always",
                SigningProtocol="sigv4",
            ),
        )
    )


def add_image_cache_policy(
    template: Template, *, min_ttl: int, default_ttl: int, max_ttl: int
) -> CachePolicy:
    """Long-lived cache for immutable objects; signature query strings stay out of the key."""
    return template.add_resource(
        CachePolicy(
            "DistributionImageCachePolicy",
            CachePolicyConfig=CachePolicyConfig(
                Name=_stack_unique_name("images"),
                Comment="Immutable images: long TTLs, no headers, cookies or query strings in key",
                MinTTL=min_ttl,
                DefaultTTL=default_ttl,
                MaxTTL=max_ttl,
                ParametersInCacheKeyAndForwardedToOrigin=ParametersInCacheKeyAndForwardedToOrigin(
                    CookiesConfig=CacheCookiesConfig(CookieBehavior="none"),
                    HeadersConfig=CacheHeadersConfig(HeaderBehavior="none"),
                    QueryStringsConfig=CacheQueryStringsConfig(QueryStringBehavior="none"),
                    EnableAcceptEncodingGzip=True,
                    EnableAcceptEncodingBrotli=True,
                ),
            ),
        )
    )


def add_upload_origin_request_policy(
    template: Template, *, headers: list[str]
) -> OriginRequestPolicy:
    """Forward to S3 only the whitelisted upload headers; no cookies, no query strings."""
    return template.add_resource(
        OriginRequestPolicy(
            "DistributionUploadOriginRequestPolicy",
            OriginRequestPolicyConfig=OriginRequestPolicyConfig(
                Name=_stack_unique_name("uploads"),
                Comment="Signed uploads: CORS preflight, content type and checksum headers only",
                CookiesConfig=OriginRequestCookiesConfig(CookieBehavior="none"),
                HeadersConfig=OriginRequestHeadersConfig(
                    HeaderBehavior="whitelist", Headers=headers
                ),
                QueryStringsConfig=OriginRequestQueryStringsConfig(QueryStringBehavior="none"),
            ),
        )
    )


def cors_config(*, allowed_origins: Any, allowed_headers: list[str]) -> CorsConfig:
    """CORS for browser downloads and uploads from the given origins (no credentials)."""
    return CorsConfig(
        AccessControlAllowCredentials=False,
        AccessControlAllowHeaders=AccessControlAllowHeaders(Items=allowed_headers),
        AccessControlAllowMethods=AccessControlAllowMethods(Items=CORS_METHODS),
        AccessControlAllowOrigins=AccessControlAllowOrigins(Items=allowed_origins),
        AccessControlExposeHeaders=AccessControlExposeHeaders(Items=["ETag"]),
        AccessControlMaxAgeSec=600,
        OriginOverride=True,
    )


def add_response_headers_policy(template: Template, *, cors: Any) -> ResponseHeadersPolicy:
    """HSTS, nosniff, DENY framing and a strict referrer policy on every response; ``cors``
    is a CorsConfig, an ``Fn::If`` around one, or ``NoValue``."""
    return template.add_resource(
        ResponseHeadersPolicy(
            "DistributionResponseHeadersPolicy",
            ResponseHeadersPolicyConfig=ResponseHeadersPolicyConfig(
                Name=_stack_unique_name("headers"),
                Comment="Security headers (HSTS, nosniff, DENY, strict referrer) and CORS",
                SecurityHeadersConfig=SecurityHeadersConfig(
                    StrictTransportSecurity=StrictTransportSecurity(
                        AccessControlMaxAgeSec=TWO_YEARS_SECONDS,
                        IncludeSubdomains=True,
                        Preload=False,
                        Override=True,
                    ),
                    ContentTypeOptions=ContentTypeOptions(Override=True),
                    FrameOptions=FrameOptions(FrameOption="DENY", Override=True),
                    ReferrerPolicy=ReferrerPolicy(
                        ReferrerPolicy="strict-origin-when-cross-origin", Override=True
                    ),
                ),
                CorsConfig=cors,
            ),
        )
    )


def add_upload_function(template: Template) -> Function:
    """The upload behavior's viewer-request function: PUT and preflight only, canned URLs only.

    AutoPublish puts the code in the LIVE stage, which is what a cache behavior runs.
    """
    return template.add_resource(
        Function(
            "DistributionUploadFunction",
            Name=_stack_unique_name("upload-methods"),
            AutoPublish=True,
            FunctionConfig=FunctionConfig(
                Comment="Uploads: PUT and CORS preflight only, signed with a canned-policy URL",
                Runtime=FUNCTION_RUNTIME,
            ),
            FunctionCode=UPLOAD_FUNCTION_SOURCE.read_text(encoding="utf-8"),
        )
    )


def download_behavior(
    *,
    cache_policy_id: Any,
    response_headers_policy_id: Any,
    trusted_key_groups: Any,
    origin_request_policy_id: Any = CORS_S3_ORIGIN_POLICY_ID,
) -> DefaultCacheBehavior:
    """``/*``: read-only, compressed, long-cached; signed when ``trusted_key_groups`` is set.

    The CORS request headers reach S3 (not the cache key), so its CORS rules answer preflights.
    """
    return DefaultCacheBehavior(
        TargetOriginId=ORIGIN_ID,
        ViewerProtocolPolicy="redirect-to-https",
        AllowedMethods=READ_METHODS,
        CachedMethods=CACHED_METHODS,
        Compress=True,
        CachePolicyId=cache_policy_id,
        OriginRequestPolicyId=origin_request_policy_id,
        ResponseHeadersPolicyId=response_headers_policy_id,
        TrustedKeyGroups=trusted_key_groups,
    )


def upload_behavior(
    *,
    path_pattern: str,
    origin_request_policy_id: Any,
    response_headers_policy_id: Any,
    key_group_id: Any,
    upload_function_arn: Any,
) -> CacheBehavior:
    """Uploads: always signed, never cached; the viewer-request function admits PUT and
    OPTIONS only. CloudFront offers no "PUT only" method set, hence all methods here."""
    return CacheBehavior(
        PathPattern=path_pattern,
        TargetOriginId=ORIGIN_ID,
        ViewerProtocolPolicy="redirect-to-https",
        AllowedMethods=ALL_METHODS,
        CachedMethods=CACHED_METHODS,
        Compress=False,
        CachePolicyId=CACHING_DISABLED_POLICY_ID,
        OriginRequestPolicyId=origin_request_policy_id,
        ResponseHeadersPolicyId=response_headers_policy_id,
        TrustedKeyGroups=[key_group_id],
        FunctionAssociations=[
            FunctionAssociation(EventType="viewer-request", FunctionARN=upload_function_arn)
        ],
    )


def viewer_certificate(*, custom_domain_condition: str, certificate_arn: Any) -> If:
    """ACM certificate (SNI, TLS 1.2+) with a custom domain; CloudFront's own otherwise."""
    return If(
        custom_domain_condition,
        ViewerCertificate(
            AcmCertificateArn=certificate_arn,
            SslSupportMethod="sni-only",
            MinimumProtocolVersion="TLSv1.2_2021",
        ),
        ViewerCertificate(CloudFrontDefaultCertificate=True),
    )


def add_distribution(
    template: Template,
    *,
    origin_domain_name: Any,
    origin_access_control: OriginAccessControl,
    default_behavior: DefaultCacheBehavior,
    upload: CacheBehavior,
    certificate: Any,
    aliases: Any = NoValue,
    web_acl_id: Any = NoValue,
    logging: Any = NoValue,
    price_class: Any = "PriceClass_100",
) -> Distribution:
    """The distribution: one private S3 origin behind OAC, HTTP/2 and 3, IPv6."""
    origin = Origin(
        Id=ORIGIN_ID,
        DomainName=origin_domain_name,
        OriginAccessControlId=GetAtt(origin_access_control, "Id"),
        S3OriginConfig=S3OriginConfig(OriginAccessIdentity=""),
    )
    distribution = Distribution(
        "Distribution",
        DistributionConfig=DistributionConfig(
            Comment=Sub("Signed URLs for ${AWS::StackName}"),
            Enabled=True,
            HttpVersion="http2and3",
            IPV6Enabled=True,
            PriceClass=price_class,
            Origins=[origin],
            DefaultCacheBehavior=default_behavior,
            CacheBehaviors=[upload],
            Aliases=aliases,
            ViewerCertificate=certificate,
            WebACLId=web_acl_id,
            Logging=logging,
        ),
    )
    _record_justified_skips(distribution)
    _declare_controls_not_applicable(distribution)
    return template.add_resource(distribution)


#: Why the distribution meets some checks and controls only by the team's choice, or not at all.
_LOGGING_IS_OPTIONAL = (
    "Standard logging is the optional LoggingBucketName parameter: it needs an ACL-enabled "
    "bucket the team chooses; CloudWatch metrics and the 5xx alarm still cover errors"
)
_NOT_A_WEBSITE = (
    "Object store behind signed URLs, not a website: there is no index object, and '/' "
    "returns 403, never a listing (the bucket policy grants no s3:ListBucket)"
)
_SINGLE_ORIGIN = (
    "Single S3 origin in one Region; a failover origin would need a replicated second "
    "bucket, and uploads (PUT/POST) cannot use origin groups"
)
# CloudFormation's ViewerCertificate reference: without Aliases, set CloudFrontDefaultCertificate
# to true and leave all other fields empty.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudfront-distributionconfig-viewercertificate.html
_CUSTOM_DOMAIN_IS_OPTIONAL = (
    "A custom domain is optional: with Aliases and AcmCertificateArn the distribution uses "
    "that ACM certificate, sni-only, minimum TLSv1.2_2021; without them only CloudFront's "
    "*.cloudfront.net certificate fits, which takes no SNI or minimum protocol setting"
)

#: Control Tower proactive controls the distribution does not meet by design.
_CONTROLS_NOT_APPLICABLE = {
    "CT.CLOUDFRONT.PR.1": _NOT_A_WEBSITE,
    "CT.CLOUDFRONT.PR.4": _SINGLE_ORIGIN,
    "CT.CLOUDFRONT.PR.5": _LOGGING_IS_OPTIONAL,
    "CT.CLOUDFRONT.PR.6": _CUSTOM_DOMAIN_IS_OPTIONAL,
    "CT.CLOUDFRONT.PR.7": _CUSTOM_DOMAIN_IS_OPTIONAL,
    "CT.CLOUDFRONT.PR.9": _CUSTOM_DOMAIN_IS_OPTIONAL,
}


def _record_justified_skips(distribution: Distribution) -> None:
    skip_checkov(
        distribution,
        "CKV_AWS_68",
        "WAF is the optional WebAclArn parameter (a CLOUDFRONT-scope web ACL the team owns); "
        "signed URLs already gate uploads and, by default, downloads at the edge",
    )
    skip_checkov(distribution, "CKV_AWS_86", _LOGGING_IS_OPTIONAL)
    skip_checkov(
        distribution,
        "CKV_AWS_174",
        "With a custom domain the minimum is TLSv1.2_2021; without one CloudFront's default "
        "*.cloudfront.net certificate ignores MinimumProtocolVersion",
    )
    skip_checkov(distribution, "CKV_AWS_305", _NOT_A_WEBSITE)
    skip_checkov(distribution, "CKV_AWS_310", _SINGLE_ORIGIN)


def _declare_controls_not_applicable(distribution: Distribution) -> None:
    for control_id, reason in _CONTROLS_NOT_APPLICABLE.items():
        declare_not_applicable(distribution, control_id, reason)


def add_alias_records(
    template: Template,
    *,
    record_name: Any,
    hosted_zone_id: Any,
    distribution: Distribution,
    condition: str,
) -> tuple[RecordSetType, RecordSetType]:
    """Route 53 A and AAAA alias records for one name, pointing at the distribution."""
    records = []
    for logical_id, record_type in (
        ("DistributionAliasRecordIpv4", "A"),
        ("DistributionAliasRecordIpv6", "AAAA"),
    ):
        records.append(
            template.add_resource(
                RecordSetType(
                    logical_id,
                    Condition=condition,
                    HostedZoneId=hosted_zone_id,
                    Name=record_name,
                    Type=record_type,
                    AliasTarget=AliasTarget(
                        DNSName=GetAtt(distribution, "DomainName"),
                        HostedZoneId=CLOUDFRONT_HOSTED_ZONE_ID,
                        EvaluateTargetHealth=False,
                    ),
                )
            )
        )
    return records[0], records[1]


def add_error_rate_alarm(
    template: Template,
    *,
    distribution: Distribution,
    topic_arn: Any,
    threshold_percent: Any,
    period_seconds: Any,
    evaluation_periods: Any,
    condition: str,
) -> Alarm:
    """Alarm when the share of 5xx responses stays above the threshold (metric in us-east-1)."""
    return template.add_resource(
        Alarm(
            "DistributionErrorRateAlarm",
            Condition=condition,
            AlarmDescription=Sub("5xx error rate of CloudFront distribution ${Distribution}"),
            Namespace="AWS/CloudFront",
            MetricName="5xxErrorRate",
            Dimensions=[
                MetricDimension(Name="DistributionId", Value=Ref(distribution)),
                MetricDimension(Name="Region", Value="Global"),
            ],
            Statistic="Average",
            Period=period_seconds,
            EvaluationPeriods=evaluation_periods,
            Threshold=threshold_percent,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[topic_arn],
            OKActions=[topic_arn],
        )
    )


def _not_empty(parameter: Any) -> Not:
    return Not(Equals(Ref(parameter), ""))


def _add_conditions(product: ProductTemplate, parameters: dict[str, Any]) -> None:
    template = product.template
    template.add_condition(
        SIGNED_DOWNLOADS, Equals(Ref(parameters["RequireSignedDownloads"]), "true")
    )
    # Both parameters, though the rules make them come together: linters then see that
    # neither empty default reaches a property.
    template.add_condition(
        CUSTOM_DOMAIN,
        And(_not_empty(parameters["Aliases"]), _not_empty(parameters["AcmCertificateArn"])),
    )
    template.add_condition(
        DNS_RECORDS,
        And(Condition(CUSTOM_DOMAIN), _not_empty(parameters["HostedZoneId"])),
    )
    template.add_condition(WEB_ACL, _not_empty(parameters["WebAclArn"]))
    template.add_condition(LOGGING, _not_empty(parameters["LoggingBucketName"]))
    template.add_condition(CORS, _not_empty(parameters["CorsAllowedOrigins"]))
    template.add_condition(ALARM, _not_empty(parameters["AlarmTopicName"]))
    template.add_condition(BUCKET_IN_OTHER_REGION, _not_empty(parameters["BucketRegion"]))


def _add_rules(product: ProductTemplate, parameters: dict[str, Any]) -> None:
    """Reject parameter combinations that cannot work, before any resource is created."""
    aliases = parameters["Aliases"]
    certificate = parameters["AcmCertificateArn"]
    rules = {
        "DistributionAliasesNeedCertificate": (
            _not_empty(aliases),
            _not_empty(certificate),
            "Aliases need an AcmCertificateArn (a us-east-1 ACM certificate covering them)",
        ),
        "DistributionCertificateNeedsAliases": (
            _not_empty(certificate),
            _not_empty(aliases),
            "AcmCertificateArn is only used with Aliases: give both or neither",
        ),
        "DistributionHostedZoneNeedsAliases": (
            _not_empty(parameters["HostedZoneId"]),
            _not_empty(aliases),
            "HostedZoneId needs Aliases: the first alias is the record name",
        ),
        "DistributionAlarmOnlyInUsEast1": (
            _not_empty(parameters["AlarmTopicName"]),
            Equals(Region, "us-east-1"),
            "The 5xx alarm needs a stack in us-east-1, where CloudFront publishes its metrics",
        ),
    }
    for name, (condition, assertion, description) in rules.items():
        product.template.add_rule(
            name,
            {
                "RuleCondition": condition,
                "Assertions": [{"Assert": assertion, "AssertDescription": description}],
            },
        )


_ORIGIN_PARAMETERS = ParameterGroup(
    "Origin",
    (
        parameter_spec(
            "BucketName",
            label="Bucket name",
            Description="Name of the private bucket (bucket product output BucketName); its "
            "policy must allow this distribution's ARN (update the bucket product afterwards).",
            AllowedPattern=patterns.required(patterns.PRODUCT_BUCKET_NAME),
            ConstraintDescription=f"the bucket product's BucketName output: "
            f"{names.BUCKET_NAME_PREFIX}<account>-<region>-<id>",
        ),
        parameter_spec(
            "BucketRegion",
            label="Bucket Region",
            Description="Region of the bucket. Empty: this stack's Region. Set it when this "
            "stack runs elsewhere, e.g. in us-east-1 for the 5xx alarm.",
            Default="",
            AllowedPattern=patterns.optional(patterns.REGION),
            ConstraintDescription="empty, or a Region name such as eu-west-1",
        ),
    ),
)

_SIGNING_PARAMETERS = ParameterGroup(
    "Signing",
    (
        parameter_spec(
            "KeyGroupId",
            label="Key group ID",
            Description="CloudFront key group whose public keys verify signed URLs and cookies "
            "(key pair product output KeyGroupId).",
            AllowedPattern=r"^[A-Za-z0-9-]{1,128}$",
            ConstraintDescription="a CloudFront key group ID (letters, digits and hyphens)",
        ),
        parameter_spec(
            "RequireSignedDownloads",
            label="Require signed downloads",
            Description="true: downloads need a signed URL or cookie. false: anyone with a URL "
            "may download (uploads always need a signature).",
            Default="true",
            AllowedValues=["true", "false"],
            ConstraintDescription="true or false",
        ),
    ),
)

_CUSTOM_DOMAIN_PARAMETERS = ParameterGroup(
    "Custom domain",
    (
        parameter_spec(
            "Aliases",
            label="Domain names",
            Description="Optional comma-separated domain names (no spaces), e.g. "
            "files.example.com. The first one is BaseUrl and the DNS record name, so it "
            "cannot be a wildcard (*.example.com may come later). Empty: use the "
            "*.cloudfront.net name. Needs AcmCertificateArn.",
            Default="",
            AllowedPattern=ALIASES_PATTERN,
            ConstraintDescription="empty, or lowercase domain names separated by commas, the "
            "first one without a wildcard",
        ),
        parameter_spec(
            "AcmCertificateArn",
            label="ACM certificate ARN (us-east-1)",
            Description="ARN of an ACM certificate covering every alias. CloudFront only uses "
            "certificates in us-east-1, whatever this stack's Region. Empty without Aliases.",
            Default="",
            AllowedPattern=patterns.optional(
                rf"arn:aws[a-z-]*:acm:us-east-1:[0-9]{{12}}:certificate/{_UUID}"
            ),
            ConstraintDescription="empty, or an ACM certificate ARN in us-east-1",
        ),
        parameter_spec(
            "HostedZoneId",
            label="Route 53 hosted zone ID",
            Description="Optional public hosted zone in which to create A and AAAA alias records "
            "for the first domain name in Aliases (one record name only). Empty: manage DNS "
            "yourself.",
            Default="",
            AllowedPattern=patterns.optional(r"Z[A-Z0-9]{1,31}"),
            ConstraintDescription="empty, or a hosted zone ID such as Z0123456789ABCDEFGHIJ",
        ),
    ),
)

_DELIVERY_PARAMETERS = ParameterGroup(
    "Delivery",
    (
        parameter_spec(
            "PriceClass",
            label="Price class",
            Description="Edge locations to serve from: PriceClass_100 (North America, Europe), "
            "PriceClass_200 (plus most of Asia, Middle East, Africa), PriceClass_All.",
            Default="PriceClass_100",
            AllowedValues=["PriceClass_100", "PriceClass_200", "PriceClass_All"],
            ConstraintDescription="PriceClass_100, PriceClass_200 or PriceClass_All",
        ),
        parameter_spec(
            "CorsAllowedOrigins",
            label="CORS allowed origins",
            Description="Optional comma-separated web origins (no spaces) allowed to GET, HEAD "
            "and PUT from a browser, e.g. https://app.example.com; give the bucket product the "
            "same origins. Empty: no CORS headers.",
            Default="",
            AllowedPattern=patterns.optional(patterns.comma_separated(patterns.WEB_ORIGIN)),
            ConstraintDescription="empty, or comma-separated https://host[:port] (lowercase, "
            "no wildcard) or http://localhost[:port]",
        ),
    ),
)

_PROTECTION_AND_MONITORING_PARAMETERS = ParameterGroup(
    "Protection and monitoring",
    (
        parameter_spec(
            "WebAclArn",
            label="WAF web ACL ARN",
            Description="Optional AWS WAF (v2) web ACL with scope CLOUDFRONT (created in "
            "us-east-1). Empty: no web ACL.",
            Default="",
            AllowedPattern=patterns.optional(
                r"arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/"
                rf"[A-Za-z0-9_-]{{1,128}}/{_UUID}"
            ),
            ConstraintDescription="empty, or a WAFv2 global web ACL ARN in us-east-1",
        ),
        parameter_spec(
            "LoggingBucketName",
            label="Access log bucket",
            Description=f"Optional bucket of this account for CloudFront standard logs, named "
            f"{names.LOG_BUCKET_NAME_PREFIX}... (ACLs must be enabled on it: ObjectOwnership "
            "BucketOwnerPreferred). Empty: no access logs.",
            Default="",
            AllowedPattern=patterns.optional(patterns.LOG_BUCKET_NAME),
            ConstraintDescription=f"empty, or a bucket name starting with "
            f"{names.LOG_BUCKET_NAME_PREFIX} (up to 63 lowercase letters, digits and hyphens)",
        ),
        parameter_spec(
            "LoggingPrefix",
            label="Access log prefix",
            Description="Key prefix of the access logs in the log bucket.",
            Default="cloudfront/",
            AllowedPattern=r"^[A-Za-z0-9!_.*'()/-]{0,256}$",
            ConstraintDescription="up to 256 letters, digits and !_.*'()/-",
        ),
        parameter_spec(
            "AlarmTopicName",
            label="Alarm SNS topic name",
            Description=f"Optional SNS topic of this account in us-east-1, named "
            f"{names.TOPIC_NAME_PREFIX}..., notified when the 5xx error rate is too high. "
            "CloudFront metrics exist only in us-east-1, so the alarm needs this stack in "
            "us-east-1, and an alarm notifies topics in its own Region. Empty: no alarm.",
            Default="",
            AllowedPattern=patterns.optional(patterns.TOPIC_NAME),
            ConstraintDescription=f"empty, or a topic name starting with {names.TOPIC_NAME_PREFIX} "
            "(letters, digits, - and _; not an ARN: the topic is always this account's)",
        ),
        parameter_spec(
            "AlarmThresholdPercent",
            label="Alarm threshold (% 5xx)",
            Description="Alarm when the average share of 5xx responses exceeds this percentage.",
            Type="Number",
            Default="5",
            MinValue="1",
            MaxValue="100",
            ConstraintDescription="a percentage from 1 to 100",
        ),
        parameter_spec(
            "AlarmPeriodSeconds",
            label="Alarm period (seconds)",
            Description="Length of one evaluation period (a multiple of 60 seconds).",
            Type="Number",
            Default="300",
            MinValue="60",
            MaxValue="3600",
            AllowedValues=["60", "300", "900", "3600"],
            ConstraintDescription="60, 300, 900 or 3600 seconds",
        ),
        parameter_spec(
            "AlarmEvaluationPeriods",
            label="Alarm evaluation periods",
            Description="How many consecutive periods above the threshold raise the alarm.",
            Type="Number",
            Default="2",
            MinValue="1",
            MaxValue="24",
            ConstraintDescription="a whole number from 1 to 24",
        ),
    ),
)

#: Every parameter, in console order.
PARAMETERS: tuple[ParameterGroup, ...] = (
    _ORIGIN_PARAMETERS,
    _SIGNING_PARAMETERS,
    _CUSTOM_DOMAIN_PARAMETERS,
    _DELIVERY_PARAMETERS,
    _PROTECTION_AND_MONITORING_PARAMETERS,
)


def build(options: DistributionOptions | None = None) -> ProductTemplate:
    """The standalone distribution product."""
    options = options or DistributionOptions()
    product = ProductTemplate(
        "Signed URLs - distribution: CloudFront distribution in front of the private bucket "
        "through Origin Access Control, with signed downloads and uploads"
    )
    template = product.template
    parameters = product.add_parameter_groups(PARAMETERS)
    _add_conditions(product, parameters)
    _add_rules(product, parameters)
    distribution = _add_signed_distribution(template, parameters, options)
    first_alias = Select(0, Split(",", Ref(parameters["Aliases"])))
    add_alias_records(
        template,
        record_name=first_alias,
        hosted_zone_id=Ref(parameters["HostedZoneId"]),
        distribution=distribution,
        condition=DNS_RECORDS,
    )
    add_error_rate_alarm(
        template,
        distribution=distribution,
        topic_arn=Sub(
            "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${AlarmTopicName}"
        ),
        threshold_percent=Ref(parameters["AlarmThresholdPercent"]),
        period_seconds=Ref(parameters["AlarmPeriodSeconds"]),
        evaluation_periods=Ref(parameters["AlarmEvaluationPeriods"]),
        condition=ALARM,
    )
    _add_outputs(product, distribution=distribution, first_alias=first_alias)
    return product


def _add_behaviors(
    template: Template, parameters: dict[str, Any], options: DistributionOptions
) -> tuple[DefaultCacheBehavior, CacheBehavior]:
    """The download (``/*``) and upload behaviors, with the policies they use."""
    cache_policy = add_image_cache_policy(
        template,
        min_ttl=options.min_ttl,
        default_ttl=options.default_ttl,
        max_ttl=options.max_ttl,
    )
    origin_request_policy = add_upload_origin_request_policy(
        template, headers=list(options.upload_forwarded_headers)
    )
    cors_headers = [
        header
        for header in options.upload_forwarded_headers
        if header.lower() not in _CORS_REQUEST_HEADERS
    ]
    headers_policy = add_response_headers_policy(
        template,
        cors=If(
            CORS,
            cors_config(
                allowed_origins=Split(",", Ref(parameters["CorsAllowedOrigins"])),
                allowed_headers=cors_headers,
            ),
            NoValue,
        ),
    )
    key_group_id = Ref(parameters["KeyGroupId"])
    download = download_behavior(
        cache_policy_id=Ref(cache_policy),
        response_headers_policy_id=Ref(headers_policy),
        trusted_key_groups=If(SIGNED_DOWNLOADS, [key_group_id], NoValue),
    )
    upload = upload_behavior(
        path_pattern=options.upload_path_pattern,
        origin_request_policy_id=Ref(origin_request_policy),
        response_headers_policy_id=Ref(headers_policy),
        key_group_id=key_group_id,
        upload_function_arn=GetAtt(add_upload_function(template), "FunctionARN"),
    )
    return download, upload


def _add_signed_distribution(
    template: Template, parameters: dict[str, Any], options: DistributionOptions
) -> Distribution:
    """The distribution behind OAC, with the parameters' domain, WAF, logging and price class."""
    oac = add_origin_access_control(template)
    download, upload = _add_behaviors(template, parameters, options)
    return add_distribution(
        template,
        origin_domain_name=Sub(
            "${BucketName}.s3.${Region}.${AWS::URLSuffix}",
            Region=If(BUCKET_IN_OTHER_REGION, Ref(parameters["BucketRegion"]), Region),
        ),
        origin_access_control=oac,
        default_behavior=download,
        upload=upload,
        certificate=viewer_certificate(
            custom_domain_condition=CUSTOM_DOMAIN,
            certificate_arn=Ref(parameters["AcmCertificateArn"]),
        ),
        aliases=If(CUSTOM_DOMAIN, Split(",", Ref(parameters["Aliases"])), NoValue),
        web_acl_id=If(WEB_ACL, Ref(parameters["WebAclArn"]), NoValue),
        logging=If(
            LOGGING,
            Logging(
                Bucket=Sub("${LoggingBucketName}.s3.amazonaws.com"),
                Prefix=Ref(parameters["LoggingPrefix"]),
                IncludeCookies=False,
            ),
            NoValue,
        ),
        price_class=Ref(parameters["PriceClass"]),
    )


def _add_outputs(
    product: ProductTemplate, *, distribution: Distribution, first_alias: AWSHelperFn
) -> None:
    product.add_output("DistributionId", Ref(distribution), "ID of the CloudFront distribution")
    product.add_output(
        "DistributionArn",
        Sub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"),
        "ARN of the distribution (the bucket policy's AWS:SourceArn condition)",
    )
    product.add_output(
        "DistributionDomainName",
        GetAtt(distribution, "DomainName"),
        "The distribution's *.cloudfront.net domain name",
    )
    product.add_output(
        "BaseUrl",
        If(
            CUSTOM_DOMAIN,
            Sub("https://${Alias}", Alias=first_alias),
            Sub("https://${Distribution.DomainName}"),
        ),
        "https:// URL to sign object paths under (first alias, else the CloudFront domain)",
    )
