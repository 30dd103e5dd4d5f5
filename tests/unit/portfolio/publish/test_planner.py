"""Planning the portfolio, templates, products and new versions: desired + observed -> steps."""

from __future__ import annotations

import dataclasses
import re

import pytest

from portfolio.publish.observed import (
    ObservedCatalog,
    ObservedVersion,
    PortfolioSummary,
    renamed_portfolio,
)
from portfolio.publish.planner import (
    input_problems,
    keys_to_check,
    plan_region,
    region_blockers,
    template_key,
    template_sha256_in,
)
from portfolio.publish.steps import Action, StepRef, Subject, TemplateFile
from tests.support.plan_builders import (
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
    product, version = create.outputs
    assert product.ref == StepRef("product", "Demo product 1")
    assert version.ref == StepRef("version", "Demo product 1 1.0.0")
    associate = next(s for s in steps if s.operation == "associate_product_with_portfolio")
    assert associate.params == {
        "ProductId": StepRef("product", "Demo product 1"),
        "PortfolioId": StepRef("portfolio", "Signed URLs demo"),
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


def _tokens(steps: tuple) -> list[str]:
    return [s.params["IdempotencyToken"] for s in steps if "IdempotencyToken" in s.params]


def test_idempotency_tokens_follow_content_within_a_run() -> None:
    m = manifest()
    first = plan_region(m, target(m), EMPTY).steps
    again = plan_region(m, target(m), EMPTY).steps
    changed = plan_region(m, target(m, **{"Demo product 1": "f" * 64}), EMPTY).steps
    tokens = _tokens(first)
    assert {s.operation for s in first if "IdempotencyToken" in s.params} == {
        "create_portfolio",
        "create_product",
        "create_constraint",
    }
    assert tokens == _tokens(again)
    assert len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}", token) for token in tokens)
    product_token = next(s for s in first if s.operation == "create_product").params
    changed_token = next(s for s in changed if s.operation == "create_product").params
    assert product_token["IdempotencyToken"] != changed_token["IdempotencyToken"]


def test_every_idempotency_token_changes_with_the_run() -> None:
    """AWS answers a repeated token with the first request's resource, even one deleted since:
    a later run must not repeat an earlier run's tokens."""
    m = manifest()
    observed = with_product(converged(m), "Demo product 2", versions=())
    observed = with_portfolio(observed, constraints=())
    for catalog in (EMPTY, observed):
        run_1 = _tokens(plan_region(m, target(m, run_nonce="run-1"), catalog).steps)
        run_2 = _tokens(plan_region(m, target(m, run_nonce="run-2"), catalog).steps)
        assert run_1 and len(run_1) == len(run_2)
        assert set(run_1).isdisjoint(run_2)
    version = next(
        s
        for s in plan_region(m, target(m, run_nonce="run-3"), observed).steps
        if s.operation == "create_provisioning_artifact"
    )
    assert version.params["IdempotencyToken"] not in _tokens(
        plan_region(m, target(m, run_nonce="run-1"), observed).steps
    )


# --- what stops a publish before its first mutating call ------------------------------------


def test_published_version_with_the_same_template_is_fine() -> None:
    m = manifest()
    assert input_problems(m, target(m), converged(m)) == []


def test_published_version_with_another_template_is_bad_input() -> None:
    """lock --force (or a hand-edited lock) let a changed template keep its version."""
    m = manifest()
    changed = target(m, **{"Demo product 2": "e" * 64})
    assert input_problems(m, changed, converged(m)) == [
        "products[1].version: 1.0.0 is already published with a different template; "
        "bump the version"
    ]
    assert plan_region(m, changed, converged(m)).steps == ()  # silently unchanged otherwise


def test_version_not_uploaded_by_the_publisher_is_left_alone() -> None:
    """No sha256 in the URL: nothing to compare, and no reason to block every publish."""
    m = manifest()
    url = "https://elsewhere.s3.amazonaws.com/hand-made/product.yaml"
    observed = with_product(
        converged(m),
        "Demo product 3",
        versions=(ObservedVersion("pa-x", "1.0.0", True, "DEFAULT", url, "AVAILABLE"),),
    )
    assert input_problems(m, target(m), observed) == []
    assert plan_region(m, target(m), observed).steps == ()


def test_only_the_manifest_version_is_compared() -> None:
    m = manifest()
    other = "https://artifacts.s3.amazonaws.com/templates/" + "9" * 64 + ".yaml"
    observed = with_product(
        converged(m),
        "Demo product 1",
        versions=(
            ObservedVersion("pa-old", "0.9.0", True, "DEFAULT", other, "AVAILABLE"),
            *converged(m).products["Demo product 1"].versions,
        ),
    )
    assert input_problems(m, target(m), observed) == []


def test_version_beyond_the_service_limit_is_refused_before_publishing() -> None:
    m = manifest()
    m = dataclasses.replace(m, products=(dataclasses.replace(m.products[0], version="2.0.0"),))
    history = tuple(ObservedVersion(f"pa-{n}", f"1.{n}.0", True, "DEPRECATED") for n in range(99))
    ok = with_product(converged(m), "Demo product 1", versions=history)
    assert input_problems(m, target(m), ok) == []
    full = with_product(
        ok, "Demo product 1", versions=(*history, ObservedVersion("pa-x", "0.1.0", True, "X"))
    )
    assert input_problems(m, target(m), full) == [
        "products[0].version: 2.0.0 would be version 101 of Demo product 1 in us-east-1; "
        "Service Catalog keeps at most 100 per product: delete old versions first"
    ]
    republish = dataclasses.replace(
        m, products=(dataclasses.replace(m.products[0], version="1.0.0"),)
    )
    assert input_problems(republish, target(republish), full) == []  # exists: nothing new


def test_failed_manifest_version_blocks_the_region() -> None:
    m = manifest()
    failed = dataclasses.replace(
        converged(m).products["Demo product 2"].versions[0], status="FAILED"
    )
    observed = with_product(converged(m), "Demo product 2", versions=(failed,))
    assert region_blockers(m, observed) == [
        "products[1].version: 1.0.0 of Demo product 2 FAILED (product prod-2, version "
        "pa-2-1.0.0); delete that version (DeleteProvisioningArtifact) and publish again, or "
        "bump the version"
    ]
    assert region_blockers(m, converged(m)) == []


@pytest.mark.parametrize(
    ("access", "blocked"),
    [(None, False), ("ENABLED", False), ("DISABLED", True), ("UNDER_CHANGE", True)],
)
def test_organization_shares_need_organizations_access(access: str | None, blocked: bool) -> None:
    m = manifest()
    observed = dataclasses.replace(converged(m), organizations_access=access)
    blockers = region_blockers(m, observed)
    assert bool(blockers) is blocked
    if blocked:
        assert blockers == [
            f"shares: sharing with an organization or OU needs AWS Organizations access, which "
            f"is {access}: from the management account run `aws servicecatalog "
            "enable-aws-organizations-access`, then publish from it or a delegated administrator"
        ]


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


def test_template_sha256_is_read_back_from_the_url_it_was_loaded_from() -> None:
    sha = "ab" * 32
    assert template_sha256_in(f"https://b.s3.eu-west-1.amazonaws.com/{template_key(sha)}") == sha
    assert template_sha256_in(f"https://s3.amazonaws.com/b/{template_key(sha)}?v=1") == sha
    assert template_sha256_in("https://b.s3.amazonaws.com/templates/product.yaml") is None
    assert template_sha256_in("") is None


# --- products the manifest no longer lists, renamed portfolios ---------------------------------


def test_product_no_longer_in_the_manifest_is_reported_and_left_alone() -> None:
    m = manifest()
    observed = dataclasses.replace(converged(m), other_products=(("prod-old", "Old product"),))
    plan = plan_region(m, target(m), observed)
    assert plan.steps == ()
    assert "product Old product (not in the manifest, left in the portfolio)" in {
        item.label for item in plan.unchanged
    }


def test_portfolio_found_under_its_old_name_is_renamed() -> None:
    m = manifest()
    observed = with_portfolio(converged(m), display_name="Signed URLs (old name)")
    (step,) = plan_region(m, target(m), observed).steps
    assert step.operation == "update_portfolio"
    assert step.params == {
        "Id": PORTFOLIO_ID,
        "DisplayName": "Signed URLs demo",
        "ProviderName": m.portfolio.provider_name,
        "Description": m.portfolio.description,
    }
    assert step.label == (
        "update portfolio Signed URLs demo (rename 'Signed URLs (old name)' -> 'Signed URLs demo')"
    )
    renamed_and_described = with_portfolio(observed, description="old words")
    (step,) = plan_region(m, target(m), renamed_and_described).steps
    assert step.detail == (
        "rename 'Signed URLs (old name)' -> 'Signed URLs demo'; description changed"
    )


def test_identity_problems_stop_the_region_before_any_change() -> None:
    m = manifest()
    observed = dataclasses.replace(converged(m), identity_problems=("portfolio.id: two of them",))
    assert region_blockers(m, observed) == ["portfolio.id: two of them"]


@pytest.mark.parametrize(
    ("providers", "chosen"),
    [
        (("Platform team",), "port-0"),
        (("Someone else",), "port-0"),  # the only one: renamed (and its provider updated)
        (("Platform team", "Someone else"), "port-0"),
        (("Platform team", "Platform team"), None),
        (("Someone else", "Another team"), None),
    ],
)
def test_renamed_portfolio_is_the_single_candidate_or_the_single_one_of_the_provider(
    providers: tuple[str, ...], chosen: str | None
) -> None:
    candidates = tuple(
        PortfolioSummary(f"port-{i}", f"P{i}", provider) for i, provider in enumerate(providers)
    )
    found = renamed_portfolio(candidates, "Platform team")
    assert (found.id if found else None) == chosen
    assert renamed_portfolio((), "Platform team") is None
