"""How the key pair product is used: rendered into its reference page (products/reference_docs)."""

from products.building_blocks.usage import (
    EXAMPLE_KMS_KEY_ARN,
    EXAMPLE_SECRET_ARN,
    PassOn,
    ProductUsage,
    ToKit,
    ToParameter,
    ToRuntime,
    Troubleshooting,
)

USAGE = ProductUsage(
    when_to_use="Launch it, with the modular products, right after the secret, when you need "
    "a key group name of your choice or a key pair apart from the complete stack (which holds "
    "its own). Update it with a new `RotationToken` to rotate the key.",
    provisioned_product_name="photos-key-pair",
    parameters=(
        ("SecretArn", EXAMPLE_SECRET_ARN),
        ("KmsKeyArn", EXAMPLE_KMS_KEY_ARN),
        ("KeyAlgorithm", "ECDSA_P256"),
    ),
    pass_on=(
        PassOn(
            "KeyGroupId",
            (ToParameter("distribution", "KeyGroupId"),),
            "the distribution trusts the keys of this group",
        ),
        PassOn(
            "SecretArn",
            (ToKit("Signer.from_secret", "secret_arn"),),
            "signs with the current key and follows rotations",
        ),
        PassOn(
            "PublicKeyId",
            (ToRuntime("nothing to configure: signers read it from the secret (`keyPairId`)"),),
            "changes on every rotation; compare it with a 403's `Key-Pair-Id`",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="`CREATE_FAILED` or a failed rotation with `AccessDeniedException` on the secret",
        fix="`KmsKeyArn` must be the key that encrypts the secret: pass the secret product's "
        "`KmsKeyArn` output ([secret format](../key-pair-secret-format.md))",
    ),
)
