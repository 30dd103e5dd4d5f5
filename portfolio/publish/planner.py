"""Desired state (manifest + template hashes) and observed state in, ``RegionPlan`` out. Pure.

Each ``plan_*`` function below is one publishing concern and yields the Steps and Unchanged
items for it; ``plan_region`` puts them in the order AWS needs: templates uploaded before
versions point at them, products associated before constraints name them, new versions
created before older ones are deprecated. TagOptions, principals, constraints and shares each
have their own module next to this one.

What must stop a region before its first mutating call is found here too:
``input_problems`` (the manifest asks for something it may not: exit 2) and
``region_blockers`` (the region's state does not allow publishing: the region fails).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from portfolio.manifest.model import MAX_VERSIONS_PER_PRODUCT, Manifest, Product
from portfolio.manifest.semver import parse_semver
from portfolio.manifest.validation import notification_region_problems
from portfolio.names import IDENTITY_TAG_KEY
from portfolio.paths import shown
from portfolio.publish import constraints, principals, shares, tag_options
from portfolio.publish.identity import identity_tags, product_identity
from portfolio.publish.observed import ObservedCatalog, ObservedProduct, ObservedVersion
from portfolio.publish.steps import (
    Action,
    PlanItem,
    PlannedProduct,
    PortfolioId,
    RegionPlan,
    Step,
    StepOutput,
    StepRef,
    Subject,
    TemplateFile,
    Unchanged,
    catalog_step,
    portfolio_id,
    product_id,
    version_ref,
)

ARTIFACT_TYPE = "CLOUD_FORMATION_TEMPLATE"


@dataclass(frozen=True)
class PublishTarget:
    """What a region's plan needs beyond the manifest."""

    region: str
    bucket: str  # the artifact bucket templates are uploaded to
    templates: Mapping[str, TemplateFile]  # product name -> its local template
    bucket_region: str | None = None  # known for the bootstrap stack's bucket
    #: One value per publish run, part of every IdempotencyToken: a retry within the run
    #: repeats its token, a later run (after someone deleted what this one created) does not.
    run_nonce: str = ""


def template_key(sha256: str) -> str:
    """Content-addressed: a template is uploaded once, whatever product or version uses it."""
    return f"templates/{sha256}.yaml"


_TEMPLATE_KEY_IN_URL = re.compile(r"/templates/(?P<sha256>[0-9a-f]{64})\.yaml(?:\?.*)?")


def template_sha256_in(url: str) -> str | None:
    """The sha256 in a template URL this publisher made (``template_key``), else None."""
    match = _TEMPLATE_KEY_IN_URL.search(url)
    return match.group("sha256") if match else None


def template_url(bucket: str, key: str, region: str | None = None) -> str:
    """Virtual-hosted S3 URL; regional when the bucket's region is known (no redirect)."""
    host = f"{bucket}.s3.{region}.amazonaws.com" if region else f"{bucket}.s3.amazonaws.com"
    return f"https://{host}/{key}"


def idempotency_token(run_nonce: str, *parts: str) -> str:
    """Same run and request content -> same token, so a retried create cannot create twice;
    the run's nonce keeps a later run from getting an earlier run's (maybe deleted) resource."""
    return hashlib.sha256("\0".join((run_nonce, *parts)).encode("utf-8")).hexdigest()


def keys_to_check(manifest: Manifest, target: PublishTarget, observed: ObservedCatalog) -> set[str]:
    """Template keys of versions that do not exist yet (only those need HeadObject)."""
    return {
        template_key(target.templates[product.name].sha256)
        for product in manifest.products
        if _version_is_new(product, observed.products.get(product.name))
    }


