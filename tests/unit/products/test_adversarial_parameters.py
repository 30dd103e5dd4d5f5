"""Every parameter that grants access to something, against the values an adversary would try.

Someone allowed to launch products may type anything into a parameter. Each row of ``ATTACKS``
is one such value (another account's resource, another team's resource without the
capability's prefix, a wildcard, a trust wider than asked) and how it is stopped, evaluated
here rather than asserted:

- ``LAUNCH``: CloudFormation refuses the launch before creating anything: the parameter's
  AllowedPattern or AllowedValues (its ConstraintDescription is shown), or a template Rule whose
  message names the parameter.
- ``BOUNDARY``: the value passes (a pattern cannot see whose account an ARN belongs to: rule
  functions cannot take an ARN apart,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-rules.html),
  but every call the product's roles could make on it is outside the permissions boundary of
  the bootstrap stack, evaluated for the resolved template and boundary.
- ``BUCKET_POLICY``: the value passes, and the bucket product's policy refuses CloudFront
  requests from that distribution.

Every parameter of every product is either attacked here or listed in ``GRANTS_NOTHING`` with
the reason; a parameter that appears in any policy document must be attacked. A new parameter
fails ``test_every_parameter_is_classified`` until someone decides which it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

import pytest

from portfolio.bootstrap.template import build_bootstrap
from tests.support.bootstrap_template import boundary_statements
from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.iam_evaluation import Request, allows
from tests.support.templates import SPECS, template_data

ACCOUNT = "111122223333"
OTHER = "999988887777"
REGION = "us-east-1"
STACK = f"SC-{ACCOUNT}-pp-abcdefghijklm"


def pseudo(account: str = ACCOUNT) -> dict[str, str]:
    return {
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::StackName": STACK,
        "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{account}:stack/{STACK}/"
        "1a2b3c4d-0000-1111-2222-333344445555",
    }


def _secret(account: str, name: str) -> str:
    return f"arn:aws:secretsmanager:{REGION}:{account}:secret:{name}-AbCdEf"


def _key(account: str, key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{key_id}"


SECRET = _secret(ACCOUNT, "signed-urls/photos")
TEAM_B_SECRET = _secret(ACCOUNT, "team-b/db-password")
OTHER_ACCOUNT_SECRET = _secret(OTHER, "signed-urls/photos")
KEY = _key(ACCOUNT, "1234abcd-12ab-34cd-56ef-1234567890ab")
TEAM_B_KEY = _key(ACCOUNT, "99998888-7777-6666-5555-444433332222")
OTHER_ACCOUNT_KEY = _key(OTHER, "1234abcd-12ab-34cd-56ef-1234567890ab")
BUCKET_NAME = f"signed-urls-{ACCOUNT}-{REGION}-1a2b3c4d"
OTHER_ACCOUNT_BUCKET_NAME = f"signed-urls-{OTHER}-{REGION}-5e6f7a8b"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/signed-urls-files"
TABLE_KEY = _key(ACCOUNT, "5555aaaa-6666-7777-8888-999900001111")
DISTRIBUTION = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2QWRUHAPOMQZL"
OTHER_ACCOUNT_DISTRIBUTION = f"arn:aws:cloudfront::{OTHER}:distribution/E1OTHERACCOUNT"

#: A launch that works: every attack changes one parameter of it (and says which others).
VALID: dict[str, dict[str, str]] = {
    "secret": {"SecretName": "photos"},
    "key-pair": {"SecretArn": SECRET, "KmsKeyArn": KEY},
    "bucket": {"DistributionArn": DISTRIBUTION},
    "distribution": {"BucketName": BUCKET_NAME, "KeyGroupId": "6d3d4b53-a5d4-4e2b-8f1c"},
    "metadata-table": {},
    "integration-role": {
        "TrustedService": "lambda.amazonaws.com",
        "SecretArn": SECRET,
        "KmsKeyArn": KEY,
        "TableArn": TABLE,
        "TableKmsKeyArn": TABLE_KEY,
        "BucketArn": f"arn:aws:s3:::{BUCKET_NAME}",
        "BucketKmsKeyArn": KEY,
    },
}

#: What the services put in the request context when a product role uses its own resources
#: legitimately (keys a statement does not test are ignored).
LEGITIMATE_CONTEXT = {
    "kms:EncryptionContext:SecretARN": SECRET,
    "kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET_NAME}",
    "kms:EncryptionContext:aws:dynamodb:tableName": "signed-urls-files",
    "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
    "aws:ResourceAccount": ACCOUNT,
}


class Stop(Enum):
    LAUNCH = "refused at launch"
    BOUNDARY = "outside the permissions boundary"
    BUCKET_POLICY = "refused by the bucket product's policy"


@dataclass(frozen=True)
class Attack:
    """``parameter`` = ``value`` (with ``others`` changed too) in a launch of ``product``."""

    product: str
    parameter: str
    value: str
    stop: Stop
    aim: str
    others: Mapping[str, str] = field(default_factory=dict)
    #: BOUNDARY: what the aimed-at resource puts in the request context.
    context: Mapping[str, str] = field(default_factory=dict)
    #: BUCKET_POLICY: the bucket product's launch that owns the bucket, and who asks.
    victim: Mapping[str, str] = field(default_factory=dict)
    source_arn: str = ""

    @property
    def parameters(self) -> dict[str, str]:
        return {**VALID[self.product], **self.others, self.parameter: self.value}

    def __str__(self) -> str:
        return f"{self.product}.{self.parameter}={self.value[:60]} ({self.aim})"


_TRUST_PRINCIPAL = {"TrustedService": "none", "TrustedPrincipal": "root"}
_WITH_BUCKET = {"BucketArn": f"arn:aws:s3:::{BUCKET_NAME}"}

ATTACKS: tuple[Attack, ...] = (
    # --- key pair: the function writes the private key into SecretArn
    Attack("key-pair", "SecretArn", TEAM_B_SECRET, Stop.LAUNCH, "overwrite another team's secret"),
    Attack(
        "key-pair",
        "SecretArn",
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:signed-urls/*",
        Stop.LAUNCH,
        "every capability secret (wildcard)",
    ),
    Attack(
        "key-pair", "SecretArn", OTHER_ACCOUNT_SECRET, Stop.BOUNDARY, "another account's secret"
    ),
    Attack(
        "key-pair",
        "KmsKeyArn",
        _key(ACCOUNT, "*"),
        Stop.LAUNCH,
        "every key of the account (wildcard)",
    ),
    Attack(
        "key-pair",
        "KmsKeyArn",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/secretsmanager",
        Stop.LAUNCH,
        "the default key of every secret (an alias)",
    ),
    Attack(
        "key-pair",
        "KmsKeyArn",
        OTHER_ACCOUNT_KEY,
        Stop.BOUNDARY,
        "another account's key",
        context={"kms:EncryptionContext:SecretARN": SECRET},
    ),
    Attack(
        "key-pair",
        "KmsKeyArn",
        TEAM_B_KEY,
        Stop.BOUNDARY,
        "decrypt another team's secrets with their key",
        context={"kms:EncryptionContext:SecretARN": TEAM_B_SECRET},
    ),
    # --- integration role: who may assume it
    Attack(
        "integration-role",
        "TrustedService",
        "sts.amazonaws.com",
        Stop.LAUNCH,
        "a service that is not the application's",
    ),
    Attack("integration-role", "TrustedService", "*", Stop.LAUNCH, "every service"),
    Attack(
        "integration-role",
        "TrustedPrincipal",
        f"arn:aws:iam::{OTHER}:root",
        Stop.LAUNCH,
        "another account, by ARN, without the opt-in",
        others={"TrustedService": "none"},
    ),
    Attack(
        "integration-role",
        "TrustedPrincipal",
        "*",
        Stop.LAUNCH,
        "everyone",
        others={"TrustedService": "none"},
    ),
    Attack(
        "integration-role",
        "TrustedPrincipal",
        "role/*",
        Stop.LAUNCH,
        "every role (wildcard)",
        others={"TrustedService": "none"},
    ),
    Attack(
        "integration-role",
        "TrustedAccountId",
        OTHER,
        Stop.LAUNCH,
        "another account without an ExternalId (confused deputy)",
        others=_TRUST_PRINCIPAL,
    ),
    Attack(
        "integration-role",
        "TrustedAccountId",
        "*",
        Stop.LAUNCH,
        "every account",
        others=_TRUST_PRINCIPAL,
    ),
    Attack(
        "integration-role",
        "ExternalId",
        "",
        Stop.LAUNCH,
        "drop the ExternalId of a cross-account trust",
        others={**_TRUST_PRINCIPAL, "TrustedAccountId": OTHER},
    ),
    # --- integration role: what it may use
    Attack("integration-role", "SecretArn", TEAM_B_SECRET, Stop.LAUNCH, "another team's secret"),
    Attack(
        "integration-role",
        "SecretArn",
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:*",
        Stop.LAUNCH,
        "every secret (wildcard)",
    ),
    Attack(
        "integration-role",
        "SecretArn",
        OTHER_ACCOUNT_SECRET,
        Stop.BOUNDARY,
        "another account's secret",
    ),
    Attack(
        "integration-role", "KmsKeyArn", _key(ACCOUNT, "*"), Stop.LAUNCH, "every key (wildcard)"
    ),
    Attack(
        "integration-role",
        "KmsKeyArn",
        OTHER_ACCOUNT_KEY,
        Stop.BOUNDARY,
        "another account's key",
        context={"kms:EncryptionContext:SecretARN": SECRET},
    ),
    Attack(
        "integration-role",
        "KmsKeyArn",
        TEAM_B_KEY,
        Stop.BOUNDARY,
        "decrypt another team's secrets with their key",
        context={"kms:EncryptionContext:SecretARN": TEAM_B_SECRET},
    ),
    Attack(
        "integration-role",
        "TableArn",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders",
        Stop.LAUNCH,
        "another team's table",
    ),
    Attack(
        "integration-role",
        "TableArn",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/signed-urls-*",
        Stop.LAUNCH,
        "every capability table (wildcard)",
    ),
    Attack(
        "integration-role",
        "TableArn",
        TABLE.replace(ACCOUNT, OTHER),
        Stop.BOUNDARY,
        "another account's table",
    ),
    Attack(
        "integration-role",
        "TableKmsKeyArn",
        _key(ACCOUNT, "*"),
        Stop.LAUNCH,
        "every key (wildcard)",
    ),
    Attack(
        "integration-role",
        "TableKmsKeyArn",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/dynamodb",
        Stop.LAUNCH,
        "the AWS managed key of every table (an alias)",
    ),
    Attack(
        "integration-role",
        "TableKmsKeyArn",
        OTHER_ACCOUNT_KEY,
        Stop.BOUNDARY,
        "another account's key",
        context={
            "kms:EncryptionContext:aws:dynamodb:tableName": "signed-urls-files",
            "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
        },
    ),
    Attack(
        "integration-role",
        "TableKmsKeyArn",
        TEAM_B_KEY,
        Stop.BOUNDARY,
        "read another team's table with their key",
        context={
            "kms:EncryptionContext:aws:dynamodb:tableName": "orders",
            "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
        },
    ),
    Attack(
        "integration-role",
        "BucketArn",
        "arn:aws:s3:::team-b-data",
        Stop.LAUNCH,
        "another team's bucket",
    ),
    Attack("integration-role", "BucketArn", "arn:aws:s3:::*", Stop.LAUNCH, "every bucket"),
    Attack(
        "integration-role",
        "BucketArn",
        f"arn:aws:s3:::{OTHER_ACCOUNT_BUCKET_NAME}",
        Stop.BOUNDARY,
        "another account's capability bucket",
        context={"aws:ResourceAccount": OTHER},
    ),
    Attack(
        "integration-role",
        "BucketArn",
        f"arn:aws:s3:::signed-urls-{ACCOUNT}-{REGION}-squatted",
        Stop.BOUNDARY,
        "a bucket another account created under this account's prefix (names are global)",
        context={"aws:ResourceAccount": OTHER},
    ),
    Attack(
        "integration-role",
        "BucketKmsKeyArn",
        _key(ACCOUNT, "*"),
        Stop.LAUNCH,
        "every key (wildcard)",
        others=_WITH_BUCKET,
    ),
    Attack(
        "integration-role",
        "BucketKmsKeyArn",
        OTHER_ACCOUNT_KEY,
        Stop.BOUNDARY,
        "another account's key",
        others=_WITH_BUCKET,
        context={"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET_NAME}"},
    ),
    Attack(
        "integration-role",
        "BucketKmsKeyArn",
        TEAM_B_KEY,
        Stop.BOUNDARY,
        "read another team's SSE-KMS bucket with their key",
        others=_WITH_BUCKET,
        context={"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::team-b-data"},
    ),
    # --- bucket: who may read and upload, where logs go
    Attack(
        "bucket",
        "DistributionArn",
        f"arn:aws:cloudfront::{ACCOUNT}:distribution/*",
        Stop.LAUNCH,
        "every distribution (wildcard)",
    ),
    Attack(
        "bucket",
        "DistributionArn",
        OTHER_ACCOUNT_DISTRIBUTION,
        Stop.BUCKET_POLICY,
        "let another account's distribution read and upload",
        victim={"DistributionArn": OTHER_ACCOUNT_DISTRIBUTION},
        source_arn=OTHER_ACCOUNT_DISTRIBUTION,
    ),
    Attack("bucket", "AccessLogBucketName", "team-b-data", Stop.LAUNCH, "another team's bucket"),
    Attack(
        "bucket",
        "AccessLogBucketName",
        BUCKET_NAME,
        Stop.LAUNCH,
        "a bucket whose objects downloads serve",
    ),
    Attack("bucket", "AccessLogBucketName", "*", Stop.LAUNCH, "wildcard"),
    # --- distribution: what it serves, where logs and alarms go
    Attack("distribution", "BucketName", "team-b-data", Stop.LAUNCH, "serve another team's bucket"),
    Attack("distribution", "BucketName", "*", Stop.LAUNCH, "wildcard"),
    Attack(
        "distribution",
        "BucketName",
        OTHER_ACCOUNT_BUCKET_NAME,
        Stop.BUCKET_POLICY,
        "serve another account's capability bucket",
        victim={"AWS::AccountId": OTHER, "DistributionArn": OTHER_ACCOUNT_DISTRIBUTION},
        source_arn=DISTRIBUTION,
    ),
    Attack(
        "distribution",
        "LoggingBucketName",
        "team-b-data",
        Stop.LAUNCH,
        "open another team's bucket to log delivery (its ACL)",
    ),
    Attack(
        "distribution",
        "LoggingBucketName",
        BUCKET_NAME,
        Stop.LAUNCH,
        "a bucket whose objects downloads serve",
    ),
    Attack(
        "distribution",
        "AlarmTopicName",
        f"arn:aws:sns:{REGION}:{OTHER}:signed-urls-alarms",
        Stop.LAUNCH,
        "another account's topic",
    ),
    Attack("distribution", "AlarmTopicName", "team-b-pager", Stop.LAUNCH, "another team's topic"),
    Attack("distribution", "AlarmTopicName", "*", Stop.LAUNCH, "wildcard"),
)

#: (product, parameter) -> why the value grants no one access to anything.
GRANTS_NOTHING: dict[tuple[str, str], str] = {
    ("secret", "SecretName"): "names the secret this product creates, always under "
    "signed-urls/; CreateSecret fails on a name that exists, so no secret is taken over",
    **dict.fromkeys(
        (
            ("key-pair", "KeyAlgorithm"),
            ("key-pair", "RotationToken"),
            ("key-pair", "ReserveConcurrency"),
        ),
        "how the key pair is generated and rotated",
    ),
    **dict.fromkeys(
        (("key-pair", "KeyGroupName"), ("key-pair", "KeyGroupComment")),
        "labels of the key group this product creates",
    ),
    ("bucket", "BucketKmsKeyArn"): "the key S3 encrypts new objects with; grants nobody "
    "anything: CloudFront may use it only if the key's own policy says so, the integration role "
    "only within the boundary (its BucketKmsKeyArn rows)",
    **dict.fromkeys(
        (
            ("bucket", "AbortIncompleteMultipartUploadDays"),
            ("bucket", "NoncurrentVersionExpirationDays"),
            ("bucket", "UploadExpirationDays"),
            ("bucket", "IntelligentTieringTransitionDays"),
            ("metadata-table", "PartitionKeyName"),
            ("metadata-table", "PartitionKeyType"),
            ("metadata-table", "SortKeyName"),
            ("metadata-table", "SortKeyType"),
            ("metadata-table", "TimeToLiveAttributeName"),
            ("distribution", "PriceClass"),
            ("distribution", "AlarmThresholdPercent"),
            ("distribution", "AlarmPeriodSeconds"),
            ("distribution", "AlarmEvaluationPeriods"),
            ("integration-role", "MaxSessionDuration"),
        ),
        "a setting of the product's own resource",
    ),
    **dict.fromkeys(
        (("bucket", "AccessLogPrefix"), ("distribution", "LoggingPrefix")),
        "a key prefix inside the log bucket, which its own parameter scopes",
    ),
    **dict.fromkeys(
        (("bucket", "CorsAllowedOrigins"), ("distribution", "CorsAllowedOrigins")),
        "which web pages a browser lets read responses; every request still needs a "
        "signature, and wildcard origins are refused by the pattern",
    ),
    ("distribution", "BucketRegion"): "where the bucket named by BucketName is",
    ("distribution", "KeyGroupId"): "whose signatures the launcher's own distribution accepts: "
    "it opens nothing but that distribution",
    ("distribution", "RequireSignedDownloads"): "whether the launcher's own distribution needs "
    "signatures (the portfolio's TEMPLATE constraint requires true)",
    ("distribution", "Aliases"): "names the launcher's own distribution answers to; CloudFront "
    "accepts them only with a certificate covering them",
    ("distribution", "AcmCertificateArn"): "the certificate the distribution presents; grants "
    "nothing",
    ("distribution", "HostedZoneId"): "adds alias records for the first alias; CloudFormation "
    "creates a record set only if none exists, so no record is taken over",
    ("distribution", "WebAclArn"): "attaches a protection, grants nothing; the launch role reads "
    "only this account's web ACLs (wafv2:GetWebACL), which attaching one needs",
    ("metadata-table", "MetadataTableName"): "names the table this product creates, always "
    "under signed-urls-; CreateTable fails on a name that exists",
    ("metadata-table", "TableKmsKeyArn"): "the key DynamoDB encrypts this table with; its grant "
    "on the key serves this table only, and reading items needs the boundary",
}


# --- evaluation -------------------------------------------------------------------------------


@cache
def _template(product: str) -> dict[str, Any]:
    return template_data(product)


def launch_refusal(product: str, parameters: Mapping[str, str]) -> str | None:
    """CloudFormation's refusal of these parameter values (constraints, then Rules), or None."""
    declared = _template(product)["Parameters"]
    for name, value in parameters.items():
        spec = declared[name]
        items = value.split(",") if spec.get("Type") == "CommaDelimitedList" else [value]
        allowed = spec.get("AllowedValues")
        pattern = spec.get("AllowedPattern")
        if any(
            (allowed is not None and item not in allowed)
            or (pattern is not None and not re.fullmatch(pattern, item))
            for item in items
        ):
            return (
                f"Parameter '{name}' failed to satisfy constraint: {spec['ConstraintDescription']}"
            )
    failures = ResolvedTemplate(_template(product), {**pseudo(), **parameters}).rule_failures()
    return failures[0] if failures else None


