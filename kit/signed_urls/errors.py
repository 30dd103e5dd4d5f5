"""The kit's errors: bad input names the argument it is about, in one line."""

from __future__ import annotations


class SigningInputError(ValueError):
    """An argument the kit cannot sign with; the message starts with the argument's name."""


class SecretFormatError(SigningInputError):
    """The secret does not hold the key pair format (docs/key-pair-secret-format.md)."""


class KeyPairNotReady(SecretFormatError):
    """The secret still holds the secret product's placeholder: no key pair yet."""
