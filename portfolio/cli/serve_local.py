"""``portfolio serve-local``: a local AWS endpoint to publish against without an AWS account."""

from __future__ import annotations

import argparse
import errno
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from portfolio.errors import EXIT_OK, BadInput

DEFAULT_PORT = 5000
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def register(commands: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``portfolio`` parser."""
    serve = commands.add_parser(
        "serve-local",
        help="run a local AWS endpoint (moto + full Service Catalog) on 127.0.0.1",
        description=(
            "Run moto with an extended Service Catalog on 127.0.0.1 in the foreground, until "
            "Ctrl-C or SIGTERM. State lives in memory. Point clients at it with "
            "endpoint_url=http://127.0.0.1:PORT and any credentials."
        ),
    )
    serve.add_argument(
        "--port", default=str(DEFAULT_PORT), help=f"TCP port, 1-65535 (default: {DEFAULT_PORT})"
    )
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.set_defaults(handler=_serve_local)


def parse_port(text: str) -> int:
    """The --port value as a port number; BadInput naming --port otherwise."""
    try:
        port = int(text)
    except ValueError:
        raise BadInput(f"--port {text!r}: must be a whole number between 1 and 65535") from None
    if not 1 <= port <= 65535:
        raise BadInput(f"--port {port}: must be between 1 and 65535")
    return port


def _bind_error(port: int, error: OSError) -> BadInput:
    if error.errno == errno.EADDRINUSE:
        return BadInput(f"--port {port}: already in use on 127.0.0.1")
    return BadInput(f"--port {port}: cannot listen on 127.0.0.1 ({error.strerror or error})")


@contextmanager
def _stop_requested() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM; the previous handlers come back afterwards."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve_local(args: argparse.Namespace) -> int:
    from portfolio.local_aws import LocalAwsServer

    port = parse_port(args.port)
    server = LocalAwsServer(port=port, log_requests=not args.quiet)
    with _stop_requested() as stop:
        try:
            server.start()
        except OSError as error:
            raise _bind_error(port, error) from error
        try:
            print(f"local AWS endpoint on {server.url} (Ctrl-C to stop)", flush=True)
            stop.wait()
        finally:
            server.stop()
    print("local AWS endpoint stopped", flush=True)
    return EXIT_OK
