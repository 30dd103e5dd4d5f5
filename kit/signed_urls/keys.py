"""Signing keys: RSA-2048 or ECDSA P-256, the two key types CloudFront trusts.

CloudFront hashes with SHA-1 unless the URL carries ``Hash-Algorithm=SHA256`` (cookie:
``CloudFront-Hash-Algorithm``); RSA signs with RSASSA-PKCS1-v1_5, ECDSA with a DER signature.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-trusted-signers.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PrivateCFSignatureCodeAndExamples.html
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from signed_urls.errors import SigningInputError

HASH_ALGORITHMS = ("SHA256", "SHA1")
RSA_2048 = "RSA_2048"
ECDSA_P256 = "ECDSA_P256"
#: CloudFront public key IDs: upper-case letters and digits (e.g. K2JCJMDEHXQW5F).
_KEY_PAIR_ID = re.compile(r"^[A-Z0-9]{1,128}$")

Sign = Callable[[bytes], bytes]


def check_hash_algorithm(value: str, argument: str = "hash_algorithm") -> str:
    if value not in HASH_ALGORITHMS:
        raise SigningInputError(f"{argument}: {value!r} must be 'SHA256' or 'SHA1'")
    return value


def _hash(name: str) -> hashes.HashAlgorithm:
    return hashes.SHA256() if name == "SHA256" else hashes.SHA1()


def algorithm_of(key: object, argument: str) -> str:
    """RSA_2048 or ECDSA_P256 for a private or public key; SigningInputError for any other."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size == 2048:
        return RSA_2048
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return ECDSA_P256
    raise SigningInputError(
        f"{argument}: CloudFront trusts RSA-2048 and ECDSA P-256 keys only, not {_describe(key)}"
    )


def _describe(key: object) -> str:
    size = getattr(key, "key_size", None)
    return f"{type(key).__name__.lstrip('_')}" + (f" ({size} bits)" if size else "")


class SigningKey:
    """A private key and the ID of its CloudFront public key (``Key-Pair-Id``)."""

    __slots__ = ("_signers", "algorithm", "key_pair_id", "private_key")

    def __init__(self, private_key: object, key_pair_id: str) -> None:
        if not isinstance(key_pair_id, str) or not _KEY_PAIR_ID.match(key_pair_id):
            raise SigningInputError(
                f"key_pair_id: {key_pair_id!r} is not a CloudFront public key ID "
                "(upper-case letters and digits, e.g. K2JCJMDEHXQW5F; the public key ID, not the "
                "key group ID)"
            )
        self.algorithm = algorithm_of(private_key, "private_key")
        self.private_key = private_key
        self.key_pair_id = key_pair_id
        self._signers = {name: _signer(private_key, name) for name in HASH_ALGORITHMS}

    @classmethod
    def from_pem(cls, private_key_pem: str | bytes, key_pair_id: str) -> SigningKey:
        """Load a PEM private key (PKCS#8 or traditional, unencrypted); the type is detected."""
        data = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SigningInputError(
                f"private_key_pem: not an unencrypted PEM private key ({reason})"
            ) from None
        return cls(key, key_pair_id)

    def sign(self, message: bytes, hash_algorithm: str = "SHA256") -> bytes:
        """The raw signature CloudFront checks: PKCS#1 v1.5 (RSA) or DER (ECDSA)."""
        return self._signers[hash_algorithm](message)

    def signer_for(self, hash_algorithm: str) -> Sign:
        """The bound signing function for one hash (no per-call dispatch)."""
        return self._signers[hash_algorithm]

    def public_key_pem(self) -> str:
        """The public key as CloudFront stores it (PEM SubjectPublicKeyInfo)."""
        public = self.private_key.public_key()  # type: ignore[attr-defined]
        pem: bytes = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()

    def __repr__(self) -> str:
        return f"SigningKey(key_pair_id={self.key_pair_id!r}, algorithm={self.algorithm!r})"


def _signer(private_key: object, hash_name: str) -> Sign:
    """A closure over the key and its prepared padding/hash objects (built once, not per call)."""
    chosen = _hash(hash_name)
    if isinstance(private_key, rsa.RSAPrivateKey):
        rsa_key, pkcs1 = private_key, padding.PKCS1v15()

        def sign_rsa(message: bytes) -> bytes:
            return rsa_key.sign(message, pkcs1, chosen)

        return sign_rsa
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    ec_key, ecdsa = private_key, ec.ECDSA(chosen)

    def sign_ec(message: bytes) -> bytes:
        return ec_key.sign(message, ecdsa)

    return sign_ec
