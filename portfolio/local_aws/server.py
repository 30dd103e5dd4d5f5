"""``LocalAwsServer``: the local endpoint over HTTP (moto's server) in a background thread."""

from __future__ import annotations

import socket
import threading
import urllib.request
from types import TracebackType

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from portfolio.local_aws.responses import install


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
        install()
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
