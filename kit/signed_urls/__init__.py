"""Sign and verify CloudFront URLs and cookies for the signed-URLs capability.

    from signed_urls import SigningKey, Signer, Policy, verify_url, verify_cookies

``Signer.from_secret(arn)`` reads the key pair product's secret and follows rotations;
``signed_urls.testing.LocalEdge`` is a CloudFront stand-in for offline tests.
"""

from signed_urls.errors import KeyPairNotReady, SecretFormatError, SigningInputError
from signed_urls.keys import SigningKey
from signed_urls.policy import Policy, object_url
from signed_urls.signer import SignedPolicy, Signer
from signed_urls.verify import Verdict, verify_cookies, verify_url

__all__ = [
    "KeyPairNotReady",
    "Policy",
    "SecretFormatError",
    "SignedPolicy",
    "Signer",
    "SigningInputError",
    "SigningKey",
    "Verdict",
    "object_url",
    "verify_cookies",
    "verify_url",
]
