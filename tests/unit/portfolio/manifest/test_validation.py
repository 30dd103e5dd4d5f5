"""Every bad manifest is refused before any AWS call: exit 2, one line per problem, field first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from portfolio.cli import main
from portfolio.errors import BadInput
from portfolio.manifest.loading import load_manifest
from portfolio.manifest.version_lock import VersionLock, lock_path_for, write_lock
from tests.support.demo_manifest import demo_manifest_data, demo_template, write_demo

Change = Callable[[dict[str, Any]], None]


@pytest.fixture(autouse=True)
def _no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must stop before any AWS call; should one slip through, it goes nowhere."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _first(data: dict[str, Any]) -> dict[str, Any]:
    return data["products"][0]


def _set(path: str, value: Any) -> Change:
    """A change that sets ``a.b[0].c`` style ``path`` to ``value``."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.replace("[", ".").replace("]", "").split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _delete(path: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.replace("[", ".").replace("]", "").split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return change


def _duplicate_product_name(data: dict[str, Any]) -> None:
    data["products"][1]["name"] = data["products"][0]["name"]


def _launch_and_stackset(data: dict[str, Any]) -> None:
    data["products"][2]["constraints"]["stackset"] = {
        "accounts": ["123456789012"],
        "regions": ["us-east-1"],
        "admin_role_arn": "arn:aws:iam::123456789012:role/admin",
        "execution_role_name": "exec",
    }


