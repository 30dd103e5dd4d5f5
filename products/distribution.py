"""Distribution product: CloudFront in front of the private bucket, through Origin Access Control.

Downloads (``/*``) are read-only, cached for a long time and, by default, need a signed URL or
cookie. Uploads (``/<upload_prefix>/*``) are a write-only inbox: a CloudFront Function
(``distribution_functions/upload_methods.js``, inlined) admits only PUT and the CORS preflight,
signed with a canned-policy URL; they are never cached, and the bucket policy lets CloudFront
write only there and never read there. Every behavior redirects HTTP to HTTPS and answers with
the same security headers. Policies are AWS-managed wherever one fits, so that many
distributions fit in one account; only restricted CORS origins (or a build option) create one.
Custom domain, Route 53 alias records, WAF, standard logging and a 5xx alarm are optional
parameters.

Every resource it is given is the capability's own (``capability_names``): the bucket product's
bucket, a ``signed-urls-logs-`` log bucket, a ``signed-urls-`` topic of this account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from troposphere import (
    And,
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
from products.building_blocks.usage import (
    EXAMPLE_BUCKET_NAME,
    PassOn,
    ProductUsage,
    ToKit,
    ToParameter,
    Troubleshooting,
)

#: AWS-managed policies (their IDs are the same in every account) do not count against the
#: per-account quotas of 20 cache, 20 origin request and 20 response headers policies, so every
#: distribution uses them wherever they fit and creates a policy of its own only when a choice
#: needs one (restricted CORS origins, or a build option). Quotas:
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html

#: Managed cache policy "CachingDisabled" (TTL 0, nothing in the cache key).
CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

#: Managed cache policy "CachingOptimized": no query strings (the signature stays out of the
#: key), no cookies, no headers but the normalized Accept-Encoding (gzip and Brotli); TTLs below.
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
#: CachingOptimized's minimum, default and maximum TTL (seconds): an object without
#: Cache-Control is cached a day; one with ``max-age`` up to a year.
CACHING_OPTIMIZED_TTLS = (1, 86_400, 31_536_000)

#: Managed origin request policy "CORS-S3Origin": forwards Origin,
#: Access-Control-Request-Method and Access-Control-Request-Headers (no cookies, no query
#: strings), so S3's CORS rules can answer preflights, on downloads and uploads alike.
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
CORS_S3_ORIGIN_POLICY_ID = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"

#: Managed response headers policy "SecurityHeadersPolicy": X-Content-Type-Options: nosniff on
#: every response; Strict-Transport-Security (max-age one year), X-Frame-Options SAMEORIGIN,
#: Referrer-Policy strict-origin-when-cross-origin and X-XSS-Protection unless the origin sends
#: them (an S3 object cannot carry these headers).
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
SECURITY_HEADERS_POLICY_ID = "67f7725c-6f97-4210-82d7-5512b31e9d03"

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

#: What a browser upload through CloudFront may send besides the body: the CORS preflight
#: headers, the body's type, and its integrity checksums. The CORS response headers allow the
#: non-preflight ones. Content-Type and Content-MD5 (and Content-Length) reach S3 whatever the
#: origin request policy says ("HTTP request headers and CloudFront behavior"):
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-headers-behavior
#: x-amz-content-sha256 is optional: AWS requires it for PUT/POST through OAC to Lambda
#: function URL origins, not to S3:
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html
#: A build option (``upload_forwarded_headers``) forwards a chosen list with a policy of the
#: distribution's own; never Host (S3 would see the CloudFront name) nor Authorization (OAC
#: signs every origin request).
UPLOAD_HEADERS: tuple[str, ...] = (
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

Both behaviors forward `Origin` and `Access-Control-Request-*` to S3 (AWS-managed origin
request policy CORS-S3Origin), so the bucket's CORS rules answer the preflight; give the bucket
and the distribution the same `CorsAllowedOrigins`.

## Many teams in one account

CloudFront allows 20 cache policies, 20 origin request policies and 20 response headers
policies per account; AWS-managed policies do not count. Downloads use the managed
CachingOptimized (objects without `Cache-Control` are cached a day, with `max-age` up to a
year), uploads CachingDisabled, both CORS-S3Origin, and responses get the managed
SecurityHeadersPolicy. Only `CorsAllowedOrigins` creates a response headers policy of the stack
(CORS for exactly those origins, plus HSTS with subdomains, `X-Frame-Options: DENY`, nosniff and
a strict referrer policy), so at most 20 distributions per account can restrict CORS origins
unless the quota is raised. Every distribution trusts one key group, and an account holds 10 key
groups by default: see [Many teams in one account](signed-urls.md#many-teams-in-one-account).
"""

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
    """Build-time choices: the upload path; custom download TTLs and forwarded upload headers.

    Left as None (the default), the TTLs are the managed CachingOptimized policy's and the upload
    behavior forwards what the managed CORS-S3Origin policy forwards. Setting either makes every
    distribution built from the template create a policy of its own, which counts against the
    account's quota of 20 cache (or origin request) policies: fine for a few teams, not for many.
    Unset TTLs take CachingOptimized's values.
    """

    upload_prefix: str = "uploads"
    min_ttl: int | None = None
    default_ttl: int | None = None
    max_ttl: int | None = None
    upload_forwarded_headers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _check_upload_prefix(self.upload_prefix)
        if self.custom_ttls is not None:
            _check_ttls(*self.custom_ttls)
        if self.upload_forwarded_headers is not None:
            _check_forwarded_headers(self.upload_forwarded_headers)

    @property
    def upload_path_pattern(self) -> str:
        return f"/{self.upload_prefix}/*"

    @property
    def custom_ttls(self) -> tuple[int, int, int] | None:
        """(min, default, max) of a custom download cache policy; None for CachingOptimized."""
        chosen = (self.min_ttl, self.default_ttl, self.max_ttl)
        if chosen == (None, None, None):
            return None
        min_ttl, default_ttl, max_ttl = (
            managed if value is None else value
            for value, managed in zip(chosen, CACHING_OPTIMIZED_TTLS, strict=True)
        )
        return min_ttl, default_ttl, max_ttl


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
    """Custom TTLs for immutable objects; signature query strings stay out of the key."""
    return template.add_resource(
        CachePolicy(
            "DistributionImageCachePolicy",
            CachePolicyConfig=CachePolicyConfig(
                Name=_stack_unique_name("images"),
                Comment="Immutable objects: custom TTLs; no header, cookie or query string in key",
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


def download_cache_policy_id(template: Template, options: DistributionOptions) -> Any:
    """CachingOptimized, or (custom TTLs as a build option) a cache policy of this stack."""
    if options.custom_ttls is None:
        return CACHING_OPTIMIZED_POLICY_ID
    min_ttl, default_ttl, max_ttl = options.custom_ttls
    return Ref(
        add_image_cache_policy(template, min_ttl=min_ttl, default_ttl=default_ttl, max_ttl=max_ttl)
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
                Comment="Signed uploads: the chosen headers only",
                CookiesConfig=OriginRequestCookiesConfig(CookieBehavior="none"),
                HeadersConfig=OriginRequestHeadersConfig(
                    HeaderBehavior="whitelist", Headers=headers
                ),
                QueryStringsConfig=OriginRequestQueryStringsConfig(QueryStringBehavior="none"),
            ),
        )
    )


def upload_origin_request_policy_id(template: Template, options: DistributionOptions) -> Any:
    """CORS-S3Origin, or (forwarded headers as a build option) a policy of this stack."""
    if options.upload_forwarded_headers is None:
        return CORS_S3_ORIGIN_POLICY_ID
    return Ref(
        add_upload_origin_request_policy(template, headers=list(options.upload_forwarded_headers))
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


def add_response_headers_policy(
    template: Template, *, cors: CorsConfig, condition: str
) -> ResponseHeadersPolicy:
    """CORS for the allowed origins plus HSTS, nosniff, DENY framing and a strict referrer
    policy; created only while ``condition`` holds (no managed policy takes chosen origins)."""
    return template.add_resource(
        ResponseHeadersPolicy(
            "DistributionResponseHeadersPolicy",
            Condition=condition,
            ResponseHeadersPolicyConfig=ResponseHeadersPolicyConfig(
                Name=_stack_unique_name("headers"),
                Comment="CORS for the allowed origins, and security headers",
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


def response_headers_policy_id(
    template: Template, *, allowed_origins: Any, options: DistributionOptions
) -> If:
    """With CORS origins, a policy of this stack; otherwise the managed SecurityHeadersPolicy."""
    allowed_headers = [
        header
        for header in options.upload_forwarded_headers or UPLOAD_HEADERS
        if header.lower() not in _CORS_REQUEST_HEADERS
    ]
    policy = add_response_headers_policy(
        template,
        cors=cors_config(allowed_origins=allowed_origins, allowed_headers=allowed_headers),
        condition=CORS,
    )
    return If(CORS, Ref(policy), SECURITY_HEADERS_POLICY_ID)


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


def add_conditions(template: Template, parameters: Mapping[str, Any]) -> None:
    """The feature conditions, from the parameters named in ``FEATURE_PARAMETERS``."""
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


def add_rules(template: Template, parameters: Mapping[str, Any]) -> None:
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
        template.add_rule(
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

SIGNING_PARAMETERS = ParameterGroup(
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

CUSTOM_DOMAIN_PARAMETERS = ParameterGroup(
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

DELIVERY_PARAMETERS = ParameterGroup(
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

PROTECTION_AND_MONITORING_PARAMETERS = ParameterGroup(
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
    SIGNING_PARAMETERS,
    CUSTOM_DOMAIN_PARAMETERS,
    DELIVERY_PARAMETERS,
    PROTECTION_AND_MONITORING_PARAMETERS,
)


#: The parameter groups a template must declare (same names) to use ``add_conditions``,
#: ``add_rules``, ``add_signed_distribution`` and ``add_dns_records_and_alarm``.
FEATURE_PARAMETERS: tuple[ParameterGroup, ...] = (
    CUSTOM_DOMAIN_PARAMETERS,
    DELIVERY_PARAMETERS,
    PROTECTION_AND_MONITORING_PARAMETERS,
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
    add_conditions(template, parameters)
    template.add_condition(BUCKET_IN_OTHER_REGION, _not_empty(parameters["BucketRegion"]))
    add_rules(template, parameters)
    distribution = add_signed_distribution(
        template,
        parameters,
        options,
        origin_domain_name=Sub(
            "${BucketName}.s3.${Region}.${AWS::URLSuffix}",
            Region=If(BUCKET_IN_OTHER_REGION, Ref(parameters["BucketRegion"]), Region),
        ),
        key_group_id=Ref(parameters["KeyGroupId"]),
    )
    add_dns_records_and_alarm(template, parameters, distribution)
    _add_outputs(product, parameters, distribution=distribution)
    return product


def add_behaviors(
    template: Template,
    parameters: Mapping[str, Any],
    options: DistributionOptions,
    *,
    key_group_id: Any,
) -> tuple[DefaultCacheBehavior, CacheBehavior]:
    """The download (``/*``) and upload behaviors, with the policies they use."""
    headers_policy_id = response_headers_policy_id(
        template,
        allowed_origins=Split(",", Ref(parameters["CorsAllowedOrigins"])),
        options=options,
    )
    download = download_behavior(
        cache_policy_id=download_cache_policy_id(template, options),
        response_headers_policy_id=headers_policy_id,
        trusted_key_groups=If(SIGNED_DOWNLOADS, [key_group_id], NoValue),
    )
    upload = upload_behavior(
        path_pattern=options.upload_path_pattern,
        origin_request_policy_id=upload_origin_request_policy_id(template, options),
        response_headers_policy_id=headers_policy_id,
        key_group_id=key_group_id,
        upload_function_arn=GetAtt(add_upload_function(template), "FunctionARN"),
    )
    return download, upload


def add_signed_distribution(
    template: Template,
    parameters: Mapping[str, Any],
    options: DistributionOptions,
    *,
    origin_domain_name: Any,
    key_group_id: Any,
) -> Distribution:
    """The distribution behind OAC, with the parameters' domain, WAF, logging and price class.

    ``parameters`` holds (at least) ``FEATURE_PARAMETERS`` by name, and the template has the
    conditions ``add_conditions`` adds.
    """
    oac = add_origin_access_control(template)
    download, upload = add_behaviors(template, parameters, options, key_group_id=key_group_id)
    return add_distribution(
        template,
        origin_domain_name=origin_domain_name,
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


def first_alias(parameters: Mapping[str, Any]) -> Select:
    """The first domain name of ``Aliases``: the DNS record name and ``BaseUrl``'s host."""
    return Select(0, Split(",", Ref(parameters["Aliases"])))


def add_dns_records_and_alarm(
    template: Template, parameters: Mapping[str, Any], distribution: Distribution
) -> None:
    """Route 53 alias records and the 5xx alarm, each only when its parameters ask for it."""
    add_alias_records(
        template,
        record_name=first_alias(parameters),
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


def distribution_arn(distribution: Distribution) -> Sub:
    """The distribution's ARN (the bucket policy's ``AWS:SourceArn``)."""
    return Sub(
        f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/"
        f"${{{distribution.title}}}"
    )


def base_url(parameters: Mapping[str, Any], distribution: Distribution) -> If:
    """https:// URL to sign object paths under: the first alias, else the CloudFront domain."""
    return If(
        CUSTOM_DOMAIN,
        Sub("https://${Alias}", Alias=first_alias(parameters)),
        Sub(f"https://${{{distribution.title}.DomainName}}"),
    )


def _add_outputs(
    product: ProductTemplate, parameters: Mapping[str, Any], *, distribution: Distribution
) -> None:
    product.add_output("DistributionId", Ref(distribution), "ID of the CloudFront distribution")
    product.add_output(
        "DistributionArn",
        distribution_arn(distribution),
        "ARN of the distribution (the bucket policy's AWS:SourceArn condition)",
    )
    product.add_output(
        "DistributionDomainName",
        GetAtt(distribution, "DomainName"),
        "The distribution's *.cloudfront.net domain name",
    )
    product.add_output(
        "BaseUrl",
        base_url(parameters, distribution),
        "https:// URL to sign object paths under (first alias, else the CloudFront domain)",
    )


#: How the product is used: rendered into its reference page (products/reference_docs.py).
USAGE = ProductUsage(
    when_to_use="Launch it, with the modular products, after the key pair and the bucket, when "
    "you need what the complete stack does not offer (a distribution in another Region than "
    "its bucket: set `BucketRegion`); otherwise the complete stack creates the same "
    "distribution.",
    provisioned_product_name="photos-distribution",
    parameters=(
        ("BucketName", EXAMPLE_BUCKET_NAME),
        ("KeyGroupId", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
        ("CorsAllowedOrigins", "https://app.example.com"),
    ),
    pass_on=(
        PassOn(
            "DistributionArn",
            (ToParameter("bucket", "DistributionArn"),),
            "update the bucket with it: until then CloudFront may not read or write the bucket",
        ),
        PassOn(
            "BaseUrl",
            (ToKit("object_url", "base_url"),),
            "every signed URL points under it",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="`CREATE_FAILED` on the distribution with `CNAMEAlreadyExists`",
        fix="an alias in `Aliases` belongs to another distribution (an alias serves one "
        "distribution at a time): remove it there first, or choose another name",
    ),
)
