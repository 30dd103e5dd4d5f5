"""A StackSet's template: where it comes from, the capabilities and parameters it needs.

CloudFormation refuses a template that creates IAM resources without the capability that
acknowledges it (InsufficientCapabilitiesException; named IAM resources need
CAPABILITY_NAMED_IAM:
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html),
parameters the template does not declare, and declared ones without a value or default.
"""

from __future__ import annotations

from typing import Any

from portfolio.local_aws.cfn_templates import parse_template, s3_location, s3_object_body
from portfolio.local_aws.exceptions import InvalidParameters
from portfolio.local_aws.stack_sets.exceptions import InsufficientCapabilities, ValidationError

_IAM_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


def template_text(body: str | None, url: str | None, previous: str | None = None) -> str:
    """The template of a create or update: its body, the S3 object its URL names, or (an
    update with UsePreviousTemplate) the current one."""
    given = [value for value in (body, url, previous) if value is not None]
    if len(given) != 1:
        raise ValidationError(
            "Specify exactly one of TemplateBody, TemplateURL or UsePreviousTemplate"
        )
    if url is not None:
        location = s3_location(url)
        found = s3_object_body(*location) if location else None
        if found is None:
            raise ValidationError(f"TemplateURL must reference a valid S3 object: {url}")
        return found.decode("utf-8")
    return body if body is not None else str(previous)


def parsed(text: str) -> dict[str, Any]:
    try:
        return parse_template(text.encode("utf-8"))
    except InvalidParameters as error:
        raise ValidationError(f"Template format error: {error.message}") from error


def check_capabilities(template: dict[str, Any], capabilities: list[str]) -> None:
    needed = ""
    for resource in template["Resources"].values():
        name_property = _IAM_NAMES.get(resource.get("Type", ""))
        if name_property is None:
            continue
        if name_property in resource.get("Properties", {}):
            needed = "CAPABILITY_NAMED_IAM"
            break
        needed = "CAPABILITY_IAM"
    if needed == "CAPABILITY_NAMED_IAM" and needed not in capabilities:
        raise InsufficientCapabilities("Requires capabilities : [CAPABILITY_NAMED_IAM]")
    if needed == "CAPABILITY_IAM" and not {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} & set(
        capabilities
    ):
        raise InsufficientCapabilities("Requires capabilities : [CAPABILITY_IAM]")


def parameter_values(
    template: dict[str, Any], given: list[dict[str, Any]], previous: dict[str, str]
) -> dict[str, str]:
    """Values for the template's parameters: given, previous (UsePreviousValue) or default."""
    declared = template.get("Parameters") or {}
    values: dict[str, str] = {}
    for parameter in given:
        key = parameter["ParameterKey"]
        if key not in declared:
            raise ValidationError(f"Parameters: [{key}] do not exist in the template")
        if parameter.get("UsePreviousValue"):
            if key not in previous:
                raise ValidationError(f"Parameter {key} has no previous value")
            values[key] = previous[key]
        elif "ParameterValue" in parameter:
            values[key] = str(parameter["ParameterValue"])
    missing = sorted(
        key for key, spec in declared.items() if key not in values and "Default" not in spec
    )
    if missing:
        raise ValidationError(f"Parameters: [{', '.join(missing)}] must have values")
    return values