CASES: list[tuple[str, Change, str]] = [
    ("unknown key", _set("products[0].nmae", "x"), "products[0]: unknown key 'nmae' (did you mean"),
    ("missing key", _delete("products[0].owner"), "products[0].owner: required key is missing"),
    ("wrong type", _set("keep_active_versions", "two"), "keep_active_versions: must be an integer"),
    ("list expected", _set("regions", "us-east-1"), "regions: must be a list, got a string"),
    ("bool expected", _set("shares.share_tag_options", "yes"), "shares.share_tag_options: must be"),
    ("unquoted number", _set("products[0].version", 1.0), "products[0].version: must be a string"),
    ("duplicate name", _duplicate_product_name, "products[1].name: duplicate of products[0].name"),
    ("missing template", _set("products[1].template", "nope.yaml"), "products[1].template: nope"),
    ("not semver", _set("products[0].version", "1.0"), "products[0].version: '1.0' is not a sem"),
    (
        "launch+stackset",
        _launch_and_stackset,
        "products[2].constraints: LAUNCH and STACKSET cannot",
    ),
    (
        "too many kept",
        _set("keep_active_versions", 101),
        "keep_active_versions: must be at most 100",
    ),
    (
        "bad role ARN",
        _set("products[0].constraints.launch", {"role_arn": "arn:aws:iam::12:role/x"}),
        "products[0].constraints.launch.role_arn: 'arn:aws:iam::12:role/x' is not a role ARN",
    ),
    (
        "both launch roles",
        _set(
            "products[0].constraints.launch",
            {"role_arn": "arn:aws:iam::123456789012:role/x", "local_role_name": "x"},
        ),
        "products[0].constraints.launch: set exactly one of role_arn and local_role_name",
    ),
    (
        "bad SNS ARN",
        _set("products[0].constraints.notification.topic_arns", ["arn:aws:sqs:x"]),
        "products[0].constraints.notification.topic_arns[0]: 'arn:aws:sqs:x' is not an SNS",
    ),
    (
        "bad principal ARN",
        _set("principals[0].arn", "role/app"),
        "principals[0].arn: 'role/app' is not an IAM role, user or group ARN",
    ),
    (
        "pattern with account",
        _set("principals[0].arn", "arn:aws:iam::123456789012:role/app-*"),
        "principals[0].arn: an IAM_PATTERN has no account ID",
    ),
    (
        "IAM without account",
        _set("principals", [{"type": "IAM", "arn": "arn:aws:iam:::role/app"}]),
        "principals[0].arn: an IAM principal needs an account ID",
    ),
    ("bad principal type", _set("principals[0].type", "USER"), "principals[0].type: must be one"),
    (
        "eleven IAM_PATTERN principals",
        _set(
            "principals",
            [{"type": "IAM_PATTERN", "arn": f"arn:aws:iam:::role/team{i}/*"} for i in range(11)]
            + [{"type": "IAM", "arn": "arn:aws:iam::123456789012:role/admin"}],
        ),
        "principals: allows at most 10 of type IAM_PATTERN (Service Catalog's limit per "
        "portfolio), got 11",
    ),
    (
        "short account",
        _set("shares.accounts", ["12345"]),
        "shares.accounts[0]: '12345' is not a 12",
    ),
    ("account as number", _set("shares.accounts", [123456789012]), "shares.accounts[0]: must be a"),
    ("duplicate account", _set("shares.accounts", ["111111111111"] * 2), "shares.accounts[1]: dup"),
    (
        "bad OU",
        _set("shares.organizational_units", ["ou-xyz"]),
        "shares.organizational_units[0]: 'ou-xyz' is not an OU ID",
    ),
    ("bad org", _set("shares.organization", "org-1"), "shares.organization: 'org-1' is not an org"),
    (
        "principals on accounts",
        _set("shares", {"accounts": ["111111111111"], "share_principals": True}),
        "shares.share_principals: applies only to organization and organizational_units",
    ),
    ("bad region", _set("regions", ["us-east"]), "regions[0]: 'us-east' is not a region name"),
    ("no regions", _set("regions", []), "regions: needs at least 1 item(s), got 0"),
    (
        "rule without assertions",
        _set("products[0].constraints.template.rules", {"R": {"RuleCondition": {}}}),
        "products[0].constraints.template.rules.R.Assertions: must be a non-empty list",
    ),
    (
        "bad email",
        _set("products[0].support_email", "nobody"),
        "products[0].support_email: 'nobody' is not an email address",
    ),
    (
        "name too long",
        _set("portfolio.display_name", "x" * 101),
        "portfolio.display_name: must be at most 100 characters",
    ),
    ("not a mapping", _set("portfolio", ["Signed"]), "portfolio: must be a mapping, got a list"),
    # Required strings AWS needs non-empty (planning would drop them as "optional" and AWS
    # would refuse midway, after earlier steps changed things).
    ("empty display name", _set("portfolio.display_name", ""), "portfolio.display_name: must not"),
    ("empty provider", _set("portfolio.provider_name", ""), "portfolio.provider_name: must not be"),
    ("empty product name", _set("products[1].name", ""), "products[1].name: must not be empty"),
    ("empty owner", _set("products[0].owner", ""), "products[0].owner: must not be empty"),
    ("empty description", _set("products[2].description", ""), "products[2].description: must"),
    ("empty template", _set("products[0].template", ""), "products[0].template: must not be"),
    ("empty version", _set("products[0].version", ""), "products[0].version: '' is not a sem"),
    ("empty account", _set("shares.accounts", [""]), "shares.accounts[0]: '' is not a 12-digit"),
    (
        "empty stack set role",
        _set(
            "products[1].constraints",
            {
                "stackset": {
                    "accounts": ["123456789012"],
                    "regions": ["us-east-1"],
                    "admin_role_arn": "",
                    "execution_role_name": "exec",
                }
            },
        ),
        "products[1].constraints.stackset.admin_role_arn: '' is not a role ARN",
    ),
    # Service Catalog allows space separators in TagOptions, not tabs or line breaks.
    (
        "tab in TagOption key",
        _set("tag_options[0].key", "cost\tcenter"),
        "tag_options[0].key: 'cost\\tcenter' is not letters, digits, spaces",
    ),
    (
        "newline in TagOption value",
        _set("tag_options[1].value", "a\nb"),
        "tag_options[1].value: 'a\\nb' is not letters, digits, spaces",
    ),
    (
        "null Assert",
        _set(
            "products[0].constraints.template.rules",
            {"R": {"Assertions": [{"Assert": None, "AssertDescription": "x"}]}},
        ),
        "products[0].constraints.template.rules.R.Assertions[0].Assert: must be a mapping",
    ),
    (
        "RuleCondition list",
        _set(
            "products[0].constraints.template.rules",
            {"R": {"RuleCondition": [1], "Assertions": [{"Assert": {"Fn::Equals": ["a", "a"]}}]}},
        ),
        "products[0].constraints.template.rules.R.RuleCondition: must be a mapping",
    ),
    (
        "AssertDescription number",
        _set(
            "products[0].constraints.template.rules",
            {"R": {"Assertions": [{"Assert": {"Fn::Equals": ["a", "a"]}, "AssertDescription": 1}]}},
        ),
        "products[0].constraints.template.rules.R.Assertions[0].AssertDescription: must be a str",
    ),
    # A topic hears only about stacks in its own region.
    (
        "literal topic, two regions",
        _set("regions", ["us-east-1", "eu-west-1"]),
        "products[0].constraints.notification.topic_arns[0]: arn:aws:sns:us-east-1:123456789012:"
        "catalog-events is a topic in us-east-1, so it can only serve regions: [us-east-1]",
    ),
    (
        "literal topic, other region",
        _set("regions", ["eu-west-1"]),
        "products[0].constraints.notification.topic_arns[0]: arn:aws:sns:us-east-1:",
    ),
]


def _literal_topic(data: dict[str, Any]) -> None:
    """The demo names its topic with {region}; these cases need a literal one."""
    data["products"][0]["constraints"]["notification"]["topic_arns"] = [
        "arn:aws:sns:us-east-1:123456789012:catalog-events"
    ]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_manifest_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Change, expected: str
) -> None:
    data = demo_manifest_data()
    _literal_topic(data)
    path = write_demo(tmp_path, data)
    change(data)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["plan", "--manifest", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"portfolio plan: error: {expected}"), error


