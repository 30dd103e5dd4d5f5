"""Secret product: the KMS-encrypted Secrets Manager secret that holds the signing private key.

The key policy follows least privilege: the account administers the key, principals may use
it for data only through Secrets Manager, and may generate new key pairs under it (the key
pair product's function does that; generating a pair reveals no existing secret); nobody but an
AWS service may create grants on it.

The secret is named ``signed-urls/<SecretName>`` and the key's alias starts with
``alias/signed-urls/`` (``capability_names``): the products that use the secret accept only such
names, and the permissions boundary of their roles allows nothing else.
"""

from __future__ import annotations

from typing import Any

from awacs import kms as kms_actions
from awacs.aws import (
    Allow,
    BoolIfExists,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import AccountId, GetAtt, Ref, Sub, Template
from troposphere.kms import Alias, Key
from troposphere.secretsmanager import Secret

from products.building_blocks import capability_names as names
from products.building_blocks import parameter_patterns as patterns
from products.building_blocks.product_template import ProductTemplate
from products.building_blocks.usage import (
    PassOn,
    ProductUsage,
    ToParameter,
    Troubleshooting,
)

#: What the secret holds until the key pair product writes the first key (see README).
#: Never change it: CloudFormation writes SecretString again on any stack update that changes
#: it, which would replace the live signing keys the key pair product wrote with this
#: placeholder (tests/unit/products/test_secret.py pins it).
PLACEHOLDER_SECRET_VALUE = '{"status":"AWAITING_KEY_PAIR"}'

#: Key pair specs the key pair product may generate under this key.
KEY_PAIR_SPECS = ["RSA_2048", "ECC_NIST_P256"]

#: Administration only: no data-plane action and no grant creation (a grant could hand out
#: Decrypt outside Secrets Manager), so administering the key never reads the secret.
_ADMIN_ACTIONS = [
    kms_actions.Action(name)
    for name in (
        "CreateAlias",
        "Describe*",
        "Enable*",
        "List*",
        "Put*",
        "Update*",
        "Revoke*",
        "Disable*",
        "Get*",
        "Delete*",
        "TagResource",
        "UntagResource",
        "ScheduleKeyDeletion",
        "CancelKeyDeletion",
        "RotateKeyOnDemand",
    )
]

#: What Secrets Manager itself calls for a secret under a customer-managed key (it uses no grants).
_SECRETS_MANAGER_USE_ACTIONS = [
    kms_actions.Decrypt,
    kms_actions.GenerateDataKey,
    kms_actions.DescribeKey,
]


def signing_key_policy() -> PolicyDocument:
    """Key policy: administer in-account, use only via Secrets Manager, generate key pairs."""
    account_root = Principal("AWS", Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="AdministerKeyInThisAccount",
                Effect=Allow,
                Principal=account_root,
                Action=_ADMIN_ACTIONS,
                Resource=["*"],
            ),
            Statement(
                Sid="UseKeyOnlyThroughSecretsManager",
                Effect=Allow,
                Principal=account_root,
                Action=_SECRETS_MANAGER_USE_ACTIONS,
                Resource=["*"],
                Condition=Condition(
                    StringEquals(
                        {
                            "kms:ViaService": Sub("secretsmanager.${AWS::Region}.amazonaws.com"),
                            "kms:CallerAccount": AccountId,
                        }
                    )
                ),
            ),
            Statement(
                Sid="GenerateSigningKeyPairs",
                Effect=Allow,
                Principal=account_root,
                Action=[kms_actions.GenerateDataKeyPair],
                Resource=["*"],
                Condition=Condition(StringEquals({"kms:DataKeyPairSpec": KEY_PAIR_SPECS})),
            ),
            deny_grants_except_for_aws_services(),
        ],
    )


