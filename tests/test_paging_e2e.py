"""Paging end to end: the real daemon against the Slack emulator and loopback PagerDuty
and Opsgenie emulators (tests/emulator/pagerduty.py, opsgenie.py), on SQLite and
PostgreSQL. Durations are seconds and the scheduler ticks five times a second."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from integrations.slack.declare_choices import PRIVATE_VALUE
from store import audit
from store.db import open_database
from store.models import Incident, TimelineEvent
from tests.daemon import BASE_CONFIG
from tests.emulator.opsgenie import OpsgenieEmulator, send_webhook
from tests.emulator.pagerduty import PagerDutyEmulator, PagerDutyWebhookSender
from tests.helpers import declare, incidents_in, modal_values, wait_declared
from tests.test_operations_e2e import free_port

pytestmark = pytest.mark.e2e

ROUTING_KEY = "R" * 32
WEBHOOK_SECRET = "pd-webhook-secret-now"
PREVIOUS_SECRET = "pd-webhook-secret-before"
RETIRED_SECRET = "pd-webhook-secret-long-ago"
GENIE_KEY = "genie-key-0123"
OPSGENIE_TOKEN = "opsgenie-webhook-token"

PAGERDUTY_POLICY = """
[escalation]
default = [
  { after = "0s", notify = ["#escalations", "pagerduty:payments"] },
  { after = "1s", notify = ["#escalations", "pagerduty:payments"], repeat = "1s" },
]
SEV4 = [{ after = "0s", notify = ["#escalations"] }]
"""
OPSGENIE_POLICY = """
[escalation]
default = [{ after = "0s", notify = ["opsgenie:platform"] }]
"""


def settings(port: int, escalation: str, extra: str = "") -> str:
    return (
        BASE_CONFIG.replace("port = 0", f"port = {port}")
        + f"""
[roles]
ops_admin = ["UBOB"]

[nudges]
update_every = {{ SEV1 = "1h", SEV2 = "1h", SEV3 = "1h", SEV4 = "1h" }}
lead_missing_after = "1h"

