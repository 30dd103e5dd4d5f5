"""Manifest limits: whatever the file holds, the publisher answers at once with exit 2 and one
line naming the field, before any call: no hang, no RecursionError, nothing published that
people would read wrongly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portfolio.cli import main
from portfolio.manifest.model import MAX_MANIFEST_BYTES, MAX_NESTING, MAX_STRING_LENGTH
from tests.support.demo_manifest import demo_manifest_data, write_demo


@pytest.fixture(autouse=True)
def _no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may reach AWS; should a call slip through, it goes nowhere."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def refused(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line ``portfolio plan`` prints for the manifest at ``path``."""
    assert main(["plan", "--manifest", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.startswith("portfolio plan: error: ")
    return error.removeprefix("portfolio plan: error: ").rstrip("\n")


def test_a_file_too_large(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_demo(tmp_path)
    path.write_text(path.read_text() + "#" * MAX_MANIFEST_BYTES, encoding="utf-8")
    size = path.stat().st_size
    assert refused(path, capsys) == f"--manifest {path}: {size} bytes; at most {MAX_MANIFEST_BYTES}"


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_too_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str) -> None:
    """Deep enough to end in RecursionError without the limit."""
    depth = 5000 if style == "flow" else 200
    if style == "flow":
        text = "portfolio: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "portfolio:\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(1, depth)) + "  x\n"
    path = tmp_path / "manifest.yaml"
    path.write_text(text, encoding="utf-8")
    error = refused(path, capsys)
    assert error.startswith("portfolio")
    assert error.endswith(f": nested deeper than {MAX_NESTING} levels")


def _bomb(indent: str) -> str:
    """A billion laughs: 10 ** 7 values from seven lines (each anchor repeats the one before)."""
    lines = [f"{indent}l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 7)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    path.write_text("anchors:\n" + _bomb("  ") + path.read_text(), encoding="utf-8")
    assert refused(path, capsys) == (
        "anchors.l4: expands to more than 100000 values (each YAML alias repeats its anchor)"
    )


def test_an_alias_bomb_inside_a_template_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What once passed validation and hung the planner (it walks the rules as JSON)."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    text = yaml.safe_dump(data, sort_keys=False).replace(
        "        DemoTopicName:\n",
        "        Bomb:\n" + _bomb("          ") + "        DemoTopicName:\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    assert refused(path, capsys) == (
        "products[0].constraints.template.rules.Bomb.l1[0]: YAML aliases are not allowed inside "
        "rule documents"
    )


def test_an_alias_inside_a_rule_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    text = yaml.safe_dump(data, sort_keys=False)
    text = text.replace("DemoTopicName:\n", "DemoTopicName: &rule\n", 1)
    text = text.replace(
        "          AssertDescription: TopicName must not be empty\n",
        "          AssertDescription: TopicName must not be empty\n        Again: *rule\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    assert refused(path, capsys) == (
        "products[0].constraints.template.rules.Again: YAML aliases are not allowed inside "
        "rule documents"
    )


def test_aliases_elsewhere_are_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped manifest shares one constraints mapping between products with an alias."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    text = yaml.safe_dump(data, sort_keys=False).replace(
        "  constraints:\n", "  constraints: &c\n", 1
    )
    path.write_text(text, encoding="utf-8")
    assert main(["lock", "--manifest", str(path)]) == 0


def test_a_string_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_manifest_data()
    rule = data["products"][0]["constraints"]["template"]["rules"]["DemoTopicName"]
    rule["Assertions"][0]["AssertDescription"] = "x" * (MAX_STRING_LENGTH + 1)
    path = write_demo(tmp_path, data, lock=False)
    assert refused(path, capsys) == (
        "products[0].constraints.template.rules.DemoTopicName.Assertions[0].AssertDescription: "
        f"{MAX_STRING_LENGTH + 1} characters; at most {MAX_STRING_LENGTH}"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("portfolio.display_name", "   ", "must not be blank (it is only whitespace)"),
        ("portfolio.provider_name", "\t", "must not be blank (it is only whitespace)"),
        ("portfolio.description", " \n ", "must not be blank (it is only whitespace)"),
        ("products[0].name", "  ", "must not be blank (it is only whitespace)"),
        ("products[0].owner", " ", "must not be blank (it is only whitespace)"),
        ("products[0].description", "   ", "must not be blank (it is only whitespace)"),
        (
            "products[1].name",
            "Bucket\u202eevil",
            "contains a bidirectional control character (U+202E); remove it",
        ),
        (
            "products[1].owner",
            "Team\u2066x",
            "contains a bidirectional control character (U+2066); remove it",
        ),
        ("products[1].name", "Bucket\x07", "contains a control character (U+0007); remove it"),
        ("products[1].name", "Two\nlines", "contains a line break (U+000A); remove it"),
        ("portfolio.display_name", "A\u2028B", "contains a line break (U+2028); remove it"),
        (
            "products[2].description",
            "Bad\x1b[31m",
            "contains a control character (U+001B); remove it",
        ),
        (
            "products[2].version_description",
            "x\u200fy",
            "contains a bidirectional control character (U+200F); remove it",
        ),
    ],
)
def test_text_people_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: str, message: str
) -> None:
    data = demo_manifest_data()
    _set(data, field, value)
    path = write_demo(tmp_path, data, lock=False)
    assert refused(path, capsys) == f"{field}: {message}"


def test_descriptions_may_span_lines(tmp_path: Path) -> None:
    data = demo_manifest_data()
    data["products"][0]["description"] = "First line.\nSecond line,\tindented."
    assert main(["lock", "--manifest", str(write_demo(tmp_path, data, lock=False))]) == 0


def test_an_unknown_region_in_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data(regions=("us-east-1", "us-east-7"))
    path = write_demo(tmp_path, data, lock=False)
    assert refused(path, capsys).startswith(
        "regions[1]: us-east-7: not an AWS region known to botocore"
    )


def _set(data: dict, field: str, value: str) -> None:
    target: object = data
    parts = field.replace("[", ".").replace("]", "").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]  # type: ignore[index]
    target[parts[-1]] = value  # type: ignore[index]
