"""Templates of provisioning artifacts: where an S3 URL points, and what a template declares.

``LoadTemplateFromURL`` pointing at S3 must name an object in moto's S3; the object must parse
as a CloudFormation template (JSON, or YAML with short-form tags such as ``!Ref``), whose
parameters DescribeProvisioningArtifact reports.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from portfolio.local_aws.exceptions import InvalidParameters
from portfolio.local_aws.models import without_none

_S3_VIRTUAL_HOST = re.compile(r"(?P<bucket>.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?")
_S3_PATH_HOST = re.compile(r"s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?")


def s3_location(url: str) -> tuple[str, str] | None:
    """(bucket, key) when ``url`` is an S3 object URL in any of AWS's forms, else None."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    path = unquote(parsed.path.lstrip("/"))
    virtual = _S3_VIRTUAL_HOST.fullmatch(host)
    if virtual is not None:
        return virtual.group("bucket"), path
    if _S3_PATH_HOST.fullmatch(host):
        bucket, _, key = path.partition("/")
        return bucket, key
    return None


def s3_object_body(bucket: str, key: str) -> bytes | None:
    """The bytes of an object in moto's S3 (any account, region); None when absent."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    if owner is None or not key:
        return None
    partition, account_id = owner
    s3_object = s3_backends[account_id][partition].get_object(bucket, key)
    return None if s3_object is None else s3_object.value


class _CloudFormationYamlLoader(yaml.SafeLoader):
    """A YAML loader that accepts CloudFormation short-form tags (!Ref, !Sub, ...)."""


def _construct_short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any = None
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CloudFormationYamlLoader.add_multi_constructor("!", _construct_short_form)


def parse_template(body: bytes) -> dict[str, Any]:
    """The template as data; InvalidParameters when it is not a CloudFormation template."""
    try:
        text = body.decode("utf-8")
        document = (
            json.loads(text)
            if text.lstrip().startswith("{")
            else yaml.load(text, Loader=_CloudFormationYamlLoader)  # a SafeLoader subclass
        )
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise InvalidParameters(f"Invalid templateBody: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise InvalidParameters("Invalid templateBody: a template needs a Resources section")
    return document


def template_parameters(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's parameters as DescribeProvisioningArtifact reports them."""
    parameters = template.get("Parameters") or {}
    return [_artifact_parameter(name, spec) for name, spec in parameters.items()]


def _artifact_parameter(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    constraint_keys = {
        "AllowedPattern": "AllowedPattern",
        "ConstraintDescription": "ConstraintDescription",
        "MaxLength": "MaxLength",
        "MinLength": "MinLength",
        "MaxValue": "MaxValue",
        "MinValue": "MinValue",
    }
    constraints: dict[str, Any] = {
        target: str(spec[source]) for source, target in constraint_keys.items() if source in spec
    }
    if "AllowedValues" in spec:
        constraints["AllowedValues"] = [str(value) for value in spec["AllowedValues"]]
    default = spec.get("Default")
    return without_none(
        {
            "ParameterKey": name,
            "DefaultValue": None if default is None else str(default),
            "ParameterType": spec.get("Type"),
            "IsNoEcho": str(spec.get("NoEcho", "false")).lower() == "true",
            "Description": spec.get("Description"),
            "ParameterConstraints": constraints,
        }
    )
