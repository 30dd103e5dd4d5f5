"""Offline testing helpers: ``LocalEdge``, a CloudFront stand-in for this stack.

from signed_urls.testing import LocalEdge

with LocalEdge(s3_client, "my-bucket", {key.key_pair_id: key.public_key_pem()}) as edge:
    url = signer.url(f"{edge.base_url}/photos/cat.jpg", expires_in=60)
"""

from signed_urls.testing.edge import (
    ALL_METHODS,
    READ_METHODS,
    Behavior,
    LocalEdge,
    Response,
    stack_behaviors,
    upload_function,
)

__all__ = [
    "ALL_METHODS",
    "READ_METHODS",
    "Behavior",
    "LocalEdge",
    "Response",
    "stack_behaviors",
    "upload_function",
]
