"""The Parameters document of a constraint, checked against the shape its Type requires.

AWS rejects a LAUNCH constraint without a role, a NOTIFICATION constraint without SNS topics,
and so on, with ``InvalidParametersException``; so does this service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from portfolio.local_aws.exceptions import InvalidParameters
from portfolio.names import REGION

CONSTRAINT_TYPES = ("LAUNCH", "NOTIFICATION", "RESOURCE_UPDATE", "STACKSET", "TEMPLATE")
SINGLE_CONSTRAINT_TYPES = ("LAUNCH", "STACKSET", "RESOURCE_UPDATE")
"""Constraint types a product may have at most once per portfolio."""


_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_SNS_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}")
_ACCOUNT_ID = re.compile(r"\d{12}")
_REGION = re.compile(REGION)


def constraint_document(constraint_type: str, parameters: str) -> dict[str, Any]:
    """The parsed Parameters of a constraint, checked against the shape its Type requires."""
    if constraint_type not in CONSTRAINT_TYPES:
        raise InvalidParameters(f"Type {constraint_type!r} must be one of {list(CONSTRAINT_TYPES)}")
    try:
        document = json.loads(parameters)
    except json.JSONDecodeError as error:
        raise InvalidParameters(f"Parameters is not valid JSON: {error.msg}") from error
    if not isinstance(document, dict):
        raise InvalidParameters("Parameters must be a JSON object")
    _CONSTRAINT_CHECKERS[constraint_type](document)
    return document


def _require_keys(kind: str, document: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise InvalidParameters(f"{kind} constraint Parameters: unknown keys {unknown}")


def _check_launch(document: dict[str, Any]) -> None:
    _require_keys("LAUNCH", document, {"RoleArn", "LocalRoleName"})
    if ("RoleArn" in document) == ("LocalRoleName" in document):
        raise InvalidParameters("LAUNCH constraint needs either RoleArn or LocalRoleName")
    role_arn = document.get("RoleArn")
    if role_arn is not None and not _ROLE_ARN.fullmatch(str(role_arn)):
        raise InvalidParameters(f"LAUNCH constraint RoleArn {role_arn!r} is not an IAM role ARN")
    role_name = document.get("LocalRoleName")
    if role_name is not None and not _ROLE_NAME.fullmatch(str(role_name)):
        raise InvalidParameters(f"LAUNCH constraint LocalRoleName {role_name!r} is not valid")


def _check_notification(document: dict[str, Any]) -> None:
    _require_keys("NOTIFICATION", document, {"NotificationArns"})
    arns = document.get("NotificationArns")
    if not isinstance(arns, list) or not arns:
        raise InvalidParameters("NOTIFICATION constraint needs a non-empty NotificationArns list")
    for arn in arns:
        if not isinstance(arn, str) or not _SNS_TOPIC_ARN.fullmatch(arn):
            raise InvalidParameters(f"NOTIFICATION constraint: {arn!r} is not an SNS topic ARN")


def _check_resource_update(document: dict[str, Any]) -> None:
    _require_keys("RESOURCE_UPDATE", document, {"Version", "Properties"})
    if document.get("Version") != "2.0":
        raise InvalidParameters('RESOURCE_UPDATE constraint Version must be "2.0"')
    properties = document.get("Properties")
    value = (
        properties.get("TagUpdateOnProvisionedProduct") if isinstance(properties, dict) else None
    )
    if value not in ("ALLOWED", "NOT_ALLOWED"):
        raise InvalidParameters(
            "RESOURCE_UPDATE constraint Properties.TagUpdateOnProvisionedProduct must be "
            "ALLOWED or NOT_ALLOWED"
        )


def _check_stackset(document: dict[str, Any]) -> None:
    _require_keys("STACKSET", document, {"Version", "Properties"})
    if not isinstance(document.get("Version"), str):
        raise InvalidParameters("STACKSET constraint needs a Version string")
    properties = document.get("Properties")
    if not isinstance(properties, dict):
        raise InvalidParameters("STACKSET constraint needs a Properties object")
    _require_keys(
        "STACKSET", properties, {"AccountList", "RegionList", "AdminRole", "ExecutionRole"}
    )
    _check_string_list(
        "STACKSET Properties.AccountList", properties.get("AccountList"), _ACCOUNT_ID
    )
    _check_string_list("STACKSET Properties.RegionList", properties.get("RegionList"), _REGION)
    if not _ROLE_ARN.fullmatch(str(properties.get("AdminRole", ""))):
        raise InvalidParameters("STACKSET constraint Properties.AdminRole must be an IAM role ARN")
    if not _ROLE_NAME.fullmatch(str(properties.get("ExecutionRole", ""))):
        raise InvalidParameters("STACKSET constraint Properties.ExecutionRole must be a role name")


def _check_string_list(name: str, values: Any, pattern: re.Pattern[str]) -> None:
    if not isinstance(values, list) or not values:
        raise InvalidParameters(f"{name} must be a non-empty list")
    for value in values:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise InvalidParameters(f"{name}: {value!r} is not valid")


def _check_template(document: dict[str, Any]) -> None:
    _require_keys("TEMPLATE", document, {"Rules"})
    rules = document.get("Rules")
    if not isinstance(rules, dict) or not rules:
        raise InvalidParameters("TEMPLATE constraint needs a non-empty Rules object")
    for name, rule in rules.items():
        assertions = rule.get("Assertions") if isinstance(rule, dict) else None
        if not isinstance(assertions, list) or not assertions:
            raise InvalidParameters(f"TEMPLATE constraint rule {name!r} needs Assertions")
        for assertion in assertions:
            if not isinstance(assertion, dict) or "Assert" not in assertion:
                raise InvalidParameters(f"TEMPLATE constraint rule {name!r}: each needs Assert")


_CONSTRAINT_CHECKERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "LAUNCH": _check_launch,
    "NOTIFICATION": _check_notification,
    "RESOURCE_UPDATE": _check_resource_update,
    "STACKSET": _check_stackset,
    "TEMPLATE": _check_template,
}
