"""Request handling: moto's ``ServiceCatalogResponse`` actions routed to the local backend, and
S3's conditional writes made atomic.

moto dispatches a Service Catalog request (in-process ``mock_aws`` and its HTTP server alike) to
the ``ServiceCatalogResponse`` method named after the action. ``install()`` replaces the method
of every operation in ``OPERATIONS`` with a handler that validates the request against the
service model and runs the operation on ``local_service_catalog_backends[account][region]``.

moto's S3 evaluates ``If-None-Match`` / ``If-Match`` on PutObject and ``If-Match`` on
DeleteObject, but checks and writes in two steps: two threads of the (threaded) server could
both pass the check. S3 decides a conditional write atomically (of two ``If-None-Match: *``
writes, one wins: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html),
and the publisher's lease depends on it, so ``install()`` runs moto's PutObject and
DeleteObject handlers one at a time.

Nothing happens on import: ``install()`` is called by ``local_aws()`` and
``LocalAwsServer.start()``.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import camelcase_to_underscores
from moto.s3.responses import S3Response
from moto.servicecatalog.responses import ServiceCatalogResponse

from portfolio.local_aws.backend import (
    OPERATIONS,
    LocalServiceCatalogBackend,
    local_service_catalog_backends,
)
from portfolio.local_aws.request_validation import validate_request

_INSTALLED_MARK = "_portfolio_local_service_catalog"
_BACKEND_LOCK = threading.RLock()
"""The server is threaded; operations read-modify-write shared state, so they run one at a time."""
_S3_WRITE_LOCK = threading.RLock()
"""Object writes and deletes, one at a time, so a conditional one is checked and done at once."""
_S3_WRITES = ("put_object", "delete_object")


def _keyword_arguments(method: Callable[..., Any], request: dict[str, Any]) -> dict[str, Any]:
    """Request members as the backend method's keyword arguments.

    Members the method does not take (AcceptLanguage, SourcePortfolioId, Verbose, ...) do not
    change what this local service does, so they are dropped. That every parameter of a method
    is a member of its operation's input shape (so none is dropped by a misspelling) is checked
    by tests/integration/portfolio/local_aws/test_operation_signatures.py.
    """
    accepted = inspect.signature(method).parameters
    arguments = {camelcase_to_underscores(name): value for name, value in request.items()}
    return {name: value for name, value in arguments.items() if name in accepted}


def _operation_handler(operation_name: str) -> Callable[[ServiceCatalogResponse], ActionResult]:
    """A ServiceCatalogResponse action method that runs ``operation_name`` on our backend."""
    method_name = camelcase_to_underscores(operation_name)

    def handle(response: ServiceCatalogResponse) -> ActionResult:
        request = json.loads(response.body or "{}")
        validate_request(operation_name, request)
        with _BACKEND_LOCK:
            backend: LocalServiceCatalogBackend = local_service_catalog_backends[
                response.current_account
            ][response.region]
            method = getattr(backend, method_name)
            return ActionResult(method(**_keyword_arguments(method, request)))

    handle.__name__ = method_name
    handle.__qualname__ = f"ServiceCatalogResponse.{method_name}"
    return handle


def _one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    def write(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        with _S3_WRITE_LOCK:
            return method(self, *args, **kwargs)

    write.__name__, write.__qualname__ = method.__name__, method.__qualname__
    return write


def install() -> None:
    """Route moto's Service Catalog actions to the local backend and make S3's conditional
    writes atomic (idempotent)."""
    if getattr(ServiceCatalogResponse, _INSTALLED_MARK, False):
        return
    for operation_name in OPERATIONS:
        method_name = camelcase_to_underscores(operation_name)
        setattr(ServiceCatalogResponse, method_name, _operation_handler(operation_name))
    for method_name in _S3_WRITES:
        setattr(S3Response, method_name, _one_at_a_time(getattr(S3Response, method_name)))
    setattr(ServiceCatalogResponse, _INSTALLED_MARK, True)
