"""What the complete stack's reference page says before its parameters."""

from products.building_blocks.usage import (
    PassOn,
    ProductUsage,
    ToKit,
    ToRuntime,
    Troubleshooting,
)

REFERENCE_NOTES = """\
## One launch

Launch it, choose where your application runs (`TrustedService`, or `TrustedPrincipal` with
`TrustedService=none`), and every other parameter has a default. The stack wires the modular
products' own resources together with in-template references, so nothing is copied by hand:

| From the modular product | Here |
|---|---|
| Secret: KMS key and secret | the secret is named `signed-urls/<stack name>` |
| Key pair: function, key pair, key group | on this secret and key; `RotationToken` rotates |
| Bucket: bucket and bucket policy | SSE-S3; the policy names this distribution (no second step) |
| Distribution: OAC, upload function, distribution | on this bucket and key group |
| Metadata table | only with `CreateMetadataTable=true` |
| Integration role (instance profile for EC2) | granted this secret, key, bucket and table |

Both roles (the integration role and the key pair function's) carry the bootstrap stack's
permissions boundary, as the modular products' do: bootstrap the Region before the first
launch.

Give the application `RoleArn` (or `InstanceProfileName`), `SecretArn`, `BaseUrl` and
`UploadPrefix`; see the [onboarding guide](../onboarding.md). The template is over 51,200 bytes
(the inline Lambda source of the key pair): CloudFormation and Service Catalog load it from S3.

## Checked at launch

Template Rules refuse, before any resource is created and naming the parameters: `Aliases`
without `AcmCertificateArn` (and the reverse), `HostedZoneId` without `Aliases`, an alarm topic
outside us-east-1, both or neither of `TrustedService` and `TrustedPrincipal`, `ExternalId`
without `TrustedPrincipal`, `TrustedAccountId` without `ExternalId`, a `SortKeyType` without a
`SortKeyName` (and the reverse), a sort key named like the partition key.

## Many teams in one account

Each stack creates one CloudFront key group, and an account holds **10 key groups** by default.
The quota is adjustable: in the Service Quotas console (Region us-east-1, where CloudFront's
quotas live) open *Amazon CloudFront*, *Key groups per AWS account*, and request an increase
(or open a support case), before the eleventh team launches. Nothing else the stack creates
counts against a small per-account CloudFront quota: its cache, origin request and security
headers policies are AWS-managed; only `CorsAllowedOrigins` creates a response headers policy
(20 per account by default). Each stack also holds one CloudFront public key, two after a
rotation. CloudFront's quota page lists "public keys per account" (10) under field-level
encryption only; should a launch or a rotation fail with `TooManyPublicKeys`, request that
increase as well. Quotas:
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html

## When to use the modular products instead

The modular products remain for teams that need what one launch does not offer: a bucket
encrypted with their own KMS key (`BucketKmsKeyArn`), a table encrypted with their own key, a
distribution in another Region than its bucket, or a key group name of their choice.
"""

#: How the complete stack is used: rendered into its reference page (products/reference_docs.py).
USAGE = ProductUsage(
    when_to_use="Start here. Launch it when an application needs private uploads and downloads "
    "through CloudFront: one launch provisions the signing key pair and its secret, the "
    "bucket with its write-only upload inbox, the distribution, the role the application runs "
    "with and, with `CreateMetadataTable=true`, a table for file records, all wired together. "
    "Choose the modular products only for what one launch does not offer (below).",
    provisioned_product_name="photos",
    parameters=(
        ("TrustedService", "ecs-tasks.amazonaws.com"),
        ("CreateMetadataTable", "true"),
        ("CorsAllowedOrigins", "https://app.example.com"),
    ),
    pass_on=(
        PassOn(
            "RoleArn",
            (ToRuntime("the ECS task definition's `taskRoleArn` (Lambda: the function's role)"),),
            "the application runs with it: reads the key, publishes uploads, uses the table",
        ),
        PassOn(
            "InstanceProfileName",
            (ToRuntime("the EC2 launch template's `IamInstanceProfile` (`TrustedService` EC2)"),),
            "EC2 instances get the role through it",
        ),
        PassOn(
            "SecretArn",
            (ToKit("Signer.from_secret", "secret_arn"),),
            "signs with the current key and follows rotations",
        ),
        PassOn(
            "BaseUrl",
            (ToKit("object_url", "base_url"),),
            "every signed URL points under it",
        ),
        PassOn(
            "UploadPrefix",
            (ToRuntime("the key prefix the application signs upload URLs under"),),
            "browsers PUT into this write-only inbox",
        ),
        PassOn(
            "BucketName",
            (ToRuntime("the EventBridge rule on new uploads, and the code that publishes them"),),
            "the application checks each upload and copies it out of the inbox",
        ),
        PassOn(
            "TableName",
            (ToRuntime("the application's data access code (boto3 `Table(TableName)`)"),),
            "file records, when `CreateMetadataTable=true`",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="The launch fails at once naming the role `signed-urls-portfolio-launch-<region>`"
        ", or a role fails to create naming the policy `signed-urls-portfolio-boundary-<region>`",
        fix="this account and Region have no bootstrap stack (launch role and permissions "
        "boundary): ask the platform team to bootstrap them "
        "([platform guide](../platform-guide.md))",
    ),
)