def plan_region(manifest: Manifest, target: PublishTarget, observed: ObservedCatalog) -> RegionPlan:
    portfolio = portfolio_id(manifest, observed)
    items: list[PlanItem] = [
        *plan_uploads(manifest, target, observed),
        *plan_portfolio(manifest, target, observed),
        *tag_options.plan_tag_options(manifest, observed, portfolio),
        *principals.plan_principals(manifest, observed, portfolio),
        *plan_products(manifest, target, observed),
        *report_other_products(observed),
        *plan_new_versions(manifest, target, observed),
        *plan_product_associations(manifest, observed, portfolio),
        *constraints.plan_constraints(
            manifest, observed, portfolio, target.region, target.run_nonce
        ),
        *plan_version_lifecycle(manifest, observed),
        *shares.plan_shares(manifest, observed, portfolio),
    ]
    return RegionPlan(
        region=target.region,
        portfolio=manifest.portfolio.display_name,
        steps=tuple(item for item in items if isinstance(item, Step)),
        unchanged=tuple(item for item in items if isinstance(item, Unchanged)),
        portfolio_id=portfolio,
        products=tuple(planned_products(manifest, observed)),
    )


def planned_products(manifest: Manifest, observed: ObservedCatalog) -> Iterator[PlannedProduct]:
    """Each product's ID and its manifest version's ID (existing, or a StepRef)."""
    for product in manifest.products:
        current = observed.products.get(product.name)
        existing = current.versions if current is not None else ()
        version_id = next((v.id for v in existing if v.name == product.version), None)
        yield PlannedProduct(
            product.name,
            product_id(product, observed),
            product.version,
            version_id or version_ref(product),
        )


# --- templates ----------------------------------------------------------------------------------


def plan_uploads(
    manifest: Manifest, target: PublishTarget, observed: ObservedCatalog
) -> Iterator[PlanItem]:
    """Upload each template a new version needs, unless that content is already stored."""
    seen: set[str] = set()
    for product in manifest.products:
        if not _version_is_new(product, observed.products.get(product.name)):
            continue
        template = target.templates[product.name]
        key = template_key(template.sha256)
        if key in seen:
            continue
        seen.add(key)
        if key in observed.stored_template_keys:
            yield Unchanged(Subject.TEMPLATE, shown(template.path), "already stored")
        else:
            yield _upload_step(target.bucket, key, template)


def _upload_step(bucket: str, key: str, template: TemplateFile) -> Step:
    return Step(
        action=Action.UPLOAD,
        subject=Subject.TEMPLATE,
        name=shown(template.path),  # relative to where the command runs, like every path
        service="s3",
        operation="put_object",
        params={
            "Bucket": bucket,
            "Key": key,
            "Body": template,
            "ContentType": "application/x-yaml",
            "ChecksumAlgorithm": "SHA256",
        },
        detail=f"s3://{bucket}/{key}" if len(key) < 40 else f"s3://{bucket}/{key[:22]}...",
    )


# --- portfolio ----------------------------------------------------------------------------------


def plan_portfolio(
    manifest: Manifest, target: PublishTarget, observed: ObservedCatalog
) -> Iterator[PlanItem]:
    info = manifest.portfolio
    current = observed.portfolio
    if current is None:
        yield Step(
            action=Action.CREATE,
            subject=Subject.PORTFOLIO,
            name=info.display_name,
            service="servicecatalog",
            operation="create_portfolio",
            params=_without_empty(
                DisplayName=info.display_name,
                ProviderName=info.provider_name,
                Description=info.description,
                Tags=identity_tags(info.identity),
                IdempotencyToken=idempotency_token(
                    target.run_nonce, "portfolio", info.identity, info.display_name
                ),
            ),
            outputs=(
                StepOutput(StepRef("portfolio", info.display_name), ("PortfolioDetail", "Id")),
            ),
        )
        return
    changed = _changed_fields(
        {"provider_name": current.provider_name, "description": current.description},
        {"provider_name": info.provider_name, "description": info.description},
    )
    renamed = current.display_name != info.display_name
    if not changed and not renamed and current.tagged:
        yield Unchanged(Subject.PORTFOLIO, info.display_name)
        return
    yield Step(
        action=Action.UPDATE,
        subject=Subject.PORTFOLIO,
        name=info.display_name,
        service="servicecatalog",
        operation="update_portfolio",
        params={
            "Id": current.id,
            **({"DisplayName": info.display_name} if renamed else {}),
            "ProviderName": info.provider_name,
            "Description": info.description,
            **({} if current.tagged else {"AddTags": identity_tags(info.identity)}),
        },
        detail=_change_detail(
            current.display_name if renamed else "",
            info.display_name,
            changed,
            "" if current.tagged else info.identity,
        ),
    )


