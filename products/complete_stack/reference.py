"""What the complete stack's reference page says before its parameters."""

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
