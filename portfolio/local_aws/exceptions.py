"""The errors Service Catalog answers with: HTTP 400 and ``__type`` = the class's ``code``.

moto serializes any ``ServiceException`` a backend raises into the error document AWS sends.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class ServiceCatalogError(ServiceException):
    """An error Service Catalog returns as HTTP 400 with ``__type`` = ``code``."""


class ResourceNotFound(ServiceCatalogError):
    code = "ResourceNotFoundException"


class InvalidParameters(ServiceCatalogError):
    code = "InvalidParametersException"


class DuplicateResource(ServiceCatalogError):
    code = "DuplicateResourceException"


class LimitExceeded(ServiceCatalogError):
    code = "LimitExceededException"


class ResourceInUse(ServiceCatalogError):
    code = "ResourceInUseException"


class InvalidState(ServiceCatalogError):
    code = "InvalidStateException"


class OperationNotSupported(ServiceCatalogError):
    code = "OperationNotSupportedException"


class ValidationError(ServiceCatalogError):
    """What the service answers when a request breaks its model (lengths, enums, maxima)."""

    code = "ValidationException"