def test_every_problem_is_listed_on_its_own_line(tmp_path: Path) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _first(data)["version"] = "one"
    data["shares"]["accounts"] = ["1"]
    data["products"][2]["colour"] = "blue"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(BadInput) as raised:
        load_manifest(path)
    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "products[0].version",
        "products[2]",
        "shares.accounts[0]",
    ]


def test_changed_template_without_new_version_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    (tmp_path / "templates" / "product-2.yaml").write_text(demo_template(2, revision=2))
    assert main(["publish", "--manifest", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(
        "portfolio publish: error: products[1].version: templates/product-2.yaml changed but "
        "version 1.0.0 did not"
    )


def test_version_missing_from_lock_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = demo_manifest_data()
    path = write_demo(tmp_path, data)
    _first(data)["version"] = "1.1.0"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["plan", "--manifest", str(path)]) == 2
    assert capsys.readouterr().err.startswith(
        "portfolio plan: error: products[0].version: 1.1.0 is not in versions.lock.yaml; "
        "run `portfolio lock`"
    )


def test_the_lock_history_is_not_a_version_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock records every version ever locked, including ones deleted in AWS since: how
    many exist is AWS's to say (the planner checks that), so a long history never blocks."""
    data = demo_manifest_data()
    path = write_demo(tmp_path, data, lock=False)
    name = _first(data)["name"]
    history = {f"0.{minor}.0": "0" * 64 for minor in range(150)}
    write_lock(lock_path_for(path), VersionLock({name: {**history}}))
    assert main(["lock", "--manifest", str(path)]) == 0
    assert "recorded  Demo product 1 1.0.0" in capsys.readouterr().out


def test_invalid_yaml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text("portfolio:\n  display_name: [unclosed\n", encoding="utf-8")
    assert main(["plan", "--manifest", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"portfolio plan: error: --manifest {path}: line ")


def test_missing_manifest_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--manifest", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: no such file" in capsys.readouterr().err


def test_empty_manifest_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text("", encoding="utf-8")
    assert main(["plan", "--manifest", str(path)]) == 2
    assert capsys.readouterr().err.startswith("portfolio plan: error: manifest: must be a mapping")


def test_valid_demo_manifest_loads_into_the_typed_model(tmp_path: Path) -> None:
    loaded = load_manifest(write_demo(tmp_path))
    manifest = loaded.manifest
    assert manifest.regions == ("us-east-1",)
    assert manifest.products[0].constraints.launch is not None
    assert manifest.products[0].constraints.launch.local_role_name == (
        "signed-urls-portfolio-launch-{region}"
    )
    assert manifest.shares.accounts == ("111111111111",)
    assert loaded.template_path(manifest.products[0]) == tmp_path / "templates" / "product-1.yaml"


def test_region_placeholder_in_topic_allows_every_region(tmp_path: Path) -> None:
    data = demo_manifest_data(regions=("us-east-1", "eu-west-1"))
    assert data["products"][0]["constraints"]["notification"]["topic_arns"] == [
        "arn:aws:sns:{region}:123456789012:catalog-events"
    ]
    notification = load_manifest(write_demo(tmp_path, data)).manifest.products[0].constraints
    assert notification.notification is not None
    assert notification.notification.topic_arns_in("eu-west-1") == [
        "arn:aws:sns:eu-west-1:123456789012:catalog-events"
    ]


def test_literal_topic_is_fine_for_its_own_single_region(tmp_path: Path) -> None:
    data = demo_manifest_data()
    _literal_topic(data)
    assert load_manifest(write_demo(tmp_path, data)).manifest.regions == ("us-east-1",)


def test_duplicate_yaml_key_names_the_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_demo(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    owner_line = next(i for i, line in enumerate(lines) if line.strip().startswith("owner:"))
    indent = lines[owner_line][: len(lines[owner_line]) - len(lines[owner_line].lstrip())]
    lines.insert(owner_line + 1, f"{indent}owner: Someone else")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["plan", "--manifest", str(path)]) == 2
    error = capsys.readouterr().err
    assert error == (
        f"portfolio plan: error: --manifest {path}: line {owner_line + 2}: invalid YAML "
        f"(duplicate key 'owner' (first on line {owner_line + 1}))\n"
    )


def test_yaml_merge_keys_may_still_be_overridden(tmp_path: Path) -> None:
    path = write_demo(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "portfolio:\n", "defaults: &info {provider_name: Nobody}\nportfolio:\n  <<: *info\n", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=r"^manifest: unknown key 'defaults'"):
        load_manifest(path)  # parsed (the merged provider_name overridden), then refused
