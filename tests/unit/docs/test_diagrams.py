"""The Mermaid diagrams in the docs hold together (a light structural check: no renderer), the
first one names exactly the complete stack's resources, and the README starts with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.support.templates import template_data

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"
_BLOCK = re.compile(r"^```mermaid\n(.*?)^```", re.S | re.M)
#: Diagram types the code host's Mermaid renders, and the words that open a block needing `end`.
OPENERS = {
    "flowchart": ("subgraph",),
    "graph": ("subgraph",),
    "sequenceDiagram": ("loop", "alt", "opt", "par", "critical", "break", "rect", "box"),
    "timeline": (),
    "stateDiagram-v2": (),
    "classDiagram": (),
    "erDiagram": (),
    "gantt": (),
}
_NODE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\[|\(|\{)")


def diagrams(path: Path) -> list[str]:
    return _BLOCK.findall(path.read_text(encoding="utf-8"))


def structure_problems(diagram: str) -> list[str]:
    """What would keep Mermaid from parsing ``diagram``, as far as a line-based check sees."""
    lines = [line.strip() for line in diagram.splitlines() if line.strip()]
    kind = lines[0].split()[0] if lines else ""
    if kind not in OPENERS:
        return [f"unknown diagram type {kind!r}"]
    problems = []
    depth = 0
    for line in lines[1:]:
        word = line.split()[0]
        depth += word in OPENERS[kind]
        depth -= word == "end"
        if depth < 0:
            problems.append(f"`end` without an opener: {line}")
            depth = 0
        if kind == "sequenceDiagram" and (";" in line or line.count(":") > 1):
            problems.append(f"`;` ends a statement, a second `:` may confuse a message: {line}")
        if line.count('"') % 2:
            problems.append(f"unbalanced quotes: {line}")
        for opening, closing in ("[]", "()", "{}"):
            if line.count(opening) != line.count(closing):
                problems.append(f"unbalanced {opening}{closing}: {line}")
    if depth:
        problems.append(f"{depth} block(s) without `end`")
    return problems


def test_the_docs_have_the_diagrams_the_architecture_promises() -> None:
    kinds = [diagram.split()[0] for diagram in diagrams(ARCHITECTURE)]
    assert kinds.count("flowchart") >= 3 and kinds.count("sequenceDiagram") >= 2
    assert "timeline" in kinds


@pytest.mark.parametrize("path", DOCS, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_mermaid_block_is_structurally_sound(path: Path) -> None:
    for diagram in diagrams(path):
        assert structure_problems(diagram) == [], diagram.splitlines()[0]


def test_the_structural_check_can_fail() -> None:
    assert structure_problems("flowchrt LR\n a --> b") == ["unknown diagram type 'flowchrt'"]
    assert structure_problems('flowchart LR\n subgraph x["X"]\n a["A"] --> b') == [
        "1 block(s) without `end`"
    ]
    assert structure_problems("sequenceDiagram\n A->>B: hi\n end") == [
        "`end` without an opener: end"
    ]
    assert structure_problems('flowchart LR\n a["A] --> b') == ['unbalanced quotes: a["A] --> b']
    assert len(structure_problems("sequenceDiagram\n A->>B: one; two")) == 1


def test_the_first_diagram_names_exactly_the_complete_stacks_resources() -> None:
    """Nodes named with a capital letter are resources by logical ID; others are outside."""
    first = diagrams(ARCHITECTURE)[0]
    nodes = {match.group(1) for line in first.splitlines() if (match := _NODE.match(line))}
    resources = {name for name in nodes if name[0].isupper()}
    assert resources == set(template_data("signed-urls")["Resources"])


def test_the_readme_starts_with_the_first_diagram() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert diagrams(REPO_ROOT / "README.md")[0] == diagrams(ARCHITECTURE)[0]
    assert readme.index("```mermaid") < readme.index("\n## ")
