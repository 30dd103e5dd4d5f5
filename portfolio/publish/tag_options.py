"""TagOptions: created (or reactivated) and associated with the portfolio as the manifest lists
them; associations no longer listed are removed first. Pure planning.

Removing first makes room: a portfolio holds at most 25 TagOptions, so replacing one at the
limit must disassociate the old one before associating the new one. A TagOption guards nothing
(unlike a constraint), so removing it first loses nothing that matters if a later step fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from portfolio.manifest.model import Manifest
from portfolio.publish.observed import ObservedCatalog
from portfolio.publish.steps import (
    Action,
    PlanItem,
    PortfolioId,
    Step,
    StepOutput,
    StepRef,
    Subject,
    Unchanged,
    catalog_step,
)


def plan_tag_options(
    manifest: Manifest, observed: ObservedCatalog, portfolio: PortfolioId
) -> Iterator[PlanItem]:
    """Disassociate TagOptions no longer listed (first: the limit is 25 per portfolio); create
    (or reactivate) each listed TagOption and associate it."""
    associated = observed.portfolio.tag_option_ids if observed.portfolio else frozenset()
    yield from _disassociate_tag_options(manifest, observed, portfolio, associated)
    for option in manifest.tag_options:
        label = f"{option.key}={option.value}"
        existing = observed.tag_options.get((option.key, option.value))
        if existing is None:
            yield Step(
                Action.CREATE,
                Subject.TAG_OPTION,
                label,
                "servicecatalog",
                "create_tag_option",
                {"Key": option.key, "Value": option.value},
                outputs=(StepOutput(StepRef("tag-option", label), ("TagOptionDetail", "Id")),),
            )
        elif not existing.active:
            yield catalog_step(
                Action.UPDATE,
                Subject.TAG_OPTION,
                label,
                "update_tag_option",
                Id=existing.id,
                Active=True,
            )
        if existing is not None and existing.id in associated:
            yield Unchanged(Subject.TAG_OPTION, label)
        else:
            option_id = existing.id if existing else StepRef("tag-option", label)
            yield catalog_step(
                Action.ASSOCIATE,
                Subject.TAG_OPTION,
                label,
                "associate_tag_option_with_resource",
                ResourceId=portfolio,
                TagOptionId=option_id,
            )


def _disassociate_tag_options(
    manifest: Manifest,
    observed: ObservedCatalog,
    portfolio: PortfolioId,
    associated: frozenset[str],
) -> Iterator[PlanItem]:
    wanted = {(option.key, option.value) for option in manifest.tag_options}
    by_id = {option.id: option for option in observed.tag_options.values()}
    for option_id in sorted(associated):
        option = by_id.get(option_id)
        if option is not None and (option.key, option.value) in wanted:
            continue
        label = f"{option.key}={option.value}" if option else option_id
        yield catalog_step(
            Action.DISASSOCIATE,
            Subject.TAG_OPTION,
            label,
            "disassociate_tag_option_from_resource",
            ResourceId=portfolio,
            TagOptionId=option_id,
        )