def _role_statements(resolved: ResolvedTemplate) -> Iterator[dict[str, Any]]:
    for resource in resolved.resources().values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                yield from policy["PolicyDocument"]["Statement"]


def _statement_context(statement: Mapping[str, Any]) -> dict[str, str]:
    """What the role's own conditions pin (the service using a key, the key pair spec)."""
    context = {}
    for block in statement.get("Condition", {}).values():
        for key in ("kms:ViaService", "kms:DataKeyPairSpec"):
            if key in block:
                value = block[key]
                context[key] = value[0] if isinstance(value, list) else value
    return context


def role_requests(
    product: str, parameters: Mapping[str, str], *, naming: str, context: Mapping[str, str]
) -> list[Request]:
    """Every call the product's roles may make on a resource whose ARN holds ``naming``."""
    resolved = ResolvedTemplate(_template(product), {**pseudo(), **parameters})
    requests = []
    for statement in _role_statements(resolved):
        if statement["Effect"] != "Allow":
            continue
        for resource in statement["Resource"]:
            if naming not in str(resource):
                continue
            for action in statement["Action"]:
                requests.append(
                    Request(
                        action,
                        str(resource).replace("*", "example"),
                        {**_statement_context(statement), **context},
                    )
                )
    return requests


@cache
def _boundary() -> list[dict[str, Any]]:
    bootstrap = build_bootstrap().template.to_dict()
    return ResolvedTemplate(bootstrap, pseudo()).value(boundary_statements(bootstrap))


