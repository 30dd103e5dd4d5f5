"""Which candidate is the manifest's portfolio or product: the identity tag decides, a name
alone only adopts when nothing else could be meant."""

from __future__ import annotations

import pytest

from portfolio.manifest.model import derived_identity
from portfolio.publish.identity import Candidate, Choice, choose, product_identity, wanted_of
from tests.support.plan_builders import manifest

ID = "signed-urls"
TAG = f"signed-urls-portfolio:id={ID}"


def pick(*candidates: Candidate) -> Choice:
    return choose("portfolio", "Signed URLs", ID, candidates, "portfolio.id")


def test_the_tagged_one_is_chosen_whatever_its_name() -> None:
    ours = Candidate("port-1", "Renamed by hand", ID)
    other = Candidate("port-2", "Signed URLs", "another-manifest")
    assert pick(ours, other) == Choice(chosen=ours)


def test_one_untagged_with_the_name_is_adopted() -> None:
    legacy = Candidate("port-1", "Signed URLs", None)
    assert pick(legacy, Candidate("port-2", "Other", None)) == Choice(chosen=legacy, adopt=True)


def test_nothing_found_means_create() -> None:
    assert pick(Candidate("port-2", "Signed URLs", "another-manifest")) == Choice()


def test_two_tagged_stop_with_both_ids_and_the_way_out() -> None:
    choice = pick(Candidate("port-1", "Signed URLs", ID), Candidate("port-2", "Signed URLs", ID))
    assert choice.chosen is None
    assert choice.problem == (
        f"portfolio.id: 2 portfolios carry the tag {TAG}: port-1 ('Signed URLs'), port-2 "
        "('Signed URLs'); keep one: delete the others (or remove their tag), or run "
        "`portfolio adopt ID` to keep ID and untag the others"
    )


def test_a_tagged_one_and_an_untagged_namesake_stop() -> None:
    """The duplicate two publishes at once left before tags existed: its shares would stay."""
    choice = pick(Candidate("port-1", "Signed URLs", ID), Candidate("port-9", "Signed URLs", None))
    assert choice.chosen is None
    assert choice.problem.startswith(
        f"portfolio.id: portfolio port-1 carries the tag {TAG}, and port-9 ('Signed URLs') has "
        "its name 'Signed URLs' without it"
    )
    assert "delete or rename the extra" in choice.problem


def test_several_untagged_namesakes_stop() -> None:
    choice = pick(
        Candidate("port-1", "Signed URLs", None), Candidate("port-2", "Signed URLs", None)
    )
    assert choice.chosen is None
    assert "2 untagged portfolios are named 'Signed URLs': port-1" in choice.problem
    assert "`portfolio adopt ID`" in choice.problem


def test_a_candidate_seen_twice_counts_once() -> None:
    ours = Candidate("prod-1", "Bucket", f"{ID}/bucket")
    found = choose("product", "Bucket", f"{ID}/bucket", [ours, ours], "products[0].id")
    assert found == Choice(chosen=ours)


@pytest.mark.parametrize(
    ("name", "identity"),
    [
        ("Signed URLs", "signed-urls"),
        ("Signed URLs - Bucket", "signed-urls-bucket"),
        ("  ünïcode   & co  ", "n-code-co"),
        ("日本語", "id-" + __import__("hashlib").sha256("日本語".encode()).hexdigest()[:8]),
    ],
)
def test_derived_identities_are_tag_safe(name: str, identity: str) -> None:
    assert derived_identity(name) == identity


def test_a_long_name_keeps_a_hash_so_identities_stay_apart() -> None:
    first, second = derived_identity("x" * 70 + "a"), derived_identity("x" * 70 + "b")
    assert len(first) <= 64 and len(second) <= 64 and first != second


def test_products_are_identified_within_the_portfolio() -> None:
    m = manifest()
    wanted = wanted_of(m)
    assert wanted.identity == "signed-urls-demo" and wanted.identity_set
    assert product_identity(m, m.products[0]) == "signed-urls-demo/demo-product-1"
    assert [p.identity for p in wanted.products][1] == "signed-urls-demo/demo-product-2"
