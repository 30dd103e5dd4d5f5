"""A local, stateful AWS endpoint: moto with a complete Service Catalog, in-process or over HTTP.

There is no AWS account for this project, so the publisher is exercised against moto. moto's
Service Catalog knows only portfolios, shares and products; importing this module routes every
Service Catalog operation the publisher uses to ``portfolio.local_service_catalog`` (see its
docstring for the behaviour). S3, CloudFormation, IAM, STS, Organizations, ... stay moto's own.

Public API:

- ``install_service_catalog_extension()``: route moto's Service Catalog requests (in-process
  ``mock_aws`` and server) to the extended backend. Idempotent; done on import of this module.
- ``local_aws()``: context manager = the extension + ``moto.mock_aws()``; boto3 clients created
  inside it (any region, no credentials needed) talk to the local state.
- ``LocalAwsServer(port=0, host="127.0.0.1", log_requests=False)``: the same over HTTP in a
  background thread. ``start()`` raises ``OSError`` when the port cannot be bound; ``url`` and
  ``port`` tell where it listens; ``reset()`` forgets all state (``POST {url}/moto-api/reset``);
  ``stop()`` (or ``with``) shuts it down. State lives as long as the server: a server shared by
  several tests needs ``reset()`` between them. Point clients at it with
  ``endpoint_url=server.url`` and any credentials (moto's account 123456789012 by default).
- ``OPERATIONS``: the Service Catalog operations implemented (AWS names).

``portfolio serve-local`` (``portfolio.local_endpoint_command``) runs ``LocalAwsServer`` in the
foreground.
"""

from __future__ import annotations

import inspect
import json
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from moto import mock_aws
from moto.core.responses import ActionResult
from moto.core.utils import camelcase_to_underscores
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.servicecatalog.responses import ServiceCatalogResponse
from werkzeug.serving import BaseWSGIServer, make_server

from portfolio.local_aws.backend import (
    OPERATIONS,
    LocalServiceCatalogBackend,
    local_service_catalog_backends,
    validate_request,
)

__all__ = [
    "OPERATIONS",
    "LocalAwsServer",
    "install_service_catalog_extension",
    "local_aws",
]

_INSTALLED_MARK = "_portfolio_local_service_catalog"
_BACKEND_LOCK = threading.RLock()
"""The server is threaded; operations read-modify-write shared state, so they run one at a time."""


def _keyword_arguments(method: Callable[..., Any], request: dict[str, Any]) -> dict[str, Any]:
    """Request members as the backend method's keyword arguments.

    Members the method does not take (AcceptLanguage, SourcePortfolioId, Verbose, ...) do not
    change what this local service does, so they are dropped.
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


def install_service_catalog_extension() -> None:
    """Route moto's Service Catalog actions to the extended backend (idempotent)."""
    if getattr(ServiceCatalogResponse, _INSTALLED_MARK, False):
        return
    for operation_name in OPERATIONS:
        method_name = camelcase_to_underscores(operation_name)
        setattr(ServiceCatalogResponse, method_name, _operation_handler(operation_name))
    setattr(ServiceCatalogResponse, _INSTALLED_MARK, True)


@contextmanager
def local_aws() -> Iterator[None]:
    """moto's ``mock_aws`` with the extended Service Catalog; state starts empty."""
    install_service_catalog_extension()
    with mock_aws():
        yield


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without the per-request access log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound and listening on host:port; OSError (e.g. EADDRINUSE) when it cannot be.

    Bound here rather than by werkzeug, which prints and exits the process on bind errors.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


class LocalAwsServer:
    """moto's HTTP server, with the extended Service Catalog, in a background thread."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", log_requests: bool = False):
        self._host = host
        self._requested_port = port
        self._log_requests = log_requests
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve; raises OSError when the port is in use or not allowed."""
        install_service_catalog_extension()
        listener = _listening_socket(self._host, self._requested_port)
        try:
            self._server = make_server(
                self._host,
                self._requested_port,
                DomainDispatcherApplication(create_backend_app),
                threaded=True,
                request_handler=MotoRequestHandler if self._log_requests else _QuietRequestHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # the server works on its own duplicate of the descriptor
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-aws-endpoint", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LocalAwsServer is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def reset(self) -> None:
        """Forget all state (every service, account and region), as ``/moto-api/reset`` does."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request) as response:
            response.read()

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> LocalAwsServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


install_service_catalog_extension()