def cloudfront_requests(source_arn: str) -> list[Request]:
    """A download and an upload by CloudFront on behalf of ``source_arn``, over TLS."""
    context = {"aws:SourceArn": source_arn, "aws:SecureTransport": "true"}
    principal = ("Service", "cloudfront.amazonaws.com")
    return [
        Request("s3:GetObject", "<Bucket.Arn>/photos/cat.jpg", context, principal),
        Request("s3:PutObject", "<Bucket.Arn>/uploads/new.jpg", context, principal),
    ]


def bucket_policy(victim: Mapping[str, str]) -> list[dict[str, Any]]:
    """The bucket product's policy as its owner launched it."""
    account = victim.get("AWS::AccountId", ACCOUNT)
    parameters = {k: v for k, v in victim.items() if not k.startswith("AWS::")}
    resolved = ResolvedTemplate(_template("bucket"), {**pseudo(account), **parameters})
    return resolved.resources()["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]


# --- the table ----------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.stop is Stop.LAUNCH], ids=str)
def test_refused_at_launch_with_a_message_naming_the_parameter(attack: Attack) -> None:
    assert launch_refusal(attack.product, VALID[attack.product]) is None, "baseline launches"
    refusal = launch_refusal(attack.product, attack.parameters)
    assert refusal is not None, f"{attack} is accepted"
    assert attack.parameter in refusal, refusal


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.stop is Stop.BOUNDARY], ids=str)
def test_outside_the_permissions_boundary(attack: Attack) -> None:
    assert launch_refusal(attack.product, attack.parameters) is None, "a BOUNDARY row launches"
    requests = role_requests(
        attack.product, attack.parameters, naming=attack.value, context=attack.context
    )
    assert requests, f"no role of {attack.product} uses {attack.parameter}"
    allowed = [request for request in requests if allows(_boundary(), request)]
    assert allowed == []


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.stop is Stop.BUCKET_POLICY], ids=str)
def test_refused_by_the_bucket_policy(attack: Attack) -> None:
    assert launch_refusal(attack.product, attack.parameters) is None, "a BUCKET_POLICY row launches"
    policy = bucket_policy(attack.victim)
    assert not any(allows(policy, request) for request in cloudfront_requests(attack.source_arn))
    # A distribution of the bucket's own account, once named, works: the refusal is about whose
    # distribution it is.
    account = attack.victim.get("AWS::AccountId", ACCOUNT)
    own = f"arn:aws:cloudfront::{account}:distribution/EOWNDISTRIBUTION"
    own_policy = bucket_policy({**attack.victim, "DistributionArn": own})
    assert all(allows(own_policy, request) for request in cloudfront_requests(own))