def _change_detail(old_name: str, new_name: str, changed: list[str], adopted: str) -> str:
    """'adopt: tag ...=ID; rename 'Old' -> 'New'; description changed' (each part only when
    it applies)."""
    parts = [f"adopt: tag {IDENTITY_TAG_KEY}={adopted}"] if adopted else []
    if old_name:
        parts.append(f"rename {old_name!r} -> {new_name!r}")
    if changed:
        parts.append(f"{', '.join(changed)} changed")
    return "; ".join(parts)


# --- products -----------------------------------------------------------------------------------


def _console_fields(product: Product | ObservedProduct) -> dict[str, str]:
    """The product's console fields, as UpdateProduct names them (the manifest's or AWS's)."""
    return {
        "Owner": product.owner,
        "Description": product.description,
        "Distributor": product.distributor,
        "SupportEmail": product.support_email,
        "SupportUrl": product.support_url,
        "SupportDescription": product.support_description,
    }


def plan_products(
    manifest: Manifest, target: PublishTarget, observed: ObservedCatalog
) -> Iterator[PlanItem]:
    """Create missing products (with their first version); update changed console fields, a
    changed name (the product was found by its tag) and adopt an untagged product."""
    for product in manifest.products:
        current = observed.products.get(product.name)
        if current is None:
            yield _create_product_step(manifest, product, target)
            continue
        changed = _changed_fields(_console_fields(current), _console_fields(product))
        renamed = current.name != product.name
        if not changed and not renamed and current.tagged:
            yield Unchanged(Subject.PRODUCT, product.name)
            continue
        identity = product_identity(manifest, product)
        yield Step(
            action=Action.UPDATE,
            subject=Subject.PRODUCT,
            name=product.name,
            service="servicecatalog",
            operation="update_product",
            params={
                "Id": current.id,
                "Name": product.name,
                **_console_fields(product),
                **({} if current.tagged else {"AddTags": identity_tags(identity)}),
            },
            detail=_change_detail(
                current.name if renamed else "",
                product.name,
                changed,
                "" if current.tagged else identity,
            ),
        )


def _create_product_step(manifest: Manifest, product: Product, target: PublishTarget) -> Step:
    template = target.templates[product.name]
    return Step(
        action=Action.CREATE,
        subject=Subject.PRODUCT,
        name=product.name,
        service="servicecatalog",
        operation="create_product",
        params=_without_empty(
            Name=product.name,
            **_console_fields(product),
            ProductType=ARTIFACT_TYPE,
            ProvisioningArtifactParameters=_artifact_parameters(product, target),
            Tags=identity_tags(product_identity(manifest, product)),
            IdempotencyToken=idempotency_token(
                target.run_nonce,
                "product",
                product_identity(manifest, product),
                product.name,
                template.sha256,
            ),
        ),
        outputs=(
            StepOutput(
                StepRef("product", product.name),
                ("ProductViewDetail", "ProductViewSummary", "ProductId"),
            ),
            StepOutput(version_ref(product), ("ProvisioningArtifactDetail", "Id")),
        ),
        wait="artifact",
        detail=f"with version {product.version}",
    )


def _artifact_parameters(product: Product, target: PublishTarget) -> dict[str, Any]:
    key = template_key(target.templates[product.name].sha256)
    return _without_empty(
        Name=product.version,
        Description=product.version_description,
        Info={"LoadTemplateFromURL": template_url(target.bucket, key, target.bucket_region)},
        Type=ARTIFACT_TYPE,
    )


# --- product associations -----------------------------------------------------------------------


