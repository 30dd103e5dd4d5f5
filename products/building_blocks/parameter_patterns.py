"""AllowedPattern pieces shared by the products.

One product's output is another product's parameter (SecretArn, KmsKeyArn, BucketName...), and
the bucket and the distribution must accept the same CORS origins, so these live in one place.
CloudFormation applies AllowedPattern to the whole value (to each item of a
CommaDelimitedList), so the helpers anchor the pattern.
"""

from __future__ import annotations

import re

from products.building_blocks import capability_names as names

PARTITION = r"aws(-cn|-us-gov)?"
ACCOUNT_ID = r"[0-9]{12}"
REGION = r"[a-z]{2}(-gov)?-[a-z]+-[0-9]"
#: Bucket names CloudFormation generates or a team would pick: no dots, so the virtual-hosted
#: TLS name always matches S3's certificate.
BUCKET_NAME = r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"
#: A browser origin: https with a lowercase host and optional port, or http on localhost for
#: development. No wildcards: S3 CORS and CloudFront response headers policies both take it.
WEB_ORIGIN = r"(https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?|http://localhost)(:[0-9]{1,5})?"
KMS_KEY_ARN = rf"arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:key/[A-Za-z0-9-]{{1,64}}"
SECRET_ARN = rf"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:[A-Za-z0-9/_+=.@-]+"

# --- names of this capability's resources (capability_names): the only ones a product may be
# given. Another account's resource of the same shape is outside the permissions boundary.


def _literal(text: str) -> str:
    """``text`` as a regex that matches only itself; '-' and '/' need no escape (readable in the
    console)."""
    return re.escape(text).replace(r"\-", "-").replace(r"\/", "/")


_SECRET_PREFIX = _literal(names.SECRET_NAME_PREFIX)
_BUCKET_PREFIX = _literal(names.BUCKET_NAME_PREFIX)
_LOG_BUCKET_PREFIX = _literal(names.LOG_BUCKET_NAME_PREFIX)
_TABLE_PREFIX = _literal(names.TABLE_NAME_PREFIX)
_TOPIC_PREFIX = _literal(names.TOPIC_NAME_PREFIX)

#: The part of the secret product's secret name a team picks (the product prepends the prefix;
#: Secrets Manager allows 512 characters in all).
SECRET_NAME_SUFFIX = rf"[A-Za-z0-9/_+=.@-]{{1,{512 - len(names.SECRET_NAME_PREFIX)}}}"
CAPABILITY_SECRET_ARN = (
    rf"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{_SECRET_PREFIX}"
    r"[A-Za-z0-9/_+=.@-]+"
)
#: A bucket the bucket product created: prefix, 12-digit account, then Region and stack ID.
PRODUCT_BUCKET_NAME = rf"{_BUCKET_PREFIX}[0-9]{{12}}-[a-z0-9-]{{0,37}}[a-z0-9]"
PRODUCT_BUCKET_ARN = rf"arn:{PARTITION}:s3:::{PRODUCT_BUCKET_NAME}"
#: A team's log bucket: the log prefix, no dots, 63 characters at most.
LOG_BUCKET_NAME = (
    rf"{_LOG_BUCKET_PREFIX}[a-z0-9-]{{0,{62 - len(names.LOG_BUCKET_NAME_PREFIX)}}}[a-z0-9]"
)
#: The part of the metadata table's name a team picks (DynamoDB allows 255 characters in all).
TABLE_NAME_SUFFIX = rf"[A-Za-z0-9_.-]{{1,{255 - len(names.TABLE_NAME_PREFIX)}}}"
CAPABILITY_TABLE_ARN = (
    rf"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT_ID}:table/{_TABLE_PREFIX}{TABLE_NAME_SUFFIX}"
)
#: A team's SNS topic name (SNS allows 256 characters).
TOPIC_NAME = rf"{_TOPIC_PREFIX}[A-Za-z0-9_-]{{1,{256 - len(names.TOPIC_NAME_PREFIX)}}}"


def required(pattern: str) -> str:
    """Exactly ``pattern``."""
    return f"^({pattern})$"


def optional(pattern: str) -> str:
    """Empty, or exactly ``pattern``."""
    return f"^({pattern})?$"


def comma_separated(pattern: str) -> str:
    """One or more ``pattern`` values separated by commas, no spaces."""
    return f"({pattern})(,({pattern}))*"