@pytest.mark.parametrize("product", sorted(VALID))
def test_the_boundary_allows_what_a_valid_launch_needs(product: str) -> None:
    """Not vacuous: the same evaluation lets the roles use the capability's own resources."""
    parameters = VALID[product]
    log_group = (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/signed-urls/{STACK}/key-pair-function:*"
    )
    requests = [
        Request(
            r.action,
            r.resource.replace("<KeyPairFunctionLogGroup.Arn>", log_group),
            {**LEGITIMATE_CONTEXT, **r.context},
        )
        for r in role_requests(product, parameters, naming="", context={})
    ]
    assert [r for r in requests if not allows(_boundary(), r)] == []


# --- the table is complete ------------------------------------------------------------------------


def _all_parameters() -> set[tuple[str, str]]:
    return {(slug, name) for slug in SPECS for name in _template(slug).get("Parameters", {})}


_POLICY_KEYS = {"Policies", "PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy"}


def _referenced(node: Any, names: set[str]) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and value in names:
                yield value
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                yield from (name for name in re.findall(r"\$\{([^}!.]+)\}", text) if name in names)
            yield from _referenced(value, names)
    elif isinstance(node, list):
        for value in node:
            yield from _referenced(value, names)


def parameters_in_policies(slug: str) -> set[str]:
    """Parameters any policy document of the product refers to (trust and key policies too)."""
    template = _template(slug)
    names = set(template.get("Parameters", {}))
    found = set()
    for resource in template["Resources"].values():
        for key, value in resource.get("Properties", {}).items():
            if key in _POLICY_KEYS:
                found |= set(_referenced(value, names))
    return found


def test_every_parameter_is_classified() -> None:
    attacked = {(attack.product, attack.parameter) for attack in ATTACKS}
    assert not attacked & GRANTS_NOTHING.keys(), "a parameter is both attacked and harmless"
    unclassified = _all_parameters() - attacked - GRANTS_NOTHING.keys()
    assert unclassified == set(), "attack it in ATTACKS or say why it grants nothing"
    assert (attacked | GRANTS_NOTHING.keys()) - _all_parameters() == set(), "stale rows"


@pytest.mark.parametrize("slug", sorted(SPECS))
def test_every_parameter_in_a_policy_is_attacked(slug: str) -> None:
    attacked = {attack.parameter for attack in ATTACKS if attack.product == slug}
    assert parameters_in_policies(slug) - attacked == set()


def test_the_table_covers_other_accounts_other_teams_and_wildcards() -> None:
    values = " ".join(attack.value for attack in ATTACKS)
    assert OTHER in values and "team-b" in values and "*" in values
    assert len(ATTACKS) >= 40
