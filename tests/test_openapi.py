"""The running ops API checked against docs/openapi.yaml with schemathesis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.daemon import ROOT
from tests.test_operations_e2e import free_port
from tests.test_ops_api_e2e import ALERT_TOKEN, ENV, HMAC_SECRET, settings, token

pytestmark = pytest.mark.e2e
SPEC = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


def schemathesis(port: int, bearer: str, path: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(SPEC),
            "--url",
            f"http://127.0.0.1:{port}",
            "--header",
            f"Authorization: Bearer {bearer}",
            "--include-path",
            path,
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--generation-database",
            "none",
            "--request-timeout",
            "20",
            "--no-color",
        ],
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
            "KLAXON_TEST_HMAC_SECRET": HMAC_SECRET,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("path", ["/ops/incidents/{id}/ack", "/ops/alerts"])
def test_the_server_conforms_to_its_openapi_description(daemon_factory, emulator, path):
    port = free_port()
    # Schemathesis sends many requests meant to fail authentication: not throttled here.
    daemon_factory(settings(port) + "\n[ops_api]\nauth_failure_limit = 100000\n", env=ENV)
    bearer = token() if "ack" in path else ALERT_TOKEN
    result = schemathesis(port, bearer, path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