def plan_product_associations(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[PlanItem]:
    """Associate every product with the portfolio (before any constraint names it)."""
    for product in manifest.products:
        current = observed.products.get(product.name)
        if current is not None and current.associated:
            continue  # reported with the product
        yield catalog_step(
            Action.ASSOCIATE,
            Subject.PRODUCT,
            product.name,
            "associate_product_with_portfolio",
            ProductId=product_id(product, observed),
            PortfolioId=portfolio,
        )


#: How a product the manifest no longer lists is reported: it stays (provisioned products and
#: their updates may depend on it), but ``plan`` and ``publish`` say so.
LEFT_IN_PORTFOLIO = "not in the manifest, left in the portfolio"


def report_other_products(observed: ObservedCatalog) -> Iterator[PlanItem]:
    """Products in the portfolio that the manifest does not list: reported, never removed."""
    for _product_id, name in sorted(observed.other_products, key=lambda item: (item[1], item[0])):
        yield Unchanged(Subject.PRODUCT, name, LEFT_IN_PORTFOLIO)


# --- versions -----------------------------------------------------------------------------------


def _version_is_new(product: Product, current: ObservedProduct | None) -> bool:
    return current is None or all(v.name != product.version for v in current.versions)


def plan_new_versions(
    manifest: Manifest, target: PublishTarget, observed: ObservedCatalog
) -> Iterator[PlanItem]:
    """A new provisioning artifact for each existing product whose version is new."""
    for product in manifest.products:
        current = observed.products.get(product.name)
        if current is None:
            continue  # created together with the product
        label = f"{product.name} {product.version}"
        if not _version_is_new(product, current):
            yield Unchanged(Subject.VERSION, label)
            continue
        yield Step(
            action=Action.CREATE,
            subject=Subject.VERSION,
            name=label,
            service="servicecatalog",
            operation="create_provisioning_artifact",
            params={
                "ProductId": current.id,
                "Parameters": _artifact_parameters(product, target),
                "IdempotencyToken": idempotency_token(
                    target.run_nonce,
                    "version",
                    current.id,
                    product.version,
                    target.templates[product.name].sha256,
                ),
            },
            outputs=(StepOutput(version_ref(product), ("ProvisioningArtifactDetail", "Id")),),
            wait="artifact",
        )


def active_version_names(current: str, names: Iterable[str], keep_active: int) -> frozenset[str]:
    """The manifest's version plus the newest older ones, ``keep_active`` in all.

    Versions newer than the manifest's (after a rollback) and names that are not semantic
    versions are not kept active.
    """
    ceiling = parse_semver(current)
    ranked = sorted(
        (parsed, name)
        for name in set(names) | {current}
        if (parsed := parse_semver(name)) is not None and ceiling is not None and parsed <= ceiling
    )
    return frozenset(name for _parsed, name in ranked[::-1][:keep_active])


def plan_version_lifecycle(manifest: Manifest, observed: ObservedCatalog) -> Iterator[PlanItem]:
    """Deprecate versions beyond the newest ``keep_active_versions``; reactivate kept ones."""
    for product in manifest.products:
        current = observed.products.get(product.name)
        if current is None:
            continue
        active = active_version_names(
            product.version, (v.name for v in current.versions), manifest.keep_active_versions
        )
        for version in sorted(current.versions, key=lambda v: _version_order(v.name)):
            item = _lifecycle_item(manifest, product, current, version, version.name in active)
            if version.name != product.version or isinstance(item, Step):
                yield item  # the manifest's own version is reported unchanged with the product


def _version_order(name: str) -> tuple[int, Any]:
    """Semantic versions in precedence order first, then other names alphabetically."""
    parsed = parse_semver(name)
    return (0, parsed) if parsed is not None else (1, name)


def _lifecycle_item(
    manifest: Manifest,
    product: Product,
    current: ObservedProduct,
    version: ObservedVersion,
    keep_active: bool,
) -> PlanItem:
    label = f"{product.name} {version.name}"
    guidance = "DEFAULT" if keep_active else "DEPRECATED"
    active = keep_active or not manifest.deactivate_deprecated
    if (version.guidance, version.active) == (guidance, active):
        state = "active" if keep_active else "deprecated"
        return Unchanged(Subject.VERSION, label, state if active else f"{state}, inactive")
    return Step(
        action=Action.UPDATE if keep_active else Action.DEPRECATE,
        subject=Subject.VERSION,
        name=label,
        service="servicecatalog",
        operation="update_provisioning_artifact",
        params={
            "ProductId": current.id,
            "ProvisioningArtifactId": version.id,
            "Active": active,
            "Guidance": guidance,
        },
        detail="keep active" if keep_active else ("inactive" if not active else ""),
    )


# --- what stops a region before its first mutating call ---------------------------------------


def input_problems(
    manifest: Manifest, target: PublishTarget, observed: ObservedCatalog
) -> list[str]:
    """What the manifest asks of this region that it may not (exit 2), one line each: a
    published version whose template differs from the local one, more versions than Service
    Catalog keeps (of those that exist), a notification topic of another region."""
    problems: list[str] = []
    for index, product in enumerate(manifest.products):
        current = observed.products.get(product.name)
        path = f"products[{index}]"
        if current is not None:
            problems.extend(_published_template_problems(product, target, current, path))
            problems.extend(_version_limit_problems(product, target, current, path))
        problems.extend(
            notification_region_problems(product, f"{path}.constraints", [target.region])
        )
    return problems


def _published_template_problems(
    product: Product, target: PublishTarget, current: ObservedProduct, path: str
) -> Iterator[str]:
    """A published version is immutable: its template must be the local one, byte for byte.

    Only a URL this publisher made carries the template's sha256. Any other URL (a version
    published by hand or another tool) cannot be compared and is left alone rather than
    blocking every later publish.
    """
    for version in current.versions:
        if version.name != product.version or version.template_url is None:
            continue
        published = template_sha256_in(version.template_url)
        if published is not None and published != target.templates[product.name].sha256:
            yield (
                f"{path}.version: {product.version} is already published with a different "
                "template; bump the version"
            )


def _version_limit_problems(
    product: Product, target: PublishTarget, current: ObservedProduct, path: str
) -> Iterator[str]:
    if not _version_is_new(product, current):
        return
    count = len(current.versions) + 1
    if count > MAX_VERSIONS_PER_PRODUCT:
        yield (
            f"{path}.version: {product.version} would be version {count} of {product.name} in "
            f"{target.region}; Service Catalog keeps at most {MAX_VERSIONS_PER_PRODUCT} per "
            "product: delete old versions first"
        )


def region_blockers(manifest: Manifest, observed: ObservedCatalog) -> list[str]:
    """What in the region's state stops publishing there (the region fails, exit 1, before its
    first change): the manifest's portfolio or a product cannot be told apart from another;
    the manifest's version exists but FAILED; organization sharing is not enabled."""
    blockers = list(observed.identity_problems)
    blockers += [
        f"products[{index}].version: {product.version} of {product.name} FAILED (product "
        f"{current.id}, version {version.id}); delete that version (DeleteProvisioningArtifact) "
        "and publish again, or bump the version"
        for index, product in enumerate(manifest.products)
        if (current := observed.products.get(product.name)) is not None
        for version in current.versions
        if version.name == product.version and version.status == "FAILED"
    ]
    access = observed.organizations_access
    if access is not None and access != "ENABLED":
        blockers.append(
            f"shares: sharing with an organization or OU needs AWS Organizations access, which "
            f"is {access}: from the management account run `aws servicecatalog "
            "enable-aws-organizations-access`, then publish from it or a delegated administrator"
        )
    return blockers


# --- helpers ------------------------------------------------------------------------------------


def _changed_fields(current: Mapping[str, str], desired: Mapping[str, str]) -> list[str]:
    return [name for name, value in desired.items() if (current.get(name) or "") != value]


def _without_empty(**params: Any) -> dict[str, Any]:
    """Optional Service Catalog fields are left out rather than sent empty."""
    return {name: value for name, value in params.items() if value not in ("", None)}
