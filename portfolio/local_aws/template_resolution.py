"""Evaluate a template for given parameter values, as CloudFormation would.

The local endpoint's StackSets use it to deploy a stack instance's IAM resources into an account
(``stack_sets.deployment``); tests use it to check what a launch with particular parameters
really provisions: which conditional resources exist, what ``Fn::If`` branches resolve to,
which template Rules fail, and whether every ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` variable,
``DependsOn`` and condition name of what exists points at something that exists too
(``dangling_references``). An attribute nobody gave resolves to ``<Name.Attribute>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_REMOVED = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
#: Pseudo parameters CloudFormation defines in every template.
PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}


class ResolvedTemplate:
    """A template evaluated for given parameter values, as CloudFormation would see it."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any],
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """``attributes``: what CloudFormation would return for a resource, by ``Name`` (its
        ``Ref``) or ``Name.Attribute`` (``Fn::GetAtt``); others stay ``Name`` / ``<Name.Attr>``."""
        pseudo = {name for name in parameters if name.startswith("AWS::")}
        unknown = set(parameters) - pseudo - set(template.get("Parameters", {}))
        if unknown:
            raise ValueError(f"no such parameters: {sorted(unknown)}")
        self.template = template
        self.attributes = dict(attributes or {})
        self.values = (
            {
                name: parameter.get("Default")
                for name, parameter in template.get("Parameters", {}).items()
            }
            | {name: value for name, value in self.attributes.items() if "." not in name}
            | parameters
        )

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        known = {
            **self.attributes,
            **self.values,
            **{k: self.value(v) for k, v in variables.items()},
        }
        return _SUB_VARIABLE.sub(lambda match: str(known.get(match[1], f"<{match[1]}>")), text)

    def _function(self, key: str, argument: Any) -> Any:
        if key == "Ref":
            return _REMOVED if argument == "AWS::NoValue" else self.values.get(argument, argument)
        if key == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        if key == "Condition" and isinstance(argument, str):
            return self.condition(argument)
        if key == "Fn::Equals":
            left, right = (str(self.value(item)) for item in argument)
            return left == right
        if key == "Fn::Not":
            return not self.value(argument[0])
        if key == "Fn::And":
            return all(self.value(item) for item in argument)
        if key == "Fn::Or":
            return any(self.value(item) for item in argument)
        if key == "Fn::Sub":
            return self._sub(argument)
        if key == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in self.value(items))
        if key == "Fn::GetAtt":  # [Resource, Attribute], or "Resource.Attribute" (short form)
            name = argument if isinstance(argument, str) else ".".join(argument)
            return self.attributes.get(name, f"<{name}>")
        if key in ("Fn::Split", "Fn::Select", "Fn::Join"):
            return self._list_function(key, argument)
        return {key: self.value(argument)}

    def _list_function(self, key: str, argument: Any) -> Any:
        """Fn::Split (of a known ARN), Fn::Select and Fn::Join; left as data otherwise (e.g. of
        an unknown AWS::StackId)."""
        first, second = argument[0], self.value(argument[1])
        if key == "Fn::Split" and isinstance(second, str) and second.startswith("arn:"):
            return second.split(first)
        if key == "Fn::Select" and isinstance(second, list) and int(first) < len(second):
            return second[int(first)]
        if key == "Fn::Join" and isinstance(second, list):
            return first.join(str(item) for item in second)
        return {key: [first, second]}

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [item for item in map(self.value, node) if item is not _REMOVED]
        if isinstance(node, dict):
            if len(node) == 1:
                [(key, argument)] = node.items()
                if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                    return self._function(key, argument)
            resolved = {key: self.value(item) for key, item in node.items()}
            return {key: item for key, item in resolved.items() if item is not _REMOVED}
        return node

    def resources(self) -> dict[str, dict[str, Any]]:
        return {
            name: self.value(resource)
            for name, resource in self.template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def outputs(self) -> dict[str, Any]:
        return {
            name: self.value(output["Value"])
            for name, output in self.template.get("Outputs", {}).items()
            if "Condition" not in output or self.condition(output["Condition"])
        }

    def rule_failures(self) -> list[str]:
        return [
            assertion["AssertDescription"]
            for rule in self.template.get("Rules", {}).values()
            if "RuleCondition" not in rule or self.value(rule["RuleCondition"])
            for assertion in rule["Assertions"]
            if not self.value(assertion["Assert"])
        ]

    # --- references -----------------------------------------------------------------------

    def _targets(self, node: Any) -> Iterator[str]:
        """Names ``node`` refers to, following only the ``Fn::If`` branches taken; a condition
        name is yielded as ``condition:<name>``."""
        if isinstance(node, list):
            for item in node:
                yield from self._targets(item)
            return
        if not isinstance(node, dict):
            return
        if len(node) != 1:
            for item in node.values():
                yield from self._targets(item)
            return
        [(key, argument)] = node.items()
        if key == "Ref":
            yield argument
        elif key == "Fn::GetAtt":
            yield argument[0] if isinstance(argument, list) else argument.split(".")[0]
        elif key == "Fn::Sub":
            yield from self._sub_targets(argument)
        elif key == "Fn::If":
            name, when_true, when_false = argument
            yield f"condition:{name}"
            if name in self.template.get("Conditions", {}):
                yield from self._targets(when_true if self.condition(name) else when_false)
        elif key == "Condition" and isinstance(argument, str):
            yield f"condition:{argument}"
        else:
            yield from self._targets(argument)

    def _sub_targets(self, argument: Any) -> Iterator[str]:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        for name in _SUB_VARIABLE.findall(text):
            if name not in variables:
                yield name.split(".")[0]
        yield from self._targets(list(variables.values()))

    def _missing(self, target: str) -> str | None:
        """Why ``target`` does not exist in this launch, or None when it does."""
        if target.startswith("condition:"):
            name = target.removeprefix("condition:")
            return None if name in self.template.get("Conditions", {}) else "no such condition"
        if target in PSEUDO_PARAMETERS or target in self.template.get("Parameters", {}):
            return None
        resource = self.template["Resources"].get(target)
        if resource is None:
            return "no such parameter or resource"
        if "Condition" in resource and not self.condition(resource["Condition"]):
            return f"removed by its condition {resource['Condition']}"
        return None

    def dangling_references(self) -> list[str]:
        """Every reference, from a resource or output that exists, to something that does not."""
        sources: dict[str, Any] = {
            f"Conditions.{name}": body for name, body in self.template.get("Conditions", {}).items()
        }
        for name, resource in self.resources_as_written().items():
            depends = resource.get("DependsOn", [])
            names = [depends] if isinstance(depends, str) else depends
            sources[f"Resources.{name}"] = [
                resource.get("Properties", {}),
                [{"Ref": target} for target in names],
            ]
        sources |= {
            f"Outputs.{name}": output
            for name, output in self.template.get("Outputs", {}).items()
            if "Condition" not in output or self.condition(output["Condition"])
        }
        return sorted(
            f"{where}: {target} ({why})"
            for where, node in sources.items()
            for target in set(self._targets(node))
            if (why := self._missing(target))
        )

    def resources_as_written(self) -> dict[str, dict[str, Any]]:
        """The resources this launch creates, unresolved."""
        return {
            name: resource
            for name, resource in self.template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }
