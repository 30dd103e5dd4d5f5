"""Constraints: their Parameters documents, and created, updated or removed only as needed."""

from __future__ import annotations

import dataclasses
import json

from portfolio.manifest.model import (
    Constraints,
    LaunchConstraint,
    NotificationConstraint,
    ResourceUpdateConstraint,
    StackSetConstraint,
    TemplateConstraint,
)
from portfolio.publish.constraints import (
    constraint_description,
    constraint_parameters,
    description_fingerprint,
    fingerprint,
)
from portfolio.publish.observed import ObservedCatalog, ObservedConstraint
from portfolio.publish.planner import input_problems, plan_region
from portfolio.publish.steps import Action, StepRef
from tests.support.demo_manifest import demo_manifest_data
from tests.support.plan_builders import (
    PORTFOLIO_ID,
    converged,
    manifest,
    operations,
    product_id,
    target,
    with_portfolio,
)

# --- constraint documents -----------------------------------------------------------------------


def test_region_placeholder_names_each_regions_launch_role() -> None:
    per_region = Constraints(launch=LaunchConstraint(local_role_name="launch-{region}"))
    assert constraint_parameters(per_region, "eu-west-1") == {
        "LAUNCH": {"LocalRoleName": "launch-eu-west-1"}
    }
    assert constraint_parameters(per_region, "us-east-1") == {
        "LAUNCH": {"LocalRoleName": "launch-us-east-1"}
    }


def test_launch_parameters_use_the_role_name_or_arn() -> None:
    by_name = Constraints(launch=LaunchConstraint(local_role_name="launch"))
    by_arn = Constraints(launch=LaunchConstraint(role_arn="arn:aws:iam::123456789012:role/l"))
    assert constraint_parameters(by_name, "us-east-1") == {"LAUNCH": {"LocalRoleName": "launch"}}
    assert constraint_parameters(by_arn, "us-east-1") == {
        "LAUNCH": {"RoleArn": "arn:aws:iam::123456789012:role/l"}
    }


def test_every_other_constraint_type_has_its_documented_parameters() -> None:
    rules = {"R": {"Assertions": [{"Assert": {"Fn::Equals": ["a", "a"]}}]}}
    constraints = Constraints(
        template=TemplateConstraint(rules=rules),
        notification=NotificationConstraint(topic_arns=("arn:aws:sns:us-east-1:123456789012:t",)),
        resource_update=ResourceUpdateConstraint(tag_updates_allowed=False),
        stackset=StackSetConstraint(
            accounts=("123456789012",),
            regions=("eu-west-1",),
            admin_role_arn="arn:aws:iam::123456789012:role/admin",
            execution_role_name="exec",
        ),
    )
    assert constraint_parameters(constraints, "us-east-1") == {
        "NOTIFICATION": {"NotificationArns": ["arn:aws:sns:us-east-1:123456789012:t"]},
        "RESOURCE_UPDATE": {
            "Version": "2.0",
            "Properties": {"TagUpdateOnProvisionedProduct": "NOT_ALLOWED"},
        },
        "STACKSET": {
            "Version": "2.0",
            "Properties": {
                "AccountList": ["123456789012"],
                "RegionList": ["eu-west-1"],
                "AdminRole": "arn:aws:iam::123456789012:role/admin",
                "ExecutionRole": "exec",
            },
        },
        "TEMPLATE": {"Rules": rules},
    }


def test_description_carries_a_fingerprint_of_the_parameters() -> None:
    document = {"LocalRoleName": "launch"}
    description = constraint_description("LAUNCH", document)
    assert len(description) <= 2000
    assert description_fingerprint(description) == fingerprint(document)
    assert fingerprint({"LocalRoleName": "other"}) != fingerprint(document)


# --- constraints --------------------------------------------------------------------------------


def _launch_as(m, role: str):
    first = m.products[0]
    constraints = dataclasses.replace(
        first.constraints, launch=LaunchConstraint(local_role_name=role)
    )
    return dataclasses.replace(
        m, products=(dataclasses.replace(first, constraints=constraints), *m.products[1:])
    )


def test_changed_constraint_is_updated_in_place() -> None:
    m = manifest()
    changed = _launch_as(m, "other-launch-role")
    (step,) = plan_region(changed, target(changed), converged(m)).steps
    assert step.operation == "update_constraint"
    assert step.params["Id"] == "cons-1-LAUNCH"
    assert json.loads(step.params["Parameters"]) == {"LocalRoleName": "other-launch-role"}
    assert description_fingerprint(step.params["Description"]) == fingerprint(
        {"LocalRoleName": "other-launch-role"}
    )


def test_constraint_removed_from_manifest_is_deleted() -> None:
    m = manifest()
    first = m.products[0]
    fewer = dataclasses.replace(
        m,
        products=(
            dataclasses.replace(
                first, constraints=dataclasses.replace(first.constraints, notification=None)
            ),
            *m.products[1:],
        ),
    )
    (step,) = plan_region(fewer, target(fewer), converged(m)).steps
    assert (step.action, step.operation) == (Action.DELETE, "delete_constraint")
    assert step.params == {"Id": "cons-1-NOTIFICATION"}


