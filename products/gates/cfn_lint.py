"""The cfn-lint gate: run in-process, errors, warnings and informational checks, two regions."""

from __future__ import annotations

import functools
from typing import Any

#: us-east-1 (where CloudFront, ACM for CloudFront and WAF for CloudFront live) plus one more.
LINT_REGIONS = ("us-east-1", "eu-west-1")


def cfn_lint_findings(template_text: str, regions: tuple[str, ...] = LINT_REGIONS) -> list[str]:
    """Every cfn-lint match (errors, warnings, informational) as ``RULE line N: message``.

    What ``cfnlint.api.lint`` does, with one rule set per process: building cfn-lint's rules
    costs about half a second, and the gate lints every template.
    """
    from cfnlint.decode.decode import decode_str  # slow import: only when linting

    template, matches = decode_str(template_text)
    if template is not None and not matches:
        matches = list(_runner(tuple(regions)).validate_template(template))
    return [f"{match.rule.id} line {match.linenumber}: {match.message}" for match in matches]


@functools.cache
def _runner(regions: tuple[str, ...]) -> Any:
    from cfnlint.config import ConfigMixIn, ManualArgs
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(**ManualArgs(regions=list(regions), include_checks=["I"])))
