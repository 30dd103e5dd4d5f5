"""The cfn-lint gate: run in-process, errors, warnings and informational checks, two regions."""

from __future__ import annotations

#: us-east-1 (where CloudFront, ACM for CloudFront and WAF for CloudFront live) plus one more.
LINT_REGIONS = ("us-east-1", "eu-west-1")


def cfn_lint_findings(template_text: str, regions: tuple[str, ...] = LINT_REGIONS) -> list[str]:
    """Every cfn-lint match (errors, warnings, informational) as ``RULE line N: message``."""
    from cfnlint.api import ManualArgs, lint  # slow import: only when linting

    matches = lint(template_text, config=ManualArgs(regions=list(regions), include_checks=["I"]))
    return [f"{match.rule.id} line {match.linenumber}: {match.message}" for match in matches]
