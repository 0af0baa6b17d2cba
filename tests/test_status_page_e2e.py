"""The status page end to end through the real daemon: publishing from Slack (the form, the
button, `/incident statuspage …`), who may publish, what the public sees (HTML, feeds,
Statuspage v2 JSON), caching, resolution, and that nothing internal ever reaches it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from integrations.slack.declare_choices import PRIVATE_VALUE
from store.db import open_database
from store.models import AuditEvent, TimelineEvent
from tests.daemon import ROOT
from tests.helpers import button, declare, in_channel, incident_by_ref, modal_values, wait_declared
from tests.ports import free_port
from tests.status_page_helpers import PUBLIC_PATHS, config, get, wait_page

pytestmark = pytest.mark.e2e

# Distinctive internal text: none of it may ever appear on the page.
INTERNAL = {
    "title": "Zanzibar checkout database meltdown",
    "impact": "Quokka customers in the EU cannot pay",
    "description": "Pangolin primary failed over; see runbook",
    "note": "Wombat rolled back deploy 1.42",
}


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def running(daemon_factory, port):
    daemon = daemon_factory(config(port))
    wait_page(port, what="the page's process to listen")
    return daemon


@pytest.fixture
def incident(running, emulator, database_url):
    command, _, _ = declare(
        emulator,
        INTERNAL["title"],
        lead="UBOB",
        severity="SEV2",
        impact=INTERNAL["impact"],
        description=INTERNAL["description"],
    )
    wait_declared(emulator, command)
    return incident_by_ref(database_url)


def summary(emulator, incident):
    return emulator.message(incident.channel_id, incident.summary_ts)


def direct_messages(emulator, user: str) -> list[str]:
    """What Klaxon told `user` by direct message (a form submission's answer goes there)."""
    ims = [c.id for c in list(emulator.channels.values()) if c.name == f"im-{user}"]
    return [m.text for channel in ims for m in emulator.messages_in(channel)]


def publish_with_form(emulator, incident, user="UBOB", **values) -> dict:
    sent = emulator.slash_command("/incident", "statuspage", user=user, channel=incident.channel_id)
    view = emulator.view_opened_by(sent["trigger_id"])
    ack = emulator.submit_view(view["id"], modal_values(view, **values), user=user)
    return {"view": view, "ack": ack, "sent": sent}


def first_publish(emulator, incident):
    done = publish_with_form(
        emulator,
        incident,
        title="Elevated API errors",
        status="identified",
        component_0="partial_outage",
        message="Some API requests fail. We have found the cause.",
    )
    assert done["ack"]["payload"] == {}
    emulator.wait_for(
        lambda: [t for t in direct_messages(emulator, "UBOB") if "status page" in t],
        what="the publish reply",
    )
    return done


def test_publishing_from_the_form_reaches_every_public_surface(incident, emulator, port):
    page = wait_page(port, what="the page before anything is published")
    assert "All Systems Operational" in page.text
    assert get(port, "/api/v2/status.json").json()["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }

    done = first_publish(emulator, incident)
    view = done["view"]
    assert view["blocks"][1]["element"]["initial_value"] == INTERNAL["title"]
    assert "2,000 characters" in json.dumps(view), "the form says how long the message may be"
    [reply] = [t for t in direct_messages(emulator, "UBOB") if "status page" in t]
    assert "identified · API partial outage" in reply

    page = wait_page(port, lambda a: "Elevated API errors" in a.text, what="the published update")
    assert "Partial System Outage" in page.text
    assert "Some API requests fail. We have found the cause." in page.text
    assert "Partial outage" in page.text and "<svg" in page.text

    status = get(port, "/api/v2/status.json").json()
    assert status["page"]["name"] == "Acme status"
    assert status["page"]["url"] == "https://status.example.com"
    assert status["status"]["indicator"] == "major"
    summary_json = get(port, "/api/v2/summary.json").json()
    assert set(summary_json) == {
        "page",
        "components",
        "incidents",
        "scheduled_maintenances",
        "status",
    }
    assert summary_json["scheduled_maintenances"] == []
    components = {c["name"]: c["status"] for c in summary_json["components"]}
    assert components == {
        "API": "partial_outage",
        "Dashboard": "operational",
        "Payments": "operational",
    }
    [public] = summary_json["incidents"]
    assert public["status"] == "identified" and public["impact"] == "major"
    assert public["resolved_at"] is None
    assert public["shortlink"] == f"https://status.example.com/incidents/{public['id']}"
    [update] = public["incident_updates"]
    assert update["body"] == "Some API requests fail. We have found the cause."
    assert update["affected_components"][0]["new_status"] == "partial_outage"

    one = get(port, f"/incidents/{public['id']}")
    assert one.status == 200 and "Elevated API errors" in one.text
    atom = get(port, "/feed.atom")
    assert atom.headers["Content-Type"].startswith("application/atom+xml")
    assert "Some API requests fail" in atom.text
    assert "Some API requests fail" in get(port, "/feed.rss").text

    # The summary says what the page shows, with a link; the timeline has the publish.
    pinned = summary(emulator, incident)
    emulator.wait_for(
        lambda: "On the status page" in json.dumps(pinned.blocks), what="the summary's line"
    )
    assert "identified · API partial outage" in json.dumps(pinned.blocks, ensure_ascii=False)
    assert f"https://status.example.com/incidents/{public['id']}" in json.dumps(pinned.blocks)
    publish = button(pinned, "status_page_publish")
    clicked = emulator.click(publish["action_id"], publish["value"], user="UBOB", message=pinned)
    again = emulator.view_opened_by(clicked["trigger_id"])
    assert again["blocks"][1]["element"]["initial_value"] == "Elevated API errors"
    shown = modal_values(again)
    assert shown["status"]["value"]["selected_option"]["value"] == "identified"
    assert shown["component_0"]["value"]["selected_option"]["value"] == "partial_outage"


def test_resolving_from_the_keyboard_says_the_page_is_still_open(incident, emulator, port):
    first_publish(emulator, incident)
    wait_page(port, lambda a: "Elevated API errors" in a.text, what="the publish")
    answer = in_channel(emulator, incident, "resolve Rolled back")
    assert "still open on the status page" in answer
    assert get(port, "/api/v2/incidents/unresolved.json").json()["incidents"] != []


def test_further_updates_and_resolution(incident, emulator, database_url, port):
    first_publish(emulator, incident)
    answer = in_channel(
        emulator, incident, "statuspage monitoring API=degraded A fix is rolling out."
    )
    assert "monitoring · API degraded performance" in answer
    page = wait_page(port, lambda a: "A fix is rolling out." in a.text, what="the further update")
    assert page.text.index("A fix is rolling out.") < page.text.index("We have found the cause")
    [public] = get(port, "/api/v2/incidents/unresolved.json").json()["incidents"]
    assert [u["status"] for u in public["incident_updates"]] == ["monitoring", "identified"]
    assert public["monitoring_at"] is not None

    # A message alone keeps the status and components.
    assert "monitoring · API degraded performance" in in_channel(
        emulator, incident, "statuspage Still watching."
    )

    # Resolving asks for the public resolution message, and resolves the page too.
    clicked = emulator.click(
        "incident_resolve", str(incident.id), user="UBOB", message=summary(emulator, incident)
    )
    view = emulator.view_opened_by(clicked["trigger_id"])
    assert "public_resolution" in [b.get("block_id") for b in view["blocks"]]
    refused = emulator.submit_view(
        view["id"], modal_values(view, resolution="Rolled back 1.42"), user="UBOB"
    )
    assert "public_resolution" in refused["payload"]["errors"]
    values = modal_values(
        view, resolution=INTERNAL["note"], public_resolution="The API works normally again."
    )
    assert emulator.submit_view(view["id"], values, user="UBOB")["payload"] == {}
    page = wait_page(port, lambda a: "All Systems Operational" in a.text, what="the resolution")
    assert "The API works normally again." not in page.text.split("Recently resolved")[0]
    history = get(port, "/history")
    assert "The API works normally again." in history.text
    [resolved] = get(port, "/api/v2/incidents.json").json()["incidents"]
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    assert get(port, "/api/v2/incidents/unresolved.json").json()["incidents"] == []
    components = get(port, "/api/v2/components.json").json()["components"]
    assert {c["status"] for c in components} == {"operational"}
    assert incident_by_ref(database_url).status == "resolved"

    database = open_database(database_url)
    with database.connection_context():
        kinds = [e.kind for e in TimelineEvent.select().where(TimelineEvent.kind == "status_page")]
    assert len(kinds) == 4, "every publish is a timeline event"


def test_nothing_internal_reaches_the_page(incident, emulator, port):
    in_channel(emulator, incident, f"note {INTERNAL['note']}")
    first_publish(emulator, incident)
    in_channel(emulator, incident, "statuspage Payments=major Payments are failing too.")
    wait_page(port, lambda a: "Payments are failing too." in a.text, what="the second update")
    public_id = get(port, "/api/v2/incidents.json").json()["incidents"][0]["id"]
    responses = {path: get(port, path).text for path in (*PUBLIC_PATHS, f"/incidents/{public_id}")}
    fresh = incident
    internal = [
        *INTERNAL.values(),
        "Zanzibar",
        "Quokka",
        "Pangolin",
        "Wombat",
        "UALICE",
        "UBOB",
        "UDAVE",
        fresh.channel_id,
        fresh.channel_name,
        str(fresh.id),
        fresh.display_ref,
    ]
    for path, text in responses.items():
        for secret in internal:
            assert secret not in text, f"{secret!r} leaked into {path}"


def test_only_the_lead_reporter_and_ack_role_may_publish(incident, emulator, database_url, port):
    answer = in_channel(emulator, incident, "statuspage Trying to publish", user="UCAROL")
    assert "Only the lead, the reporter or a holder of the ops_admin role" in answer
    sent = emulator.slash_command(
        "/incident", "statuspage", user="UCAROL", channel=incident.channel_id
    )
    [refusal] = emulator.wait_for(lambda: emulator.replies(sent["response_url"]), what="refusal")
    assert "can publish to the status page" in refusal["text"]
    assert not emulator.calls_to("views.open")[1:], "no form opened for carol"
    database = open_database(database_url)
    with database.connection_context():
        refusals = list(AuditEvent.select().where(AuditEvent.action == "publish_denied"))
    assert [r.actor_id for r in refusals] == ["UCAROL", "UCAROL"]
    assert get(port, "/api/v2/incidents.json").json()["incidents"] == []

    # A holder of the ack role may, and so may the reporter.
    done = publish_with_form(emulator, incident, user="UDAVE", message="Looking into it.")
    assert done["ack"]["payload"] == {}
    wait_page(port, lambda a: "Looking into it." in a.text, what="dave's publish")
    assert "Updated" in in_channel(emulator, incident, "statuspage Still looking.", user="UALICE")


def test_bad_input_is_refused_or_escaped(incident, emulator, port):
    assert "not on the status page yet" in in_channel(emulator, incident, "statuspage Hello")
    first_publish(emulator, incident)
    unknown = in_channel(emulator, incident, "statuspage Databse=major The database is slow")
    assert "no component “Databse”" in unknown and "API, Dashboard, Payments" in unknown
    assert "is not an impact" in in_channel(emulator, incident, "statuspage API=broken x")
    long = in_channel(emulator, incident, "statuspage " + "x" * 10_000)
    assert "under 2,000 characters" in long

    nasty = '<script>alert("pwned")</script> &amp; &lt;b&gt; مرحبا بالعالم'
    # Slack sends command text with &, < and > as entities (should_escape).
    as_sent = nasty.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "Updated" in in_channel(emulator, incident, f"statuspage {as_sent}")
    page = wait_page(port, lambda a: "مرحبا بالعالم" in a.text, what="the nasty update")
    assert "<script>alert" not in page.text
    assert (
        "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp;amp; &amp;lt;b&amp;gt;"
        in page.text
    )
    assert 'dir="auto"' in page.text
    assert "<script>" not in get(port, "/feed.atom").text
    [public] = get(port, "/api/v2/summary.json").json()["incidents"]
    assert public["incident_updates"][0]["body"] == nasty, "JSON carries the text as written"


def test_http_semantics(incident, emulator, port):
    page = wait_page(port)
    etag = page.headers["ETag"]
    assert page.headers["Cache-Control"].startswith("public, max-age=")
    assert get(port, "/", headers={"If-None-Match": etag}).status == 304
    head = get(port, "/api/v2/summary.json", method="HEAD")
    assert head.status == 200 and head.body == b""
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        refused = get(port, "/", method=method)
        assert refused.status == 405 and refused.headers["Allow"] == "GET, HEAD"
    missing = get(port, "/wp-admin")
    assert missing.status == 404 and "Acme status" in missing.text and "Not found" in missing.text
    assert get(port, "/incidents/nosuchincident").status == 404

    first_publish(emulator, incident)
    fresh = wait_page(port, lambda a: a.headers["ETag"] != etag, what="a new ETag after publish")
    assert "Elevated API errors" in fresh.text
    assert get(port, "/", headers={"If-None-Match": etag}).status == 200


def test_the_page_gives_way_to_the_daemon(running):
    """The page's process runs in the idle scheduling class, so a refresh storm never holds
    a CPU an ack needs (it listens only once that is set)."""
    pid = running.wait_for_event("status_page_started")["pid"]
    assert os.sched_getscheduler(pid) == os.SCHED_IDLE


def test_a_config_with_duplicate_components_stops_the_start(tmp_path, database_url):
    bad = tmp_path / "config.toml"
    bad.write_text('[status_page]\nport = 8081\ncomponents = ["API", "api"]\n')
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "DATABASE_URL": database_url,
        "KLAXON_CONFIG": str(bad),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert lines == ["config error: [status_page].components: duplicate component name 'api'"]
    bad.write_text('[status_page]\nport = 8081\ncomponents = ["API", " "]\n')
    done = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and "[status_page].components: empty component name" in done.stderr


def test_a_private_incident_is_never_published(running, emulator, database_url, port):
    command = emulator.slash_command("/incident", "Yakvault credentials leaked", user="UALICE")
    view = emulator.view_opened_by(command["trigger_id"])
    values = modal_values(
        view,
        severity="SEV2",
        lead="UBOB",
        impact="Ibexbreach of customer data",
        private=[PRIVATE_VALUE],
    )
    assert emulator.submit_view(view["id"], values, user="UALICE")["payload"] == {}
    wait_declared(emulator, command)
    incident = incident_by_ref(database_url)
    assert incident.private
    refused = in_channel(emulator, incident, "statuspage investigating API=major Looking into it.")
    assert "is private: a private incident never goes on the public status page" in refused
    sent = emulator.slash_command(
        "/incident", "statuspage", user="UBOB", channel=incident.channel_id
    )
    [answer] = emulator.wait_for(lambda: emulator.replies(sent["response_url"]), what="refusal")
    assert "never goes on the public status page" in answer["text"]
    assert not emulator.calls_to("views.open")[1:], "no publish form for a private incident"
    summary_buttons = json.dumps(summary(emulator, incident).blocks)
    assert "Publish to status page" not in summary_buttons
    assert get(port, "/api/v2/incidents.json").json()["incidents"] == []
    for path in PUBLIC_PATHS:
        text = get(port, path).text
        assert "Yakvault" not in text and "Ibexbreach" not in text and "INC-1" not in text
