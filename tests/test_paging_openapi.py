"""The pagers' webhooks checked against docs/openapi.yaml with schemathesis: whatever is
sent, the answer is one the description lists, never a server error."""

from __future__ import annotations

import pytest

from tests.test_openapi import schemathesis
from tests.test_operations_e2e import free_port
from tests.test_paging_e2e import OPSGENIE_TOKEN, WEBHOOK_SECRET, settings

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/ops/webhooks/pagerduty", "/ops/webhooks/opsgenie"])
def test_the_webhooks_conform_to_their_openapi_description(daemon_factory, path):
    port = free_port()
    config = settings(port, "") + "\n[ops_api]\nauth_failure_limit = 100000\n"
    daemon_factory(
        config,
        env={"PAGERDUTY_WEBHOOK_SECRET": WEBHOOK_SECRET, "OPSGENIE_WEBHOOK_TOKEN": OPSGENIE_TOKEN},
    )
    result = schemathesis(port, OPSGENIE_TOKEN, path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