[scheduler]
tick = "200ms"
retry = "1s"
{extra}
{escalation}
"""
    )


@pytest.fixture
def pagerduty(tmp_path):
    emulator = PagerDutyEmulator(tmp_path, {ROUTING_KEY}).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def opsgenie():
    emulator = OpsgenieEmulator(GENIE_KEY).start()
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def escalation_channel(emulator):
    emulator.add_channel("CESCALATE", "escalations", members={"UCAROL"})


def environment(pagerduty=None, opsgenie=None, routing_key=ROUTING_KEY) -> dict:
    env = {}
    if pagerduty is not None:
        env |= {
            "PAGERDUTY_ROUTING_KEY_PAYMENTS": routing_key,
            "PAGERDUTY_EVENTS_URL": pagerduty.events_url,
            "SSL_CERT_FILE": str(pagerduty.certificate),
            "PAGERDUTY_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PAGERDUTY_WEBHOOK_SECRET_PREVIOUS": PREVIOUS_SECRET,
        }
    if opsgenie is not None:
        env |= {
            "OPSGENIE_API_KEY": GENIE_KEY,
            "OPSGENIE_API_URL": opsgenie.url,
            "OPSGENIE_WEBHOOK_TOKEN": OPSGENIE_TOKEN,
        }
    return env


def start(daemon_factory, escalation, *, pagerduty=None, opsgenie=None, extra="", **env_kw):
    port = free_port()
    daemon = daemon_factory(
        settings(port, escalation, extra), env=environment(pagerduty, opsgenie, **env_kw)
    )
    return port, daemon


def declared(emulator, database_url, title="Checkout is down", **form) -> Incident:
    command, _, _ = declare(emulator, title, **form)
    channel_id = re.search(r"<#(C\w+)>", wait_declared(emulator, command)["text"]).group(1)
    return load(database_url, channel_id=channel_id)


def load(database_url, incident=None, *, channel_id=None) -> Incident:
    database = open_database(database_url)
    with database.connection_context():
        if channel_id:
            return Incident.get(Incident.channel_id == channel_id)
        return Incident.get_by_id(incident.id)


def timeline(database_url, incident, kind_prefix="page") -> list[str]:
    database = open_database(database_url)
    with database.connection_context():
        return [
            e.text
            for e in TimelineEvent.select()
            .where(
                (TimelineEvent.incident == incident.id) & TimelineEvent.kind.startswith(kind_prefix)
            )
            .order_by(TimelineEvent.id)
        ]


def audit_of(database_url, action):
    database = open_database(database_url)
    with database.connection_context():
        return [(e.actor_id, json.loads(e.detail)) for e in audit.events(action)]


def summary_text(emulator, incident) -> str:
    message = emulator.message(incident.channel_id, incident.summary_ts)
    return json.dumps(message.blocks)


def escalation_posts(emulator, incident) -> list:
    return [
        c
        for c in emulator.calls_to("chat.postMessage")
        if c.status == 200
        and c.response["ok"]
        and c.response.get("channel") == "CESCALATE"
        and f"{incident.display_ref} is not acknowledged" in (c.params.get("text") or "")
    ]


def metric(port, provider, outcome) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    pattern = rf'klaxon_pages_total{{outcome="{outcome}",provider="{provider}"}} ([0-9.]+)'
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def run(emulator, incident, command, text, user="UBOB"):
    sent = emulator.slash_command(command, text, user=user, channel=incident.channel_id)
    return emulator.wait_for(lambda: emulator.replies(sent["response_url"]))[0]["text"]


def webhook_url(port, provider) -> str:
    return f"http://127.0.0.1:{port}/ops/webhooks/{provider}"


def test_pagerduty_is_paged_once_and_acknowledged_and_resolved_both_ways(
    daemon_factory, emulator, pagerduty, database_url
):
    port, daemon = start(daemon_factory, PAGERDUTY_POLICY, pagerduty=pagerduty)
    first = declared(emulator, database_url, "Checkout is down", impact="No orders")
    key = str(first.id)
    pagerduty.wait_for(lambda: pagerduty.accepted("trigger"), what="the trigger")
    [trigger] = pagerduty.accepted("trigger")
    assert trigger["routing_key"] == ROUTING_KEY and trigger["dedup_key"] == key
    assert trigger["payload"]["summary"] == f"[SEV2] {first.display_ref} Checkout is down"
    assert trigger["payload"]["severity"] == "error"
    assert trigger["payload"]["custom_details"] == {
        "ref": first.display_ref,
        "status": "open",
        "lead": "",
        "impact": "No orders",
    }
    assert trigger["links"][0]["href"].startswith("https://")

    # The repeating level posts to Slack again and again, and never pages twice.
    emulator.wait_for(
        lambda: len(escalation_posts(emulator, first)) >= 4, timeout=15, what="three repeats"
    )
    assert len(pagerduty.accepted("trigger")) == 1
    assert len(pagerduty.incidents_for(key)) == 1
    assert timeline(database_url, first) == ["Paged PagerDuty payments"]
    first = load(database_url, first)
    emulator.wait_for(
        lambda: "paged PagerDuty payments <!date^" in summary_text(emulator, first),
        what="the summary saying PagerDuty was paged",
    )
    emulator.wait_for(lambda: metric(port, "pagerduty", "paged") == 1, what="counted")

    # Acknowledged in Slack: PagerDuty's incident is acknowledged.
    assert "You acknowledged" in run(emulator, first, "/incident-ack", "")
    pagerduty.wait_for(
        lambda: pagerduty.incident(key).status == "acknowledged", what="PagerDuty acknowledged"
    )
    assert [e["dedup_key"] for e in pagerduty.accepted("acknowledge")] == [key]

    # A second incident, acknowledged in PagerDuty: its webhook acknowledges it in Klaxon.
    second = declared(emulator, database_url, "Search is slow")
    pagerduty.wait_for(lambda: pagerduty.incident(str(second.id)), what="the second page")
    sender = PagerDutyWebhookSender(webhook_url(port, "pagerduty"))
    status, body = sender.send(
        sender.payload("incident.acknowledged", str(second.id)), [WEBHOOK_SECRET]
    )
    assert (status, body["result"]) == (200, "acknowledged")
    second = load(database_url, second)
    assert second.status == "acknowledged" and second.acknowledged_by_email == "Earline Greenholt"
    assert second.next_escalation_at is None, "escalation stopped"
    [(actor, detail)] = [
        a for a in audit_of(database_url, "incident_acknowledged") if a[0].startswith("pagerduty")
    ]
    assert actor == "pagerduty:PXPGF42"
    assert detail["source"] == "pagerduty" and detail["responder_name"] == "Earline Greenholt"
    emulator.wait_for(
        lambda: "Earline Greenholt" in summary_text(emulator, second),
        what="the summary edited with the pager's responder",
    )
    assert str(second.id) not in [e["dedup_key"] for e in pagerduty.accepted("acknowledge")]

    # Resolved in Klaxon: both PagerDuty incidents are resolved.
    for incident in (first, second):
        assert "resolved" in run(emulator, incident, "/incident", "resolve Rolled back")
    pagerduty.wait_for(
        lambda: all(pagerduty.incident(str(i.id)).status == "resolved" for i in (first, second)),
        what="both PagerDuty incidents resolved",
    )
    assert len(pagerduty.accepted("resolve")) == 2
    emulator.wait_for(lambda: metric(port, "pagerduty", "resolved") == 2, what="counted")
    assert ROUTING_KEY not in daemon.output() and WEBHOOK_SECRET not in daemon.output()


def test_opsgenie_alert_acknowledged_and_closed_from_its_webhook(
    daemon_factory, emulator, opsgenie, database_url
):
    port, _ = start(
        daemon_factory,
        OPSGENIE_POLICY,
        opsgenie=opsgenie,
        extra="[paging]\nresolve_from_pager = true\n",
    )
    incident = declared(emulator, database_url, "Payments fail", severity="SEV1")
    alias = str(incident.id)
    alert = opsgenie.wait_for(lambda: opsgenie.alert(alias), what="the Opsgenie alert")
    assert alert.priority == "P1"
    assert alert.message == f"[SEV1] {incident.display_ref} Payments fail"
    assert alert.responders == [{"name": "platform", "type": "team"}]
    assert alert.details["ref"] == incident.display_ref
    [create] = opsgenie.accepted("create")
    assert create.headers["Authorization"] == f"GenieKey {GENIE_KEY}"

    url = webhook_url(port, "opsgenie")
    status, _ = send_webhook(url, "wrong-token", "Acknowledge", alias, "mallory@example.com")
    assert status == 401
    assert load(database_url, incident).acknowledged_at is None

    status, body = send_webhook(url, OPSGENIE_TOKEN, "Acknowledge", alias, "jane@example.com")
    assert (status, body["result"]) == (200, "acknowledged")
    fresh = load(database_url, incident)
    assert fresh.acknowledged_by_email == "jane@example.com"
    [(actor, detail)] = audit_of(database_url, "incident_acknowledged")
    assert actor == "opsgenie:jane@example.com" and detail["source"] == "opsgenie"
    status, body = send_webhook(url, OPSGENIE_TOKEN, "Acknowledge", alias, "joe@example.com")
    assert (status, body["result"]) == (200, "already_acknowledged")
    [(actor, detail)] = audit_of(database_url, "ack_already_acknowledged")
    assert actor == "opsgenie:joe@example.com" and detail["source"] == "opsgenie"

    status, body = send_webhook(url, OPSGENIE_TOKEN, "Close", alias, "jane@example.com")
    assert (status, body["result"]) == (200, "resolved")
    fresh = load(database_url, incident)
    assert fresh.status == "resolved" and "Resolved in Opsgenie by jane@example.com" in (
        fresh.resolution
    )
    # Opsgenie told Klaxon; Klaxon does not echo an acknowledge or a close back.
    assert opsgenie.accepted("acknowledge") == [] and opsgenie.accepted("close") == []
    emulator.wait_for(lambda: metric(port, "opsgenie", "paged") == 1, what="counted")


def test_a_pager_down_for_a_while_is_retried_and_pages_exactly_once(
    daemon_factory, emulator, pagerduty, database_url
):
    pagerduty.fail(503)
    port, _ = start(daemon_factory, PAGERDUTY_POLICY, pagerduty=pagerduty)
    incident = declared(emulator, database_url)
    pagerduty.wait_for(lambda: len(pagerduty.received) >= 2, timeout=15, what="two attempts")
    assert timeline(database_url, incident) == [
        "Paging PagerDuty payments failed, retrying: HTTP 503: service unavailable"
    ]
    incident = load(database_url, incident)
    emulator.wait_for(
        lambda: "paging PagerDuty payments failed, retrying" in summary_text(emulator, incident),
        what="the summary saying paging failed",
    )
    assert escalation_posts(emulator, incident), "Slack did not wait for PagerDuty"
    emulator.wait_for(lambda: metric(port, "pagerduty", "failed") >= 2, what="counted")

    pagerduty.fail(429, retry_after=1)  # then throttled, with Retry-After
    throttled = len(pagerduty.received)
    pagerduty.wait_for(lambda: len(pagerduty.received) > throttled, timeout=15, what="a 429")
    pagerduty.recover()
    pagerduty.wait_for(lambda: pagerduty.accepted("trigger"), timeout=20, what="the page")
    posts = len(escalation_posts(emulator, incident))
    emulator.wait_for(
        lambda: len(escalation_posts(emulator, incident)) >= posts + 3,
        timeout=15,
        what="three more ticks",
    )
    assert len(pagerduty.accepted("trigger")) == 1
    assert len(pagerduty.incidents_for(str(incident.id))) == 1
    assert timeline(database_url, incident)[-1] == "Paged PagerDuty payments"
    emulator.wait_for(
        lambda: "paged PagerDuty payments <!date^" in summary_text(emulator, incident),
        what="the summary saying PagerDuty was paged",
    )
    from store.models import Page  # here, so the file imports before paging exists

    database = open_database(database_url)
    with database.connection_context():
        page = Page.get()
        assert (page.sent, page.attempts, page.next_attempt_at) == ("triggered", 0, None)


def test_a_wrong_routing_key_shows_and_is_retried(
    daemon_factory, emulator, pagerduty, database_url
):
    start(daemon_factory, PAGERDUTY_POLICY, pagerduty=pagerduty, routing_key="W" * 32)
    incident = declared(emulator, database_url)
    pagerduty.wait_for(lambda: len(pagerduty.received) >= 2, timeout=15, what="a retry")
    assert pagerduty.accepted() == []
    assert timeline(database_url, incident) == [
        "Paging PagerDuty payments failed, retrying: HTTP 400: invalid routing key"
    ]
    incident = load(database_url, incident)
    emulator.wait_for(
        lambda: (
            "failed, retrying: HTTP 400: invalid routing key" in summary_text(emulator, incident)
        ),
        what="the summary saying why",
    )


def test_two_replicas_page_exactly_once(daemon_factory, emulator, pagerduty, database_url):
    port = free_port()
    env = environment(pagerduty)
    daemon_factory(settings(port, PAGERDUTY_POLICY), env=env)
    daemon_factory(settings(free_port(), PAGERDUTY_POLICY), env=env)
    emulator.wait_for(lambda: len(emulator.connections) == 2, what="two replicas")
    incidents = [declared(emulator, database_url, f"Replica {n}") for n in range(3)]
    for incident in incidents:
        emulator.wait_for(
            lambda incident=incident: len(escalation_posts(emulator, incident)) >= 5,
            timeout=20,
            what="repeats on both replicas",
        )
    for incident in incidents:
        assert len(pagerduty.incidents_for(str(incident.id))) == 1
    triggers = [e["dedup_key"] for e in pagerduty.accepted("trigger")]
    assert sorted(triggers) == sorted(str(i.id) for i in incidents)


def test_pagerduty_webhook_signatures_and_what_is_ignored(
    daemon_factory, emulator, pagerduty, database_url
):
    port, _ = start(daemon_factory, PAGERDUTY_POLICY, pagerduty=pagerduty)
    sender = PagerDutyWebhookSender(webhook_url(port, "pagerduty"))
    incident = declared(emulator, database_url)
    key = str(incident.id)
    pagerduty.wait_for(lambda: pagerduty.incident(key), what="the page")
    acked = sender.payload("incident.acknowledged", key)

    forged, _ = sender.send(acked, ["not-the-secret"])
    stale, _ = sender.send(acked, [RETIRED_SECRET])  # a secret rotated out long ago
    unsigned, _ = sender.send(acked, [], signature="")
    assert (forged, stale, unsigned) == (401, 401, 401)
    assert load(database_url, incident).acknowledged_at is None

    # During a rotation PagerDuty signs with both secrets; one valid entry is enough, even
    # beside one Klaxon does not know, even with only the previous secret.
    rotated, body = sender.send(acked, [RETIRED_SECRET, PREVIOUS_SECRET])
    assert (rotated, body["result"]) == (200, "acknowledged")
    assert load(database_url, incident).acknowledged_by_email == "Earline Greenholt"

    again, body = sender.send(acked, [WEBHOOK_SECRET])  # the same delivery again
    assert (again, body["result"]) == (200, "duplicate")
    unknown, body = sender.send(
        sender.payload("incident.acknowledged", "00000000-0000-0000-0000-000000000000"),
        [WEBHOOK_SECRET],
    )
    assert (unknown, body["result"]) == (200, "ignored")
    not_paged = declared(emulator, database_url, "Only in Slack", severity="SEV4")
    status, body = sender.send(
        sender.payload("incident.acknowledged", str(not_paged.id)), [WEBHOOK_SECRET]
    )
    assert (status, body["result"]) == (200, "ignored")
    assert load(database_url, not_paged).acknowledged_at is None
    status, body = sender.send(sender.payload("incident.priority_updated", key), [WEBHOOK_SECRET])
    assert (status, body["result"]) == (200, "ignored")

    # Resolved in PagerDuty: a timeline line; the incident stays open in Klaxon.
    status, body = sender.send(
        sender.payload("incident.resolved", key, agent_name="Ann <!channel>"), [WEBHOOK_SECRET]
    )
    assert (status, body["result"]) == (200, "noted")
    assert load(database_url, incident).status == "acknowledged"
    assert timeline(database_url, incident, "pager_resolved") == [
        "Resolved in PagerDuty by Ann <!channel>"
    ]
    # Klaxon's own resolve later tells PagerDuty nothing it already knows.
    assert "resolved" in run(emulator, incident, "/incident", "resolve Fixed")
    assert load(database_url, incident).status == "resolved"
    assert pagerduty.accepted("resolve") == [] and pagerduty.accepted("acknowledge") == []


def test_a_private_incident_pages_with_its_ref_and_severity_only(
    daemon_factory, emulator, pagerduty, opsgenie, database_url
):
    both = OPSGENIE_POLICY.replace(
        '["opsgenie:platform"]', '["opsgenie:platform", "pagerduty:payments"]'
    )
    start(daemon_factory, both, pagerduty=pagerduty, opsgenie=opsgenie)
    command = emulator.slash_command("/incident", "Gnuvault keys leaked", user="UALICE")
    view = emulator.view_opened_by(command["trigger_id"])
    values = modal_values(
        view,
        severity="SEV2",
        lead="UBOB",
        impact="Okapibreach of card data",
        private=[PRIVATE_VALUE],
    )
    assert emulator.submit_view(view["id"], values, user="UALICE")["payload"] == {}
    wait_declared(emulator, command)
    [incident] = incidents_in(database_url)
    assert incident.private
    pagerduty.wait_for(lambda: pagerduty.accepted("trigger"), what="the trigger")
    opsgenie.wait_for(lambda: opsgenie.accepted("create"), what="the Opsgenie alert")
    [trigger] = pagerduty.accepted("trigger")
    assert trigger["payload"]["summary"] == f"[SEV2] {incident.display_ref} (private incident)"
    [created] = opsgenie.accepted("create")
    assert incident.display_ref in created.json()["message"]
    # Everything either provider received, headers included.
    sent = repr([(r.path, r.headers, r.body) for r in pagerduty.received + opsgenie.received])
    for secret in ("Gnuvault", "Okapibreach", "UBOB", incident.channel_name):
        assert secret not in sent, f"{secret!r} left the private channel in a page"
