"""Planning the portfolio, templates, products and new versions: desired + observed -> steps."""

from __future__ import annotations

import dataclasses
import re

from portfolio.catalog_state import ObservedCatalog, ObservedVersion
from portfolio.plan import Action, Ref, Subject, TemplateFile
from portfolio.planner import keys_to_check, plan_region, template_key
from tests.unit.test_plan_support import (
    PORTFOLIO_ID,
    converged,
    manifest,
    operations,
    product_id,
    target,
    with_portfolio,
    with_product,
)

EMPTY = ObservedCatalog(portfolio=None)


def test_empty_catalog_creates_everything_in_dependency_order() -> None:
    m = manifest()
    ops = operations(plan_region(m, target(m), EMPTY).steps)
    assert ops.count("put_object") == 3
    assert ops.count("create_product") == 3
    assert ops.count("associate_product_with_portfolio") == 3
    assert ops.count("create_portfolio") == 1
    last_upload = max(i for i, op in enumerate(ops) if op == "put_object")
    assert last_upload < ops.index("create_portfolio") < ops.index("create_product")
    last_association = max(
        i for i, op in enumerate(ops) if op == "associate_product_with_portfolio"
    )
    assert last_association < ops.index("create_constraint")
    assert ops.index("create_tag_option") < ops.index("associate_tag_option_with_resource")
    assert ops[-2:] == ["create_portfolio_share", "create_portfolio_share"]


def test_new_ids_are_refs_to_the_steps_that_create_them() -> None:
    m = manifest()
    steps = plan_region(m, target(m), EMPTY).steps
    create = next(s for s in steps if s.operation == "create_product")
    (output,) = create.outputs
    assert output.ref == Ref("product", "Demo product 1")
    associate = next(s for s in steps if s.operation == "associate_product_with_portfolio")
    assert associate.params == {
        "ProductId": Ref("product", "Demo product 1"),
        "PortfolioId": Ref("portfolio", "Signed URLs demo"),
    }


def test_create_product_carries_its_first_version_and_console_fields() -> None:
    m = manifest()
    create = next(s for s in plan_region(m, target(m), EMPTY).steps if s.subject is Subject.PRODUCT)
    params = create.params
    assert params["Name"] == "Demo product 1"
    assert params["Owner"] == "Platform team"
    assert params["SupportEmail"] == "platform@example.com"
    assert params["ProductType"] == "CLOUD_FORMATION_TEMPLATE"
    artifact = params["ProvisioningArtifactParameters"]
    assert artifact["Name"] == "1.0.0"
    assert artifact["Info"] == {
        "LoadTemplateFromURL": f"https://artifacts.s3.amazonaws.com/templates/{1:064x}.yaml"
    }
    assert create.wait == "artifact"


def test_idempotency_tokens_follow_content() -> None:
    m = manifest()
    first = plan_region(m, target(m), EMPTY).steps
    again = plan_region(m, target(m), EMPTY).steps
    changed = plan_region(m, target(m, **{"Demo product 1": "f" * 64}), EMPTY).steps
    tokens = [s.params.get("IdempotencyToken") for s in first if "IdempotencyToken" in s.params]
    assert tokens == [
        s.params.get("IdempotencyToken") for s in again if "IdempotencyToken" in s.params
    ]
    assert all(re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}", token) for token in tokens)
    product_token = next(s for s in first if s.operation == "create_product").params
    changed_token = next(s for s in changed if s.operation == "create_product").params
    assert product_token["IdempotencyToken"] != changed_token["IdempotencyToken"]


def test_templates_already_stored_are_not_uploaded_again() -> None:
    m = manifest()
    stored = frozenset(template_key(f"{i:064x}") for i in (1, 2, 3))
    plan = plan_region(m, target(m), dataclasses.replace(EMPTY, stored_template_keys=stored))
    assert "put_object" not in operations(plan.steps)
    assert sum(1 for item in plan.unchanged if item.subject is Subject.TEMPLATE) == 3


def test_identical_templates_upload_once() -> None:
    m = manifest()
    same = {p.name: "a" * 64 for p in m.products}
    plan = plan_region(m, target(m, **same), EMPTY)
    assert operations(plan.steps).count("put_object") == 1


def test_upload_body_is_the_local_template_checked_by_hash() -> None:
    m = manifest()
    upload = plan_region(m, target(m), EMPTY).steps[0]
    assert upload.params["Body"] == TemplateFile("/templates/1.yaml", f"{1:064x}")
    assert upload.params["Key"] == f"templates/{1:064x}.yaml"
    assert upload.params["Bucket"] == "artifacts"


def test_changed_console_fields_update_the_product() -> None:
    m = manifest()
    observed = with_product(converged(m), "Demo product 2", owner="Someone else")
    (step,) = plan_region(m, target(m), observed).steps
    assert (step.action, step.operation) == (Action.UPDATE, "update_product")
    assert step.params["Id"] == product_id(2)
    assert step.params["Owner"] == "Platform team"
    assert step.detail == "Owner changed"


def test_new_version_of_existing_product_uploads_and_creates_artifact_only() -> None:
    m = manifest()
    observed = with_product(converged(m), "Demo product 3", versions=())
    observed = with_product(
        observed, "Demo product 3", versions=(ObservedVersion("pa-old", "0.9.0", True, "DEFAULT"),)
    )
    steps = plan_region(m, target(m), observed).steps
    assert operations(steps) == ["put_object", "create_provisioning_artifact"]
    create = steps[1]
    assert create.params["ProductId"] == product_id(3)
    assert create.params["Parameters"]["Name"] == "1.0.0"
    assert create.wait == "artifact"


def test_only_new_versions_need_a_storage_check() -> None:
    m = manifest()
    observed = with_product(converged(m), "Demo product 2", versions=())
    assert keys_to_check(m, target(m), observed) == {template_key(f"{2:064x}")}
    assert keys_to_check(m, target(m), converged(m)) == set()


def test_product_created_but_not_associated_is_only_associated() -> None:
    """A run that stopped after CreateProduct: the next run must not create it again."""
    m = manifest()
    observed = with_product(converged(m), "Demo product 1", associated=False)
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "associate_product_with_portfolio"
    assert step.params == {"ProductId": product_id(1), "PortfolioId": PORTFOLIO_ID}


def test_changed_portfolio_description_updates_the_portfolio() -> None:
    m = manifest()
    observed = with_portfolio(converged(m), description="old words")
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "update_portfolio"
    assert step.params["Id"] == PORTFOLIO_ID
    assert step.detail == "description changed"


def test_empty_optional_fields_are_left_out_of_creates() -> None:
    data = manifest()
    m = dataclasses.replace(
        data,
        products=tuple(
            dataclasses.replace(p, support_email="", distributor="") for p in data.products
        ),
    )
    create = next(
        s for s in plan_region(m, target(m), EMPTY).steps if s.operation == "create_product"
    )
    assert "SupportEmail" not in create.params
    assert "Distributor" not in create.params


def test_template_url_is_regional_when_the_bucket_region_is_known() -> None:
    m = manifest()
    regional = dataclasses.replace(target(m), region="eu-west-1", bucket_region="eu-west-1")
    create = next(
        s for s in plan_region(m, regional, EMPTY).steps if s.operation == "create_product"
    )
    assert create.params["ProvisioningArtifactParameters"]["Info"] == {
        "LoadTemplateFromURL": f"https://artifacts.s3.eu-west-1.amazonaws.com/templates/{1:064x}.yaml"
    }
