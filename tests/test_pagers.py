"""The Pager implementations against the emulators, without the daemon: what each call
sends, and that a failure comes back at once as a Delivery (no retries or sleeps inside
the client: the scheduler retries)."""

from __future__ import annotations

import pytest

from incident.ports import PageContent
from integrations.opsgenie.pager import OpsgeniePager
from integrations.pagerduty.pager import PagerDutyPager
from tests.emulator.opsgenie import OpsgenieEmulator
from tests.emulator.pagerduty import PagerDutyEmulator

KEY = "K" * 32
CONTENT = PageContent(
    "[SEV1] INC-7 Checkout is down",
    "SEV1",
    "https://acme.slack.com/archives/C1/p1",
    {"ref": "INC-7", "status": "open", "lead": "UBOB", "impact": "No orders"},
)


@pytest.fixture
def pagerduty(tmp_path, monkeypatch):
    emulator = PagerDutyEmulator(tmp_path, {KEY}).start()
    monkeypatch.setenv("SSL_CERT_FILE", str(emulator.certificate))
    yield emulator
    emulator.stall.clear()
    emulator.stop()


@pytest.fixture
def opsgenie():
    emulator = OpsgenieEmulator("genie").start()
    yield emulator
    emulator.stall.clear()
    emulator.stop()


def pd_pager(pagerduty, timeout=5.0, key=KEY):
    return PagerDutyPager({"payments": key}, pagerduty.events_url, timeout)


def test_pagerduty_trigger_acknowledge_resolve(pagerduty):
    pager = pd_pager(pagerduty)
    assert pager.page("incident-id", "payments", CONTENT).ok
    assert pager.page("incident-id", "payments", CONTENT).ok  # deduplicated by PagerDuty
    assert pager.acknowledge("incident-id", "payments").ok
    assert pager.resolve("incident-id", "payments").ok
    [incident] = pagerduty.incidents_for("incident-id")
    assert (incident.status, incident.alerts) == ("resolved", 2)
    trigger = pagerduty.accepted("trigger")[0]
    assert trigger["payload"]["severity"] == "critical" and trigger["payload"]["source"]
    assert trigger["links"] == [{"href": CONTENT.link, "text": "Incident channel in Slack"}]


@pytest.mark.parametrize(
    "status, retry_after, error",
    [
        (429, 7, "HTTP 429: requests for this service are arriving too quickly."),
        (503, None, "HTTP 503: service unavailable"),
        (500, None, "HTTP 500: service unavailable"),
    ],
)
def test_pagerduty_failures_come_back_at_once(pagerduty, status, retry_after, error):
    pagerduty.fail(status, retry_after=retry_after)
    delivery = pd_pager(pagerduty).page("incident-id", "payments", CONTENT)
    assert (delivery.ok, delivery.error, delivery.retry_after) == (
        False,
        error,
        float(retry_after) if retry_after else None,
    )
    assert len(pagerduty.received) == 1, "the client retried by itself"


def test_pagerduty_refusals_and_timeouts(pagerduty):
    wrong = pd_pager(pagerduty, key="W" * 32).page("incident-id", "payments", CONTENT)
    assert wrong.error == "HTTP 400: invalid routing key"
    assert pd_pager(pagerduty).page("x", "unknown", CONTENT).error == (
        "no routing key for pagerduty:unknown"
    )
    pagerduty.stall.set()
    slow = pd_pager(pagerduty, timeout=0.3).page("incident-id", "payments", CONTENT)
    assert (slow.ok, slow.error) == (False, "timed out")


def test_opsgenie_create_acknowledge_close(opsgenie):
    pager = OpsgeniePager("genie", opsgenie.url, 5)
    assert pager.page("incident-id", "platform", CONTENT).ok
    assert pager.page("incident-id", "platform", CONTENT).ok  # the alias deduplicates
    assert pager.acknowledge("incident-id", "platform").ok
    assert pager.resolve("incident-id", "platform").ok
    [alert] = opsgenie.alerts_for("incident-id")
    assert (alert.count, alert.acknowledged, alert.status, alert.priority) == (
        2,
        True,
        "closed",
        "P1",
    )
    assert alert.details == CONTENT.details


def test_opsgenie_failures(opsgenie):
    refused = OpsgeniePager("wrong", opsgenie.url, 5).page("incident-id", "platform", CONTENT)
    assert refused.error == "HTTP 401: could not authenticate"
    long = PageContent("x" * 500, "SEV2", None, {"k": "v" * 9000})
    assert OpsgeniePager("genie", opsgenie.url, 5).page("i", "platform", long).ok, (
        "Klaxon keeps within Opsgenie's limits"
    )
    opsgenie.fail(429, retry_after=3)
    throttled = OpsgeniePager("genie", opsgenie.url, 5).acknowledge("i", "platform")
    assert (throttled.ok, throttled.retry_after) == (False, 3.0)
    opsgenie.recover()
    opsgenie.stall.set()
    slow = OpsgeniePager("genie", opsgenie.url, 0.3).resolve("i", "platform")
    assert (slow.ok, slow.error) == (False, "timed out")