def deny_grants_except_for_aws_services() -> Statement:
    """No grant unless an AWS service creates it, for a caller or as itself (CT.KMS.PR.3).

    The Allow statements already grant no kms:CreateGrant; the Deny keeps it so as the policy
    grows (a grant could hand out Decrypt outside Secrets Manager). kms:GrantIsForAWSResource
    is true only when a KMS-integrated AWS service calls on a principal's behalf:
    https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html
    """
    return Statement(
        Sid="DenyGrantsExceptForAwsServices",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[kms_actions.CreateGrant],
        Resource=["*"],
        Condition=Condition(
            BoolIfExists(
                {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
            )
        ),
    )


def stack_key_alias() -> Sub:
    """``alias/signed-urls/<stack name>``: the boundary and the launch role allow this prefix."""
    return Sub(f"{names.KMS_ALIAS_PREFIX}${{AWS::StackName}}")


def add_signing_key(template: Template, *, alias_name: Any) -> Key:
    """Customer-managed KMS key with yearly rotation; retained when the stack goes."""
    key = template.add_resource(
        Key(
            "SigningSecretKey",
            Description=Sub("Encrypts the CloudFront signing key secret of ${AWS::StackName}"),
            EnableKeyRotation=True,
            KeyPolicy=signing_key_policy(),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    template.add_resource(
        Alias("SigningSecretKeyAlias", AliasName=alias_name, TargetKeyId=Ref(key))
    )
    return key


def add_signing_secret(template: Template, *, name: Any, key: Key) -> Secret:
    """The secret the key pair product writes; created with a placeholder value."""
    return template.add_resource(
        Secret(
            "SigningSecret",
            Name=name,
            Description="CloudFront signing key pair (written by the key pair product)",
            KmsKeyId=Ref(key),
            SecretString=PLACEHOLDER_SECRET_VALUE,
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )


def build() -> ProductTemplate:
    """The standalone secret product."""
    product = ProductTemplate(
        "Signed URLs - secret: KMS-encrypted Secrets Manager secret for the CloudFront "
        "signing private key"
    )
    product.add_parameter(
        "SecretName",
        group="Secret",
        label="Secret name",
        Description=f"Name of the Secrets Manager secret that will hold the signing key pair, "
        f"after the prefix {names.SECRET_NAME_PREFIX} the product adds (photos/signing-key "
        f"makes {names.SECRET_NAME_PREFIX}photos/signing-key). Unique in the account and Region.",
        AllowedPattern=patterns.required(patterns.SECRET_NAME_SUFFIX),
        ConstraintDescription=f"1-{512 - len(names.SECRET_NAME_PREFIX)} characters: letters, "
        "digits and /_+=.@-",
    )
    key = add_signing_key(product.template, alias_name=stack_key_alias())
    secret = add_signing_secret(
        product.template, name=Sub(f"{names.SECRET_NAME_PREFIX}${{SecretName}}"), key=key
    )
    product.add_output("SecretArn", Ref(secret), "ARN of the signing key secret")
    product.add_output("KmsKeyArn", GetAtt(key, "Arn"), "ARN of the KMS key encrypting it")
    return product


#: How the product is used: rendered into its reference page (products/reference_docs.py).
USAGE = ProductUsage(
    when_to_use="Launch it first when you assemble the modular products yourself (the "
    "complete stack holds its own secret). It holds the signing private key that the key pair "
    "product writes; one secret per key pair stack.",
    provisioned_product_name="photos-secret",
    parameters=(("SecretName", "photos/cloudfront-signing-key"),),
    pass_on=(
        PassOn(
            "SecretArn",
            (ToParameter("key-pair", "SecretArn"), ToParameter("integration-role", "SecretArn")),
            "the key pair writes the key into it; the role may read it",
        ),
        PassOn(
            "KmsKeyArn",
            (ToParameter("key-pair", "KmsKeyArn"), ToParameter("integration-role", "KmsKeyArn")),
            "the secret's own key: both need it to write or read the secret",
        ),
    ),
    troubleshooting=Troubleshooting(
        symptom="`CREATE_FAILED` on the secret: a secret with this name already exists",
        fix="secrets are retained when a stack is deleted, so an earlier launch left it: choose "
        "another `SecretName`, or delete the old secret (`aws secretsmanager delete-secret`) "
        "once nothing signs with it",
    ),
)
