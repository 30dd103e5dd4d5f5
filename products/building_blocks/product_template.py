"""A troposphere Template plus the console metadata every product template carries.

Every product shares the same conventions: each parameter has a Description and sits in a
labelled group of ``AWS::CloudFormation::Interface``; each output is exported as
``${AWS::StackName}-<OutputName>``; the YAML rendering is deterministic. Products write
their parameters as data (``ParameterGroup`` of ``ParameterSpec``) and declare them in one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from troposphere import Export, Output, Parameter, Sub, Template

from products.building_blocks.errors import TemplateDefinitionError

#: A template CloudFormation loads from S3 (TemplateURL; Service Catalog's LoadTemplateFromURL)
#: is at most 1 MB, read as 10**6 bytes, the stricter reading. Inlined function code counts.
TEMPLATE_URL_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class ParameterSpec:
    """One console parameter as data: its name, console label and CloudFormation properties."""

    name: str
    label: str
    properties: Mapping[str, Any]


def parameter_spec(name: str, *, label: str, **properties: Any) -> ParameterSpec:
    """A ``ParameterSpec`` written like a troposphere Parameter (CloudFormation property names)."""
    return ParameterSpec(name, label, MappingProxyType(properties))


def respec(
    spec: ParameterSpec, *, label: str | None = None, drop: tuple[str, ...] = (), **properties: Any
) -> ParameterSpec:
    """``spec`` under another label, without the ``drop`` properties, with ``properties`` set:
    a product that reuses another's parameter changes only what differs."""
    kept = {key: value for key, value in spec.properties.items() if key not in drop}
    return ParameterSpec(spec.name, label or spec.label, MappingProxyType({**kept, **properties}))


@dataclass(frozen=True)
class ParameterGroup:
    """A labelled console group of ``AWS::CloudFormation::Interface``: its parameters, in order."""

    label: str
    parameters: tuple[ParameterSpec, ...]

    def spec(self, name: str) -> ParameterSpec:
        """The parameter called ``name`` (for a product that reuses it)."""
        for spec in self.parameters:
            if spec.name == name:
                return spec
        raise TemplateDefinitionError(f"console group {self.label!r}: no parameter {name}")


@dataclass
class ProductTemplate:
    """Builds one product's template; generators add resources to ``template`` directly."""

    description: str
    template: Template = field(default_factory=Template)
    _groups: dict[str, list[str]] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.template.set_version("2010-09-09")
        self.template.set_description(self.description)

    def add_parameter(self, name: str, *, group: str, label: str, **props: Any) -> Parameter:
        """Declare a parameter in a console group; a Description is mandatory."""
        if name in self.template.parameters:
            raise TemplateDefinitionError(f"parameter {name}: declared twice")
        if not props.get("Description"):
            raise TemplateDefinitionError(f"parameter {name}: Description is required")
        if ("AllowedPattern" in props or "AllowedValues" in props) and not props.get(
            "ConstraintDescription"
        ):
            raise TemplateDefinitionError(f"parameter {name}: ConstraintDescription is required")
        props.setdefault("Type", "String")
        parameter = self.template.add_parameter(Parameter(name, **props))
        self._groups.setdefault(group, []).append(name)
        self._labels[name] = label
        self.template.set_metadata(self.interface_metadata())
        return parameter

    def add_parameter_groups(self, groups: Iterable[ParameterGroup]) -> dict[str, Parameter]:
        """Declare every parameter of ``groups``, in console order; returns them by name.

        A group label used twice would silently merge two console groups, so it is refused.
        """
        declared: dict[str, Parameter] = {}
        for group in groups:
            if group.label in self._groups:
                raise TemplateDefinitionError(f"console group {group.label!r}: declared twice")
            if not group.parameters:
                raise TemplateDefinitionError(f"console group {group.label!r}: no parameters")
            for spec in group.parameters:
                declared[spec.name] = self.add_parameter(
                    spec.name, group=group.label, label=spec.label, **spec.properties
                )
        return declared

    def add_output(
        self, name: str, value: Any, description: str, *, exported: bool = True
    ) -> Output:
        """Add an output, exported as ``${AWS::StackName}-<name>`` unless ``exported`` is False.

        Export only values that stay put: CloudFormation refuses to change an export another
        stack imports, so a value that changes on purpose (a rotated key ID) must not be one.
        """
        export = {"Export": Export(Sub(f"${{AWS::StackName}}-{name}"))} if exported else {}
        return self.template.add_output(
            Output(name, Description=description, Value=value, **export)
        )

    def interface_metadata(self) -> dict[str, Any]:
        """The ``AWS::CloudFormation::Interface`` block: groups in declaration order."""
        return {
            "AWS::CloudFormation::Interface": {
                "ParameterGroups": [
                    {"Label": {"default": group}, "Parameters": names}
                    for group, names in self._groups.items()
                ],
                "ParameterLabels": {
                    name: {"default": label} for name, label in self._labels.items()
                },
            }
        }

    def to_yaml(self) -> str:
        """Render deterministic YAML (sorted keys; same code gives identical bytes)."""
        return self.template.to_yaml()
