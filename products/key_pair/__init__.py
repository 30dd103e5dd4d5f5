"""The key pair product: its template generator and the Lambda source the template inlines.

``template`` builds the product (the generator API is re-exported here, so
``products.key_pair.build`` is the product's entry point like every other product's);
``function`` is the custom resource's runtime code, inlined verbatim into the template;
``reference`` how the product is used (its reference page).
"""

from products.key_pair.reference import USAGE
from products.key_pair.template import (
    FUNCTION_SOURCE,
    KeyPairOptions,
    SigningKeyPair,
    add_key_group,
    add_key_pair_function,
    add_signing_key_pair,
    build,
    function_policy,
)

__all__ = [
    "FUNCTION_SOURCE",
    "USAGE",
    "KeyPairOptions",
    "SigningKeyPair",
    "add_key_group",
    "add_key_pair_function",
    "add_signing_key_pair",
    "build",
    "function_policy",
]
