"""A small, self-contained manifest with tiny templates: for tests, the benchmark and trying
the publisher without the generated product templates.

``write_demo(directory)`` writes ``manifest.yaml``, one template per product and the version
lock; ``demo_manifest_data()`` is the same manifest as plain data, to change before writing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from portfolio.manifest.loading import load_manifest
from portfolio.manifest.version_lock import record_lock
from portfolio.names import LAUNCH_ROLE_LOCAL_NAME


def demo_template(index: int, revision: int = 1) -> str:
    """A valid CloudFormation template, different for each product and revision."""
    return (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        f"Description: Demo product {index}, revision {revision}\n"
        "Parameters:\n"
        "  TopicName:\n"
        "    Type: String\n"
        "    Default: demo\n"
        "    Description: Name of the topic\n"
        "Resources:\n"
        f"  Topic{index}:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Properties:\n"
        "      TopicName: !Ref TopicName\n"
    )


def demo_product(index: int) -> dict[str, Any]:
    return {
        "name": f"Demo product {index}",
        "description": f"Demo product number {index}.",
        "owner": "Platform team",
        "distributor": "Platform team",
        "support_email": "platform@example.com",
        "support_url": "https://wiki.example.com/demo",
        "support_description": "Ask the platform team.",
        "template": f"templates/product-{index}.yaml",
        "version": "1.0.0",
        "version_description": "First release.",
        "constraints": {
            "launch": {"local_role_name": LAUNCH_ROLE_LOCAL_NAME},
            "resource_update": {"tag_updates_allowed": True},
        },
    }


_DEMO: dict[str, Any] = {
    "portfolio": {
        "id": "signed-urls-demo",
        "display_name": "Signed URLs demo",
        "provider_name": "Platform team",
        "description": "Demo portfolio of the signed-urls publisher.",
    },
    "regions": ["us-east-1"],
    "keep_active_versions": 2,
    "tag_options": [
        {"key": "cost-center", "value": "platform"},
        {"key": "data-classification", "value": "internal"},
    ],
    "principals": [{"type": "IAM_PATTERN", "arn": "arn:aws:iam:::role/app-teams/*"}],
    "shares": {
        "accounts": ["111111111111"],
        "organizational_units": ["ou-ab12-cdef3456"],
        "share_tag_options": True,
        "share_principals": True,
    },
}


def demo_manifest_data(products: int = 3, regions: tuple[str, ...] = ("us-east-1",)) -> dict:
    """The demo manifest as data; product 1 also carries TEMPLATE and NOTIFICATION constraints
    (each region's own topic, through {region})."""
    data = copy.deepcopy(_DEMO)
    data["regions"] = list(regions)
    data["products"] = [demo_product(index) for index in range(1, products + 1)]
    data["products"][0]["constraints"]["template"] = {
        "rules": {
            "DemoTopicName": {
                "Assertions": [
                    {
                        "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "TopicName"}, ""]}]},
                        "AssertDescription": "TopicName must not be empty",
                    }
                ]
            }
        }
    }
    data["products"][0]["constraints"]["notification"] = {
        "topic_arns": ["arn:aws:sns:{region}:123456789012:catalog-events"]
    }
    return data


def write_demo(
    directory: Path, data: dict[str, Any] | None = None, *, revision: int = 1, lock: bool = True
) -> Path:
    """Write the manifest, its templates (at ``revision``) and, by default, the lock."""
    data = demo_manifest_data() if data is None else data
    directory.mkdir(parents=True, exist_ok=True)
    for index, product in enumerate(data.get("products", []), start=1):
        template = directory / product["template"]
        template.parent.mkdir(parents=True, exist_ok=True)
        template.write_text(demo_template(index, revision), encoding="utf-8")
    path = directory / "manifest.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    if lock:
        record_lock(load_manifest(path))
    return path
