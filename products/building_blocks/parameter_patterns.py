"""AllowedPattern pieces shared by the products.

One product's output is another product's parameter (SecretArn, KmsKeyArn, BucketName...), and
the bucket and the distribution must accept the same CORS origins, so these live in one place.
CloudFormation applies AllowedPattern to the whole value (to each item of a
CommaDelimitedList), so the helpers anchor the pattern.
"""

from __future__ import annotations

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
SNS_TOPIC_ARN_US_EAST_1 = rf"arn:{PARTITION}:sns:us-east-1:{ACCOUNT_ID}:[A-Za-z0-9_-]{{1,256}}"


def required(pattern: str) -> str:
    """Exactly ``pattern``."""
    return f"^({pattern})$"


def optional(pattern: str) -> str:
    """Empty, or exactly ``pattern``."""
    return f"^({pattern})?$"


def comma_separated(pattern: str) -> str:
    """One or more ``pattern`` values separated by commas, no spaces."""
    return f"({pattern})(,({pattern}))*"