def test_duplicate_constraints_are_reduced_to_one() -> None:
    m = manifest()
    observed = converged(m)
    duplicate = ObservedConstraint("cons-dup", "LAUNCH", product_id(2), "manual")
    observed = with_portfolio(observed, constraints=(*observed.portfolio.constraints, duplicate))
    (step,) = plan_region(m, target(m), observed).steps
    assert step.params == {"Id": "cons-dup"}


STACKSET = StackSetConstraint(
    accounts=("123456789012",),
    regions=("us-east-1",),
    admin_role_arn="arn:aws:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole",
    execution_role_name="AWSCloudFormationStackSetExecutionRole",
)


def _with_constraints(m, index: int, **changes):
    product = m.products[index]
    changed = dataclasses.replace(
        product, constraints=dataclasses.replace(product.constraints, **changes)
    )
    return dataclasses.replace(m, products=(*m.products[:index], changed, *m.products[index + 1 :]))


def test_launch_is_deleted_before_stackset_is_created() -> None:
    m = manifest()
    swapped = _with_constraints(m, 0, launch=None, stackset=STACKSET)
    ops = operations(plan_region(swapped, target(swapped), converged(m)).steps)
    assert ops == ["delete_constraint", "create_constraint"]


def test_only_the_swapped_launch_goes_before_creates_other_removals_come_last() -> None:
    """LAUNCH -> STACKSET while NOTIFICATION and TEMPLATE go and RESOURCE_UPDATE changes: should
    the STACKSET create fail, the product keeps every constraint but the LAUNCH."""
    m = manifest()
    changed = _with_constraints(
        m,
        0,
        launch=None,
        stackset=STACKSET,
        notification=None,
        template=None,
        resource_update=ResourceUpdateConstraint(tag_updates_allowed=False),
    )
    changed = _with_constraints(changed, 2, launch=LaunchConstraint(local_role_name="other"))
    steps = plan_region(changed, target(changed), converged(m)).steps
    assert [(s.operation, s.name) for s in steps] == [
        ("update_constraint", "RESOURCE_UPDATE on Demo product 1"),
        ("delete_constraint", "LAUNCH on Demo product 1"),
        ("create_constraint", "STACKSET on Demo product 1"),
        ("update_constraint", "LAUNCH on Demo product 3"),
        ("delete_constraint", "NOTIFICATION on Demo product 1"),
        ("delete_constraint", "TEMPLATE on Demo product 1"),
    ]


def test_launch_removed_without_replacement_comes_after_the_creates() -> None:
    m = manifest()
    changed = _with_constraints(m, 1, launch=None)
    changed = _with_constraints(changed, 2, stackset=STACKSET, launch=None)
    steps = plan_region(changed, target(changed), converged(m)).steps
    assert [(s.operation, s.name) for s in steps] == [
        ("delete_constraint", "LAUNCH on Demo product 3"),
        ("create_constraint", "STACKSET on Demo product 3"),
        ("delete_constraint", "LAUNCH on Demo product 2"),
    ]


def test_notification_topics_follow_the_region_placeholder() -> None:
    per_region = Constraints(
        notification=NotificationConstraint(
            topic_arns=(
                "arn:aws:sns:{region}:123456789012:events",
                "arn:aws:sns:us-east-1:123456789012:global",
            )
        )
    )
    assert constraint_parameters(per_region, "eu-west-1") == {
        "NOTIFICATION": {
            "NotificationArns": [
                "arn:aws:sns:eu-west-1:123456789012:events",
                "arn:aws:sns:us-east-1:123456789012:global",
            ]
        }
    }


def test_literal_topic_of_another_region_is_bad_input_for_that_region() -> None:
    """The manifest allows it for its single region; ``--region`` may still pick another."""
    data = demo_manifest_data()
    data["products"][0]["constraints"]["notification"]["topic_arns"] = [
        "arn:aws:sns:us-east-1:123456789012:catalog-events",
        "arn:aws:sns:{region}:123456789012:catalog-events",
    ]
    m = manifest(data)
    assert input_problems(m, target(m), converged(m)) == []
    elsewhere = dataclasses.replace(target(m), region="eu-west-1")
    assert input_problems(m, elsewhere, ObservedCatalog(portfolio=None)) == [
        "products[0].constraints.notification.topic_arns[0]: arn:aws:sns:us-east-1:123456789012:"
        "catalog-events is a topic in us-east-1, so it can only serve regions: [us-east-1] "
        "(publishing to eu-west-1); write {region} in place of the region to use each region's "
        "own topic"
    ]


def test_new_product_constraints_come_after_its_association() -> None:
    m = manifest()
    observed = converged(m)
    products = {name: p for name, p in observed.products.items() if name != "Demo product 2"}
    observed = dataclasses.replace(observed, products=products)
    steps = plan_region(m, target(m), observed).steps
    ops = operations(steps)
    assert ops.index("associate_product_with_portfolio") < ops.index("create_constraint")
    create = next(s for s in steps if s.operation == "create_constraint")
    assert create.params["ProductId"] == StepRef("product", "Demo product 2")
    assert create.params["PortfolioId"] == PORTFOLIO_ID
