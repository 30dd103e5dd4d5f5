"""The kit stands alone: cryptography at run time, boto3 only as the aws extra."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]


def test_runtime_dependencies_are_cryptography_only() -> None:
    project = tomllib.loads((KIT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "signed-urls-kit"
    assert [d.split(">")[0] for d in project["dependencies"]] == ["cryptography"]
    assert [d.split(">")[0] for d in project["optional-dependencies"]["aws"]] == ["boto3"]
    assert project["scripts"] == {"signed-urls": "signed_urls.cli:main"}


def test_every_module_imports_without_the_portfolio_stack() -> None:
    """troposphere, moto, cfn-lint, boto3, botocore and flask are blocked: nothing needs them."""
    script = (
        "import sys\n"
        "for name in ('troposphere', 'moto', 'cfnlint', 'boto3', 'botocore', 'flask', "
        "'portfolio', 'products'):\n"
        "    sys.modules[name] = None\n"
        "import signed_urls, signed_urls.cli, signed_urls.smoke, signed_urls.secret, "
        "signed_urls.testing\n"
        "from signed_urls import SigningKey, Signer, Policy, verify_url, verify_cookies\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_the_secret_without_boto3_says_which_extra(tmp_path: Path) -> None:
    script = (
        "import sys\nsys.modules['boto3'] = None\n"
        "from signed_urls import Signer, SigningInputError\n"
        "try:\n    Signer.from_secret('arn:aws:secretsmanager:eu-west-1:1:secret:x')\n"
        "except SigningInputError as error:\n    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "pip install 'signed-urls-kit[aws]'" in result.stdout, result.stderr
