"""The backends' operations against botocore's models: names and parameters (the Service
Catalog backend, and the StackSet backend against CloudFormation's model).

The request handling (``portfolio.local_aws.responses``, ``stack_sets.responses``) passes each
request member to the
backend method as keyword ``camelcase_to_underscores(member)`` and drops the members the method
does not take. A parameter that is not named after a member of the operation's input shape (a
misspelling, a member AWS renamed) would therefore never receive a value, and the request's
member would be dropped without a word: these tests turn that into a failure.
"""

from __future__ import annotations

import inspect
from typing import Any

from moto.core.utils import camelcase_to_underscores

from portfolio.local_aws import OPERATIONS
from portfolio.local_aws.backend import LocalServiceCatalogBackend
from portfolio.local_aws.request_validation import service_model
from portfolio.local_aws.stack_sets.backend import OPERATIONS as STACK_SET_OPERATIONS
from portfolio.local_aws.stack_sets.backend import LocalStackSetBackend

#: Members the StackSet request handling consumes itself (the backend is chosen by CallAs).
HANDLED_BEFORE_THE_BACKEND = {"call_as"}


def _input_members(operation_name: str, service: str) -> tuple[set[str], set[str]]:
    """(all, required) members of the operation's input shape, as keyword argument names."""
    shape = service_model(service).operation_model(operation_name).input_shape
    if shape is None:
        return set(), set()
    every = {camelcase_to_underscores(name) for name in shape.members}
    required = {camelcase_to_underscores(name) for name in shape.required_members}
    return every, required


def signature_problems(
    backend_class: type,
    operations: tuple[str, ...] = OPERATIONS,
    service: str = "servicecatalog",
) -> dict[str, list[str]]:
    """Per operation, what in ``backend_class``'s method the request cannot fill.

    A parameter outside the input shape, ``*args``/``**kwargs`` (the request handling passes
    only named members the signature lists), or a required member the method does not take.
    """
    problems: dict[str, list[str]] = {}
    for operation_name in operations:
        members, required = _input_members(operation_name, service)
        required -= HANDLED_BEFORE_THE_BACKEND
        method = getattr(backend_class, camelcase_to_underscores(operation_name))
        parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
        found = [
            f"{parameter.name}: not a member of {operation_name}'s input"
            for parameter in parameters
            if parameter.name not in members
        ]
        found += [
            f"{parameter.name}: {parameter.kind.description} parameter"
            for parameter in parameters
            if parameter.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD
            and parameter.kind is not inspect.Parameter.KEYWORD_ONLY
        ]
        taken = {parameter.name for parameter in parameters}
        found += [f"{name}: required member not taken" for name in sorted(required - taken)]
        if found:
            problems[operation_name] = found
    return problems


def _public_methods_defined_here(backend_class: type, package: str) -> set[str]:
    """Public methods of ``backend_class`` from this project's backend modules (not moto's)."""
    return {
        name
        for klass in backend_class.__mro__
        if klass.__module__.startswith(package)
        for name, value in vars(klass).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }


def test_every_operation_is_in_the_service_model() -> None:
    assert set(OPERATIONS) <= set(service_model().operation_names)
    assert len(set(OPERATIONS)) == len(OPERATIONS)


def test_every_operation_is_a_backend_method_and_every_backend_method_an_operation() -> None:
    method_names = {camelcase_to_underscores(name) for name in OPERATIONS}
    missing = [name for name in method_names if not hasattr(LocalServiceCatalogBackend, name)]
    assert missing == []
    defined = _public_methods_defined_here(
        LocalServiceCatalogBackend, "portfolio.local_aws.backend"
    )
    assert defined == method_names


def test_every_backend_parameter_is_a_member_of_the_operation_input() -> None:
    assert signature_problems(LocalServiceCatalogBackend) == {}


def test_every_stack_set_operation_is_a_backend_method_and_in_the_model() -> None:
    assert set(STACK_SET_OPERATIONS) <= set(service_model("cloudformation").operation_names)
    method_names = {camelcase_to_underscores(name) for name in STACK_SET_OPERATIONS}
    defined = _public_methods_defined_here(LocalStackSetBackend, "portfolio.local_aws.stack_sets")
    assert defined == method_names


def test_every_stack_set_backend_parameter_is_a_member_of_the_operation_input() -> None:
    problems = signature_problems(LocalStackSetBackend, STACK_SET_OPERATIONS, "cloudformation")
    assert problems == {}


class _MisspeltBackend(LocalServiceCatalogBackend):
    """What the check must catch: a misspelt parameter, a catch-all, an ignored required one."""

    def create_portfolio(  # type: ignore[override]
        self, display_name: str, provider_nmae: str, idempotency_token: str | None = None
    ) -> dict[str, Any]:
        return {}

    def describe_portfolio(self, **request: Any) -> dict[str, Any]:  # type: ignore[override]
        return {}


def test_the_signature_check_catches_what_would_be_dropped() -> None:
    operations = ("CreatePortfolio", "DescribePortfolio")
    assert signature_problems(_MisspeltBackend, operations) == {
        "CreatePortfolio": [
            "provider_nmae: not a member of CreatePortfolio's input",
            "provider_name: required member not taken",
        ],
        "DescribePortfolio": [
            "request: not a member of DescribePortfolio's input",
            "request: variadic keyword parameter",
            "id: required member not taken",
        ],
    }
