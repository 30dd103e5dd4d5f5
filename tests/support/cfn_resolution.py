"""Evaluate a generated template for given parameter values, as CloudFormation would: the
local endpoint's evaluator (``portfolio.local_aws.template_resolution``), which tests use to
check what a launch with particular parameters really provisions and that every reference of
what exists points at something that exists (``dangling_references``)."""

from __future__ import annotations

from portfolio.local_aws.template_resolution import PSEUDO_PARAMETERS, ResolvedTemplate

__all__ = ["PSEUDO_PARAMETERS", "ResolvedTemplate"]
