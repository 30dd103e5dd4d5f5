"""Request handling: moto's ``CloudFormationResponse`` StackSet actions routed to the local
StackSet backend.

moto parses a CloudFormation (query protocol) request with botocore's model into
``response.params``; ``install()`` replaces the method of every operation in ``OPERATIONS`` with
a handler that checks the request against the model the way the service does, picks the backend
``CallAs`` names, and runs the operation. The handlers share the Service Catalog handlers' lock:
the server is threaded and operations read-modify-write shared state.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.core.utils import camelcase_to_underscores

from portfolio.local_aws.request_validation import validate_request
from portfolio.local_aws.stack_sets.backend import OPERATIONS, backend_for
from portfolio.local_aws.stack_sets.exceptions import ValidationError

_INSTALLED_MARK = "_portfolio_local_stack_sets"


def _keyword_arguments(method: Callable[..., Any], request: dict[str, Any]) -> dict[str, Any]:
    """Request members as the backend method's keyword arguments.

    CallAs chose the backend; members the method does not take (ClientRequestToken,
    AdministrationRoleARN, ...) do not change what this local service does, so they are
    dropped. That every parameter of a method is a member of its operation's input shape is
    checked by tests/integration/portfolio/local_aws/test_operation_signatures.py.
    """
    accepted = inspect.signature(method).parameters
    arguments = {camelcase_to_underscores(name): value for name, value in request.items()}
    return {name: value for name, value in arguments.items() if name in accepted}


def _operation_handler(
    operation_name: str, lock: threading.RLock
) -> Callable[[CloudFormationResponse], ActionResult]:
    method_name = camelcase_to_underscores(operation_name)

    def handle(response: CloudFormationResponse) -> ActionResult:
        request = dict(response.params or {})
        validate_request(operation_name, request, service="cloudformation", error=ValidationError)
        with lock:
            backend = backend_for(
                operation_name,
                response.current_account,
                response.region,
                request.get("CallAs"),
                response.partition,
            )
            method = getattr(backend, method_name)
            return ActionResult(method(**_keyword_arguments(method, request)))

    handle.__name__ = method_name
    handle.__qualname__ = f"CloudFormationResponse.{method_name}"
    return handle


def install(lock: threading.RLock) -> None:
    """Route moto's StackSet actions to the local StackSet backend (idempotent)."""
    if getattr(CloudFormationResponse, _INSTALLED_MARK, False):
        return
    for operation_name in OPERATIONS:
        method_name = camelcase_to_underscores(operation_name)
        setattr(CloudFormationResponse, method_name, _operation_handler(operation_name, lock))
    # moto reshapes its own StackSet's parameters and tags (dicts) on the way out; the local
    # backend answers in AWS's shapes already.
    CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER = {
        path: transform
        for path, transform in CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.items()
        if not path.startswith("DescribeStackSetOutput.")
    }
    setattr(CloudFormationResponse, _INSTALLED_MARK, True)
