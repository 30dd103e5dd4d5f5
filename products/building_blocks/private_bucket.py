"""Settings every private bucket here shares: the bucket product's and the bootstrap's."""

from __future__ import annotations

from typing import Any

from awacs import s3 as s3_actions
from awacs.aws import Bool, Condition, Deny, Principal, Statement
from troposphere.s3 import OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration


def block_all_public_access() -> PublicAccessBlockConfiguration:
    """All four Block Public Access settings on."""
    return PublicAccessBlockConfiguration(
        BlockPublicAcls=True,
        BlockPublicPolicy=True,
        IgnorePublicAcls=True,
        RestrictPublicBuckets=True,
    )


def bucket_owner_enforced() -> OwnershipControls:
    """ACLs off: the bucket owner owns every object (also what Origin Access Control needs)."""
    return OwnershipControls(Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")])


def deny_without_tls(bucket_arn: Any, objects_arn: Any) -> Statement:
    """Bucket policy statement refusing any request that does not use TLS."""
    return Statement(
        Sid="DenyRequestsWithoutTls",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[s3_actions.Action("*")],
        Resource=[bucket_arn, objects_arn],
        Condition=Condition(Bool({"aws:SecureTransport": "false"})),
    )
