"""The capability's naming convention: the one home of every name its resources carry.

Products create their resources under these names, the parameters that name another product's
resource accept only names that carry them (``parameter_patterns``), and the permissions
boundary the bootstrap stack creates (``portfolio/bootstrap/boundary.py``) lets the products'
roles act on nothing else. A value without the prefix is refused at launch; a value with it
from another account is outside the boundary. Names that hold an AWS pseudo parameter are
``Fn::Sub`` text.
"""

from __future__ import annotations

from troposphere import Select, Split, StackId, Sub

#: The capability's name: the root of every prefix below.
CAPABILITY = "signed-urls"

#: Path of every IAM role and instance profile the products create, and of the boundary policy.
ROLE_PATH = f"/{CAPABILITY}/"

#: The secret product names its secret ``signed-urls/<SecretName>``.
SECRET_NAME_PREFIX = f"{CAPABILITY}/"

#: Every KMS alias a product creates starts with this.
KMS_ALIAS_PREFIX = f"alias/{CAPABILITY}/"

#: The bucket product names its bucket ``signed-urls-<account>-<region>-<stack id>``: the
#: account ID right after the prefix lets the boundary name only this account's buckets.
BUCKET_NAME_PREFIX = f"{CAPABILITY}-"

#: Log buckets (S3 server access logs, CloudFront standard logs) are the team's own: their
#: names must start with this, which no product bucket name does (an account ID follows
#: ``signed-urls-`` there).
LOG_BUCKET_NAME_PREFIX = f"{CAPABILITY}-logs-"

#: The metadata table product names its table ``signed-urls-<suffix>``.
TABLE_NAME_PREFIX = f"{CAPABILITY}-"

#: The key pair product names its function's log group ``/signed-urls/<stack>/key-pair``.
LOG_GROUP_NAME_PREFIX = f"/{CAPABILITY}/"

#: SNS topics the products notify (the distribution's 5xx alarm) are the team's own, named so.
TOPIC_NAME_PREFIX = f"{CAPABILITY}-"

#: The bootstrap stack of each Region creates the boundary policy ``<this>-<region>`` under
#: ROLE_PATH (IAM is global, so each Region's stack needs its own name, as the launch role does).
BOUNDARY_POLICY_NAME_PREFIX = f"{CAPABILITY}-portfolio-boundary"
BOUNDARY_POLICY_NAME = f"{BOUNDARY_POLICY_NAME_PREFIX}-${{AWS::Region}}"
BOUNDARY_POLICY_ARN = (
    f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy{ROLE_PATH}{BOUNDARY_POLICY_NAME}"
)


def boundary_policy_arn() -> Sub:
    """The boundary of this account and Region, computed from its fixed name (never a
    parameter: a launcher cannot choose a weaker one)."""
    return Sub(BOUNDARY_POLICY_ARN)


def stack_id_suffix() -> Select:
    """The first group of the stack ID's UUID (8 hex digits): unique enough within an account."""
    return Select(0, Split("-", Select(2, Split("/", StackId))))


def product_bucket_name() -> Sub:
    """``signed-urls-<account>-<region>-<8 hex digits of the stack ID>``, at most 48 characters."""
    return Sub(
        f"{BUCKET_NAME_PREFIX}${{AWS::AccountId}}-${{AWS::Region}}-${{Suffix}}",
        Suffix=stack_id_suffix(),
    )
