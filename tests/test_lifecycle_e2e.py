"""Running an incident from Slack end to end: modals, keyboard commands, follow-ups, pins,
resolution, the report, the duplicate guard, and who may do what."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from store import audit
from store.db import open_database
from store.models import FollowUp, TimelineEvent
from tests.daemon import BASE_CONFIG, ROOT
from tests.helpers import button, declare, in_channel, incident_by_ref, modal_values, wait_declared

pytestmark = pytest.mark.e2e

CONFIG = BASE_CONFIG + '\n[roles]\nops_admin = ["UDAVE"]\n'


@pytest.fixture
def running(daemon_factory):
    return daemon_factory(CONFIG)


@pytest.fixture
def incident(running, emulator, database_url):
    """INC-1: reported by alice, led by bob; carol is a bystander, dave holds ops_admin."""
    command, _, _ = declare(emulator, "Checkout is down", lead="UBOB", severity="SEV3")
    wait_declared(emulator, command)
    return incident_by_ref(database_url)


def timeline(database_url) -> list[tuple[str, str]]:
    database = open_database(database_url)
    with database.connection_context():
        return [(e.kind, e.text) for e in TimelineEvent.select().order_by(TimelineEvent.id)]


def summary(emulator, incident):
    return emulator.message(incident.channel_id, incident.summary_ts)


def channel_texts(emulator, incident) -> list[str]:
    return [m.text for m in emulator.messages_in(incident.channel_id)]


def announcements(emulator) -> list[str]:
    return [m.text for m in emulator.messages_in("CINCIDENTS")]


def test_the_update_modal(incident, emulator, database_url):
    clicked = emulator.click(
        "incident_update", str(incident.id), user="UBOB", message=summary(emulator, incident)
    )
    view = emulator.view_opened_by(clicked["trigger_id"])
    values = modal_values(
        view,
        status="monitoring",
        severity="SEV1",
        title="Checkout is down in the EU",
        note="Rolled back 1.42",
    )
    assert emulator.submit_view(view["id"], values, user="UBOB")["payload"] == {}

    emulator.wait_for(
        lambda: incident_by_ref(database_url).status == "monitoring", what="the update"
    )
    emulator.wait_for(
        lambda: any("Rolled back 1.42" in t for t in channel_texts(emulator, incident)),
        what="the note in the channel",
    )
    fresh = incident_by_ref(database_url)
    assert (fresh.severity, fresh.title, fresh.latest_update) == (
        "SEV1",
        "Checkout is down in the EU",
        "Rolled back 1.42",
    )
    kinds = [kind for kind, _ in timeline(database_url)]
    assert {"status", "severity", "title", "note"} <= set(kinds)
    assert "impact" not in kinds, "only what changed is applied"

    pinned = summary(emulator, incident)
    emulator.wait_for(lambda: "Rolled back 1.42" in json.dumps(pinned.blocks), what="an edit")
    assert "Monitoring" in json.dumps(pinned.blocks) and pinned.edits >= 1
    assert len([m for m in emulator.messages_in(incident.channel_id) if m.blocks]) == 1
    announcement = emulator.message("CINCIDENTS", incident.announcement_ts)
    emulator.wait_for(lambda: "SEV1" in json.dumps(announcement.blocks), what="announcement")
    assert any("raised to *SEV1*" in t for t in announcements(emulator))


def test_the_update_modal_refuses_inline(incident, emulator, database_url):
    clicked = emulator.click(
        "incident_update", str(incident.id), user="UCAROL", message=summary(emulator, incident)
    )
    view = emulator.view_opened_by(clicked["trigger_id"])
    refused = emulator.submit_view(view["id"], modal_values(view, severity="SEV1"), user="UCAROL")
    assert refused["payload"]["response_action"] == "errors"
    assert "Only the lead, the reporter" in refused["payload"]["errors"]["severity"]
    assert incident_by_ref(database_url).severity == "SEV3"

    in_channel(emulator, incident, "status monitoring")
    clicked = emulator.click(
        "incident_update", str(incident.id), user="UBOB", message=summary(emulator, incident)
    )
    view = emulator.view_opened_by(clicked["trigger_id"])
    forged = modal_values(view)
    forged["status"]["value"]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Open"},
        "value": "open",
    }
    refused = emulator.submit_view(view["id"], forged, user="UBOB")
    assert refused["payload"]["errors"] == {"status": "An incident cannot go back to open."}
    database = open_database(database_url)
    with database.connection_context():
        assert [e.actor_id for e in audit.events("incident_change_denied")] == ["UCAROL"]


def test_keyboard_commands(incident, emulator, database_url):
    assert (
        in_channel(emulator, incident, "status monitoring") == "INC-1: status is now *monitoring*."
    )
    assert in_channel(emulator, incident, "sev 1") == "INC-1: severity is now *SEV1*."
    assert any("raised to *SEV1*" in t for t in announcements(emulator))
    assert (
        in_channel(emulator, incident, "lead <@UCAROL|carol>")
        == "INC-1: <@UCAROL> is now the lead."
    )
    emulator.wait_for(
        lambda: "UCAROL" in emulator.channels[incident.channel_id].members,
        what="the new lead invited",
    )
    assert (
        in_channel(emulator, incident, "title Checkout <!channel> down") == "INC-1: title updated."
    )
    assert in_channel(emulator, incident, "summary Payments API returns 500s").endswith(
        "description updated."
    )
    assert in_channel(emulator, incident, "impact All EU card payments").endswith("impact updated.")
    assert in_channel(emulator, incident, "note DB failover started") == "INC-1: update posted."
    assert in_channel(emulator, incident, "followup Alert on 5xx") == "Follow-up added to INC-1."
    assert in_channel(emulator, incident, "sev 1") == "Nothing to change: INC-1 already has that."

    fresh = incident_by_ref(database_url)
    assert (fresh.status, fresh.severity, fresh.lead_id) == ("monitoring", "SEV1", "UCAROL")
    assert fresh.title == "Checkout <!channel> down"
    assert fresh.description == "Payments API returns 500s"
    assert fresh.impact == "All EU card payments"
    assert fresh.latest_update == "DB failover started"
    pinned = summary(emulator, incident)
    emulator.wait_for(lambda: "Alert on 5xx" in json.dumps(pinned.blocks), what="follow-up")
    assert emulator.pings == []
    assert "&lt;!channel&gt;" in pinned.text


def test_keyboard_errors_and_help(incident, emulator, database_url):
    assert in_channel(emulator, incident, "sev 9").startswith("Use `/incident sev 1`")
    assert in_channel(emulator, incident, "status open") == "An incident cannot go back to open."
    assert in_channel(emulator, incident, "status sideways").startswith("Use `/incident status")
    assert in_channel(emulator, incident, "lead bob").startswith("Use `/incident lead @person`")
    assert in_channel(emulator, incident, "note").startswith("Write the text after it")
    assert in_channel(emulator, incident, "report now").endswith("takes nothing after it.")
    assert "/incident followup" in in_channel(emulator, incident, "help")

    outside = emulator.slash_command("/incident", "note hello", channel="CGENERAL")
    [answer] = emulator.wait_for(lambda: emulator.replies(outside["response_url"]))
    assert answer["text"].startswith("`/incident note` works inside an incident channel")
    declaring = emulator.slash_command("/incident", "Status page down", channel="CGENERAL")
    view = emulator.view_opened_by(declaring["trigger_id"])
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "Status page down"


def test_who_may_steer(incident, emulator, database_url):
    refusal = in_channel(emulator, incident, "sev 1", user="UCAROL")
    assert refusal.startswith("Only the lead, the reporter or a holder of the ops_admin role")
    assert (
        in_channel(emulator, incident, "note Seeing it too", user="UCAROL")
        == "INC-1: update posted."
    )
    assert in_channel(emulator, incident, "sev 2", user="UALICE").endswith("*SEV2*."), (
        "the reporter"
    )
    assert in_channel(emulator, incident, "sev 1", user="UDAVE").endswith("*SEV1*."), "ops role"
    database = open_database(database_url)
    with database.connection_context():
        assert [e.actor_id for e in audit.events("incident_change_denied")] == ["UCAROL"]


def test_resolve_and_reopen(incident, emulator, database_url):
    in_channel(emulator, incident, "status acknowledged")
    answer = in_channel(emulator, incident, "resolve Rolled back the deploy")
    assert answer == "INC-1: status is now *resolved*."
    fresh = incident_by_ref(database_url)
    assert fresh.status == "resolved" and fresh.resolved_at is not None
    assert fresh.resolution == "Rolled back the deploy"
    posted = "\n".join(channel_texts(emulator, incident))
    assert "Time to acknowledge: *" in posted and "time to resolve: *" in posted
    assert any("INC-1 resolved after" in t for t in announcements(emulator))
    pinned = summary(emulator, incident)
    emulator.wait_for(lambda: "Rolled back the deploy" in json.dumps(pinned.blocks))
    actions = [
        e["action_id"] for b in pinned.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert "acknowledge" not in actions and "incident_resolve" not in actions
    announcement = emulator.message("CINCIDENTS", fresh.announcement_ts)
    assert not [b for b in announcement.blocks if b["type"] == "actions"]

    assert (
        in_channel(emulator, incident, "status monitoring") == "INC-1: status is now *monitoring*."
    )
    assert incident_by_ref(database_url).resolved_at is None
    assert any("INC-1 reopened" in t for t in announcements(emulator))
    assert "reopened" in [kind for kind, _ in timeline(database_url)]


def test_the_resolve_button(incident, emulator, database_url):
    clicked = emulator.click(
        "incident_resolve", str(incident.id), user="UDAVE", message=summary(emulator, incident)
    )
    view = emulator.view_opened_by(clicked["trigger_id"])
    empty = emulator.submit_view(view["id"], modal_values(view), user="UDAVE")
    assert set(empty["payload"]["errors"]) == {"resolution"}
    done = emulator.submit_view(
        view["id"], modal_values(view, resolution="Cache flushed"), user="UDAVE"
    )
    assert done["payload"] == {}
    emulator.wait_for(lambda: incident_by_ref(database_url).status == "resolved", what="resolution")
    assert incident_by_ref(database_url).resolution == "Cache flushed"

    bystander = emulator.click(
        "incident_resolve", str(incident.id), user="UCAROL", message=summary(emulator, incident)
    )
    [answer] = emulator.wait_for(lambda: emulator.replies(bystander["response_url"]))
    assert "already resolved" in answer["text"]


def test_follow_ups_from_the_buttons(incident, emulator, database_url):
    clicked = emulator.click(
        "followup_add", str(incident.id), user="UCAROL", message=summary(emulator, incident)
    )
    view = emulator.view_opened_by(clicked["trigger_id"])
    assert set(
        emulator.submit_view(view["id"], modal_values(view), user="UCAROL")["payload"]["errors"]
    ) == {"text"}
    emulator.submit_view(
        view["id"], modal_values(view, text="Add a canary", owner="UBOB"), user="UCAROL"
    )
    pinned = summary(emulator, incident)
    emulator.wait_for(lambda: "Add a canary" in json.dumps(pinned.blocks), what="listed")
    assert "<@UBOB>" in json.dumps(pinned.blocks)

    done = button(pinned, "followup_done")
    clicked = emulator.click("followup_done", done["value"], user="UBOB", message=pinned)
    [answer] = emulator.wait_for(lambda: emulator.replies(clicked["response_url"]))
    assert answer["text"] == ":white_check_mark: Done: Add a canary"
    emulator.wait_for(lambda: "followup_done" not in json.dumps(pinned.blocks), what="ticked")
    database = open_database(database_url)
    with database.connection_context():
        [item] = FollowUp.select()
        assert (item.owner_id, item.done_by) == ("UBOB", "UBOB") and item.done_at


def test_pins_reach_the_timeline(incident, emulator, database_url):
    message = emulator.pin(incident.channel_id, "p99 latency graph", user="UCAROL")
    emulator.wait_for(
        lambda: ("pin", "p99 latency graph") in timeline(database_url),
        what="the pin on the timeline",
    )
    database = open_database(database_url)
    with database.connection_context():
        event = TimelineEvent.get(TimelineEvent.kind == "pin")
        assert event.actor_id == "UCAROL" and event.message_ts == message.ts
        assert event.permalink.startswith("https://emulator.slack.test/archives/")
    emulator.unpin(message, user="UCAROL")
    emulator.wait_for(
        lambda: ("pin", "p99 latency graph") not in timeline(database_url), what="the unpin"
    )


def test_events_klaxon_does_not_use_are_acknowledged_quietly(running, emulator):
    """A workspace may subscribe the app to more events than the manifest asks for."""
    left = {
        "type": "member_left_channel",
        "user": "UCAROL",
        "channel": "CINCIDENTS",
        "channel_type": "C",
        "team": "T0EMULATOR",
        "event_ts": "1700000000.000100",
    }
    emulator.event(left)  # returns once the daemon has acknowledged the envelope
    emulator.event({**left, "user": "UDAVE"})
    running.wait_for_event("interaction_received", interaction="event:member_left_channel")
    assert "Unhandled request" not in running.output()
    assert [e for e in running.logs() if e.get("level") in ("warning", "error")] == []


def test_the_report(incident, emulator, database_url, tmp_path):
    in_channel(emulator, incident, "note Failing over")
    in_channel(emulator, incident, "followup Alert earlier")
    emulator.pin(incident.channel_id, "Runbook step 4")
    emulator.wait_for(lambda: any(k == "pin" for k, _ in timeline(database_url)))
    in_channel(emulator, incident, "resolve Failover done")
    assert (
        in_channel(emulator, incident, "report") == "The report for INC-1 is posted in the channel."
    )
    # Posted when it was resolved, then again by /incident report.
    _, posted = [t for t in channel_texts(emulator, incident) if "Post-incident report" in t]
    for part in (
        "# INC-1: Checkout is down",
        "## What happened",
        "Failing over",
        "## Root cause",
        "## Actions taken",
        "Pinned: Runbook step 4",
        "## Prevention",
        "- [ ] Alert earlier (no owner)",
        "Resolution: Failover done",
    ):
        assert part in posted

    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    printed = subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "INC-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert printed.returncode == 0
    assert printed.stdout.startswith("# INC-1: Checkout is down\n")
    assert re.search(r"- \*\*Detected:\*\* \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", printed.stdout)
    missing = subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "INC-404"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert missing.returncode == 1 and "no incident INC-404" in missing.stderr


def test_the_declare_form_lists_recent_incidents(incident, emulator):
    again = emulator.slash_command("/incident", "Checkout broken?")
    view_id = emulator.view_opened_by(again["trigger_id"])["id"]
    [recent] = emulator.wait_for(
        lambda: [b for b in emulator.views[view_id]["blocks"] if b.get("block_id") == "recent"],
        what="the recent incidents added to the open form",
    )
    assert "SEV3 INC-1" in recent["text"]["text"]
    assert f"<#{incident.channel_id}>" in recent["text"]["text"]


def test_the_resolve_button_refuses_a_bystander_before_the_form(incident, emulator, database_url):
    clicked = emulator.click(
        "incident_resolve", str(incident.id), user="UCAROL", message=summary(emulator, incident)
    )
    [answer] = emulator.wait_for(lambda: emulator.replies(clicked["response_url"]))
    assert answer["text"].startswith("Only the lead, the reporter or a holder of the ops_admin")
    assert clicked["trigger_id"] not in emulator.view_by_trigger, "no form opened"
    database = open_database(database_url)
    with database.connection_context():
        assert [e.actor_id for e in audit.events("incident_change_denied")] == ["UCAROL"]


def announced_lines(emulator, *needles) -> list:
    """The chat.postMessage calls whose text carries one of `needles`, once answered."""
    return [
        call
        for call in emulator.calls_to("chat.postMessage")
        if call.done_at and any(needle in call.params.get("text", "") for needle in needles)
    ]


def test_later_announcements_go_to_the_announcement_by_channel_id(incident, emulator):
    """Raised, resolved and reopened follow the announcement by its channel id, so a
    renamed incidents channel does not lose them."""
    assert incident.announcement_channel_id == "CINCIDENTS"
    emulator.channels["CINCIDENTS"].name = "incidents-2026"
    in_channel(emulator, incident, "sev 1")
    in_channel(emulator, incident, "resolve Rolled back")
    in_channel(emulator, incident, "status monitoring")
    needles = ("raised to *SEV1*", "INC-1 resolved after", "INC-1 reopened (")
    calls = emulator.wait_for(
        lambda: (
            [announced_lines(emulator, needle) for needle in needles]
            if all(announced_lines(emulator, needle) for needle in needles)
            else None
        ),
        what="three announcements",
    )
    assert [[call.params["channel"] for call in found] for found in calls] == [["CINCIDENTS"]] * 3
    texts = announcements(emulator)
    assert all(any(needle in text for text in texts) for needle in needles)


def test_without_an_announcement_the_configured_channel_is_joined(
    daemon_factory, emulator, database_url
):
    """The declaration's announcement never got posted (no channel by that name then);
    a raised severity goes to the configured channel, joining it like the announcement."""
    incidents_channel = emulator.channels["CINCIDENTS"]
    incidents_channel.name = "incidents-old"
    daemon_factory(CONFIG + '\n[scheduler]\nretry = "1h"\n')
    command, _, _ = declare(emulator, "Checkout is down", lead="UBOB", severity="SEV3")
    assert "announcement in #incidents was not posted" in wait_declared(emulator, command)["text"]
    incidents_channel.name = "incidents"
    incidents_channel.members.discard("UKLAXONBOT")
    incident = incident_by_ref(database_url)
    assert incident.announcement_channel_id is None
    in_channel(emulator, incident, "sev 1")
    emulator.wait_for(
        lambda: any("raised to *SEV1*" in t for t in announcements(emulator)),
        what="the raised severity in #incidents",
    )
    assert emulator.calls_to("conversations.join")
