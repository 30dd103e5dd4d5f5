"""TagOptions, principals, constraints and shares: created, updated or removed only as needed."""

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
from portfolio.publish.observed import (
    ObservedCatalog,
    ObservedConstraint,
    ObservedShare,
    ObservedTagOption,
)
from portfolio.publish.planner import input_problems, plan_region
from portfolio.publish.steps import Action, Ref
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
    assert create.params["ProductId"] == Ref("product", "Demo product 2")
    assert create.params["PortfolioId"] == PORTFOLIO_ID


# --- TagOptions and principals ------------------------------------------------------------------


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


def test_principals_added_and_removed() -> None:
    m = manifest()
    observed = with_portfolio(
        converged(m), principals=frozenset({("IAM", "arn:aws:iam::123456789012:role/old")})
    )
    steps = plan_region(m, target(m), observed).steps
    assert [(s.operation, s.params["PrincipalARN"]) for s in steps] == [
        ("disassociate_principal_from_portfolio", "arn:aws:iam::123456789012:role/old"),
        ("associate_principal_with_portfolio", "arn:aws:iam:::role/app-teams/*"),
    ]
    assert steps[1].params["PrincipalType"] == "IAM_PATTERN"


# --- shares -------------------------------------------------------------------------------------


def test_first_publish_shares_with_accounts_and_organization_nodes() -> None:
    m = manifest()
    steps = plan_region(m, target(m), ObservedCatalog(portfolio=None)).steps
    shares = [s for s in steps if s.operation == "create_portfolio_share"]
    assert [s.params for s in shares] == [
        {
            "PortfolioId": Ref("portfolio", "Signed URLs demo"),
            "AccountId": "111111111111",
            "ShareTagOptions": True,
        },
        {
            "PortfolioId": Ref("portfolio", "Signed URLs demo"),
            "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-ab12-cdef3456"},
            "ShareTagOptions": True,
            "SharePrincipals": True,
        },
    ]
    assert all(s.wait == "share" for s in shares)


def test_changed_share_flags_update_the_existing_share() -> None:
    m = manifest()
    observed = with_portfolio(
        converged(m),
        shares=(
            ObservedShare("ACCOUNT", "111111111111", True, False),
            ObservedShare("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456", True, False),
        ),
    )
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "update_portfolio_share"
    assert step.detail == "SharePrincipals changed"
    assert step.params["SharePrincipals"] is True


def test_recipients_dropped_from_manifest_are_unshared() -> None:
    data = demo_manifest_data()
    data["shares"] = {"organization": "o-abcdefghij", "share_tag_options": True}
    m = manifest(data)
    observed = converged(manifest())
    steps = plan_region(m, target(m), observed).steps
    assert [(s.action, s.name) for s in steps] == [
        (Action.SHARE, "organization o-abcdefghij"),
        (Action.UNSHARE, "account 111111111111"),
        (Action.UNSHARE, "organizational unit ou-ab12-cdef3456"),
    ]
    assert steps[1].params == {"PortfolioId": PORTFOLIO_ID, "AccountId": "111111111111"}


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


def test_principal_replaced_at_the_limit_is_disassociated_before_the_new_one() -> None:
    data = demo_manifest_data()
    data["principals"] = [
        {"type": "IAM", "arn": f"arn:aws:iam::123456789012:role/r{i}"} for i in range(100)
    ]
    m = manifest(data)
    new = dataclasses.replace(m.principals[0], arn="arn:aws:iam::123456789012:role/new")
    changed = dataclasses.replace(m, principals=(new, *m.principals[1:]))
    steps = plan_region(changed, target(changed), converged(m)).steps
    assert [(s.operation, s.params["PrincipalARN"]) for s in steps] == [
        ("disassociate_principal_from_portfolio", "arn:aws:iam::123456789012:role/r0"),
        ("associate_principal_with_portfolio", "arn:aws:iam::123456789012:role/new"),
    ]


# --- shares through AWS Organizations with a single account -------------------------------------


def test_member_account_share_not_in_the_manifest_is_unshared_by_organization_node() -> None:
    m = manifest()
    observed = converged(m)
    member = ObservedShare("ORGANIZATION_MEMBER_ACCOUNT", "333333333333", False, False)
    observed = with_portfolio(observed, shares=(*observed.portfolio.shares, member))
    (step,) = plan_region(m, target(m), observed).steps
    assert (step.action, step.name) == (
        Action.UNSHARE,
        "organization member account 333333333333",
    )
    assert step.params == {
        "PortfolioId": PORTFOLIO_ID,
        "OrganizationNode": {"Type": "ACCOUNT", "Value": "333333333333"},
    }
    assert step.wait == "share"


def test_member_account_share_of_a_listed_account_stands_for_its_account_share() -> None:
    """Replacing it would cut the account off until it accepts a new share."""
    m = manifest()  # shares with account 111111111111 (ShareTagOptions true)
    observed = converged(m)
    others = tuple(s for s in observed.portfolio.shares if s.type != "ACCOUNT")
    member = ObservedShare("ORGANIZATION_MEMBER_ACCOUNT", "111111111111", True, False)
    kept = with_portfolio(observed, shares=(*others, member))
    plan = plan_region(m, target(m), kept)
    assert plan.steps == ()
    assert "share organization member account 111111111111 (stands for the account share)" in {
        item.label for item in plan.unchanged
    }
    flags_differ = with_portfolio(
        observed, shares=(*others, dataclasses.replace(member, share_tag_options=False))
    )
    (step,) = plan_region(m, target(m), flags_differ).steps
    assert step.operation == "update_portfolio_share"
    assert step.params == {
        "PortfolioId": PORTFOLIO_ID,
        "OrganizationNode": {"Type": "ACCOUNT", "Value": "111111111111"},
        "ShareTagOptions": True,
    }


def test_listed_account_with_both_kinds_of_share_keeps_the_account_share() -> None:
    m = manifest()
    observed = converged(m)
    member = ObservedShare("ORGANIZATION_MEMBER_ACCOUNT", "111111111111", True, False)
    observed = with_portfolio(observed, shares=(*observed.portfolio.shares, member))
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "delete_portfolio_share"
    assert step.params["OrganizationNode"] == {"Type": "ACCOUNT", "Value": "111111111111"}
