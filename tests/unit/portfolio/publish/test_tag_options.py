"""TagOptions: created, reactivated, associated and disassociated only as needed."""

from __future__ import annotations

import dataclasses

from portfolio.publish.observed import ObservedTagOption
from portfolio.publish.planner import plan_region
from portfolio.publish.steps import Action
from tests.support.demo_manifest import demo_manifest_data
from tests.support.plan_builders import PORTFOLIO_ID, converged, manifest, target, with_portfolio


def test_existing_tag_option_is_associated_not_created() -> None:
    m = manifest()
    observed = with_portfolio(converged(m), tag_option_ids=frozenset({"tag-0"}))
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "associate_tag_option_with_resource"
    assert step.params == {"ResourceId": PORTFOLIO_ID, "TagOptionId": "tag-1"}


def test_inactive_tag_option_is_reactivated() -> None:
    m = manifest()
    observed = converged(m)
    options = dict(observed.tag_options)
    options[("cost-center", "platform")] = ObservedTagOption(
        "tag-0", "cost-center", "platform", False
    )
    steps = plan_region(m, target(m), dataclasses.replace(observed, tag_options=options)).steps
    assert [(s.operation, s.params) for s in steps] == [
        ("update_tag_option", {"Id": "tag-0", "Active": True})
    ]


def test_tag_option_dropped_from_manifest_is_disassociated() -> None:
    m = manifest()
    fewer = dataclasses.replace(m, tag_options=m.tag_options[:1])
    (step,) = plan_region(fewer, target(fewer), converged(m)).steps
    assert (step.action, step.name) == (Action.DISASSOCIATE, "data-classification=internal")


def test_tag_option_replaced_at_the_limit_is_disassociated_before_the_new_one() -> None:
    """25 TagOptions is AWS's limit per portfolio: associating the new one first would fail
    with LimitExceededException on every run."""
    data = demo_manifest_data()
    data["tag_options"] = [{"key": "k", "value": f"v{i}"} for i in range(25)]
    m = manifest(data)
    changed = dataclasses.replace(
        m, tag_options=(dataclasses.replace(m.tag_options[0], value="new"), *m.tag_options[1:])
    )
    steps = plan_region(changed, target(changed), converged(m)).steps
    assert [(s.operation, s.name) for s in steps] == [
        ("disassociate_tag_option_from_resource", "k=v0"),
        ("create_tag_option", "k=new"),
        ("associate_tag_option_with_resource", "k=new"),
    ]
