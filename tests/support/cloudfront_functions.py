"""Run a CloudFront Function's source under Node.js with CloudFront-shaped events.

The source is evaluated in a fresh ``vm`` context (no ``require``, no ``process``: CloudFront
Functions have neither) and its ``handler(event)`` is called once per event. Events follow the
CloudFront Functions event structure (version 1.0, lowercase header names, ``{"value": ...}``
for query strings, headers and cookies):
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

#: Reads {"source", "events"} on stdin, prints the handler's results as JSON.
_HARNESS = r"""
const vm = require('vm');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const { source, events } = JSON.parse(input);
  const sandbox = vm.createContext({});
  vm.runInContext(source, sandbox, { filename: 'function.js' });
  if (typeof sandbox.handler !== 'function') { throw new Error('no handler(event) defined'); }
  const results = [];
  for (const event of events) { results.push(await sandbox.handler(event)); }
  process.stdout.write(JSON.stringify(results));
});
"""


def node_executable() -> str:
    """Path of ``node``; skips the test without it, fails it in CI (CI must run it)."""
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing: CI must run the CloudFront Function tests")
        pytest.skip("node not installed: CloudFront Function code not exercised")
    return found


def run_handler(source: str, events: list[dict[str, Any]]) -> list[Any]:
    """``handler(event)`` of ``source`` for each event, as JSON data."""
    completed = subprocess.run(
        [node_executable(), "-e", _HARNESS],
        input=json.dumps({"source": source, "events": events}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _values(pairs: list[tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {name: {"value": value} for name, value in pairs}


def viewer_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A viewer-request event for ``method`` on ``url`` (query string split as CloudFront does)."""
    parts = urlsplit(url)
    return {
        "version": "1.0",
        "context": {
            "distributionDomainName": "d111111abcdef8.cloudfront.net",
            "distributionId": "EDFDVBD6EXAMPLE",
            "eventType": "viewer-request",
            "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        },
        "viewer": {"ip": "198.51.100.11"},
        "request": {
            "method": method,
            "uri": parts.path,
            "querystring": _values(parse_qsl(parts.query, keep_blank_values=True)),
            "headers": _values(
                [("host", parts.netloc), *((k.lower(), v) for k, v in (headers or {}).items())]
            ),
            "cookies": _values(list((cookies or {}).items())),
        },
    }
