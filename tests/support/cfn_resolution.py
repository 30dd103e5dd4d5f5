"""Evaluate a generated template for given parameter values, as CloudFormation would.

Tests use it to check what a launch with particular parameters really provisions: which
conditional resources exist, what ``Fn::If`` branches resolve to, which template Rules fail.
"""

from __future__ import annotations

import re
from typing import Any

_REMOVED = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class ResolvedTemplate:
    """A template evaluated for given parameter values, as CloudFormation would see it."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, Any]) -> None:
        pseudo = {name for name in parameters if name.startswith("AWS::")}
        unknown = set(parameters) - pseudo - set(template.get("Parameters", {}))
        assert not unknown, f"no such parameters: {unknown}"
        self.template = template
        self.values = {
            name: parameter.get("Default") for name, parameter in template["Parameters"].items()
        } | parameters

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        known = {**self.values, **{k: self.value(v) for k, v in variables.items()}}
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
        if key == "Fn::GetAtt":
            return f"<{'.'.join(argument)}>"
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
