"""Offline proof of the complete stack's wiring, for every combination of its optional features.

For custom domain off / on / on with DNS records, table off / on (with a sort key and TTL),
service (ECS, Lambda, EC2) vs principal trust (a role, the account with an ExternalId, another
account's role), and CORS off / on,
plus the remaining options on: the Rules accept the launch, and every ``Ref``, ``Fn::GetAtt``,
``Fn::Sub`` variable, ``DependsOn`` and condition name of every resource and output that exists
points at a parameter, pseudo parameter, condition or resource that exists in that launch.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from tests.support.cfn_resolution import ResolvedTemplate
from tests.support.templates import template_data

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

CUSTOM_DOMAIN = {
    "off": {},
    "on": {"Aliases": "files.example.com,*.files.example.com", "AcmCertificateArn": CERTIFICATE},
    "on+dns": {
        "Aliases": "files.example.com",
        "AcmCertificateArn": CERTIFICATE,
        "HostedZoneId": "Z0123456789ABCDEFGHIJ",
    },
}
TABLE = {
    "off": {},
    "on": {
        "CreateMetadataTable": "true",
        "SortKeyName": "uploadedAt",
        "SortKeyType": "N",
        "TimeToLiveAttributeName": "expiresAt",
    },
}
TRUST = {
    "ecs": {"TrustedService": "ecs-tasks.amazonaws.com"},
    "lambda": {"TrustedService": "lambda.amazonaws.com"},
    "ec2": {"TrustedService": "ec2.amazonaws.com"},
    "principal": {"TrustedService": "none", "TrustedPrincipal": "role/app"},
    "account+external-id": {
        "TrustedService": "none",
        "TrustedPrincipal": "root",
        "ExternalId": "team-42",
    },
    "other-account": {
        "TrustedService": "none",
        "TrustedPrincipal": "role/app",
        "TrustedAccountId": "210987654321",
        "ExternalId": "team-42",
    },
}
CORS = {"off": {}, "on": {"CorsAllowedOrigins": "https://app.example.com,http://localhost:3000"}}
#: Every remaining option turned on at once (us-east-1, so that the alarm is allowed).
EXTRAS = {
    "defaults": {},
    "everything": {
        "AWS::Region": "us-east-1",
        "RequireSignedDownloads": "false",
        "ReserveConcurrency": "false",
        "KeyAlgorithm": "ECDSA_P256",
        "WebAclArn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/"
        "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        "LoggingBucketName": "signed-urls-logs-cloudfront",
        "AccessLogBucketName": "signed-urls-logs-s3",
        "AlarmTopicName": "signed-urls-cdn-alarms",
        "MetadataTableName": "photos-v2",
        "UploadExpirationDays": "7",
        "IntelligentTieringTransitionDays": "30",
        "NoncurrentVersionExpirationDays": "0",
    },
}

COMBINATIONS = list(itertools.product(CUSTOM_DOMAIN, TABLE, TRUST, CORS, EXTRAS))


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    return template_data("signed-urls")


def _launch(stack: dict[str, Any], combination: tuple[str, ...]) -> ResolvedTemplate:
    domain, table, trust, cors, extras = combination
    parameters = {
        **CUSTOM_DOMAIN[domain],
        **TABLE[table],
        **TRUST[trust],
        **CORS[cors],
        **EXTRAS[extras],
    }
    return ResolvedTemplate(stack, parameters)


@pytest.mark.parametrize("combination", COMBINATIONS, ids="-".join)
def test_every_reference_resolves_in_every_combination(
    stack: dict[str, Any], combination: tuple[str, ...]
) -> None:
    launch = _launch(stack, combination)
    assert launch.rule_failures() == []
    assert launch.dangling_references() == []


def test_the_combinations_really_switch_the_features(stack: dict[str, Any]) -> None:
    """Each feature adds or removes what it should, so the proof above covers both sides."""
    created = {
        combination: set(_launch(stack, combination).resources_as_written())
        for combination in COMBINATIONS
    }
    every = set().union(*created.values())
    assert every == set(stack["Resources"]), "some resource exists in no combination"
    plain = created[("off", "off", "ecs", "off", "defaults")]
    assert created[("on+dns", "off", "ecs", "off", "defaults")] - plain == {
        "DistributionAliasRecordIpv4",
        "DistributionAliasRecordIpv6",
    }
    assert created[("off", "on", "ecs", "off", "defaults")] - plain == {"MetadataTable"}
    assert created[("off", "off", "ec2", "off", "defaults")] - plain == {
        "IntegrationRoleInstanceProfile"
    }
    assert created[("off", "off", "ecs", "on", "defaults")] - plain == {
        "DistributionResponseHeadersPolicy"
    }


def test_a_reference_to_a_removed_resource_is_caught(stack: dict[str, Any]) -> None:
    """The check fails on a resource that points at one its condition may remove."""
    broken = copy.deepcopy(stack)
    broken["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Comment"] = {
        "Fn::Sub": "Files of ${MetadataTable}"
    }
    launch = ResolvedTemplate(broken, TRUST["ecs"])
    assert launch.dangling_references() == [
        "Resources.Distribution: MetadataTable (removed by its condition "
        "SignedUrlsCreatesMetadataTable)"
    ]
    broken["Outputs"]["BaseUrl"]["Value"] = {"Ref": "NoSuchParameter"}
    assert (
        "Outputs.BaseUrl: NoSuchParameter (no such parameter or resource)"
        in ResolvedTemplate(broken, TRUST["ecs"]).dangling_references()
    )
