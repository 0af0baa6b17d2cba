"""A timeline people can correct (PRODUCT.md §16), through the real daemon: the "Add to
timeline" message shortcut, the `/incident timeline` form, who may edit, the accepted
range of times, and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from store.db import open_database
from store.fields import utcnow
from store.models import AuditEvent, TimelineEvent
from tests.daemon import BASE_CONFIG
from tests.emulator.server import Message
from tests.helpers import declare, incident_by_ref, modal_values, wait_declared

pytestmark = pytest.mark.e2e

# alice reports, bob leads, dave holds the ack role, carol is a bystander.
CONFIG = BASE_CONFIG + '\n[roles]\nops_admin = ["UDAVE"]\n'


@pytest.fixture
def incident(daemon_factory, emulator, database_url):
    daemon_factory(CONFIG)
    command, _, _ = declare(emulator, "Checkout is down", lead="UBOB", severity="SEV3")
    wait_declared(emulator, command)
    return incident_by_ref(database_url)


def entries(database_url) -> list[TimelineEvent]:
    database = open_database(database_url)
    with database.connection_context():
        query = TimelineEvent.select().where(TimelineEvent.kind.in_(("message", "entry")))
        return list(query.order_by(TimelineEvent.id))


def audited(database_url, action: str) -> list[dict]:
    database = open_database(database_url)
    with database.connection_context():
        return [
            {"actor": e.actor_id, **json.loads(e.detail)}
            for e in AuditEvent.select().where(AuditEvent.action == action)
        ]


def shortcut(emulator, message, user) -> str:
    used = emulator.message_shortcut("add_to_timeline", message, user=user)
    [answer] = emulator.wait_for(
        lambda: emulator.replies(used["response_url"]), what="the shortcut's answer"
    )
    return answer["text"]


def slash(emulator, channel, text, user) -> dict:
    return emulator.slash_command("/incident", text, user=user, channel=channel)


def test_add_to_timeline_takes_the_messages_own_time_and_author(incident, emulator, database_url):
    message = emulator.post_as(incident.channel_id, "EU error rate back to 0.1%", user="UCAROL")
    said = shortcut(emulator, message, "UBOB")
    assert said.startswith(":spiral_note_pad: Added to the INC-1 timeline at <!date^")
    [entry] = entries(database_url)
    assert (entry.kind, entry.actor_id, entry.text) == (
        "message",
        "UCAROL",
        "EU error rate back to 0.1%",
    )
    assert entry.message_ts == message.ts
    assert abs(entry.occurred_at.timestamp() - float(message.ts)) < 0.001
    assert entry.permalink.startswith("https://emulator.slack.test/archives/")
    [record] = audited(database_url, "timeline_entry_added")
    assert record["actor"] == "UBOB" and record["author"] == "UCAROL"

    assert shortcut(emulator, message, "UDAVE") == "That message is already on the INC-1 timeline."
    assert len(entries(database_url)) == 1


def test_the_shortcut_refuses_bystanders_other_channels_and_old_messages(
    incident, emulator, database_url
):
    message = emulator.post_as(incident.channel_id, "I think it's DNS", user="UCAROL")
    assert shortcut(emulator, message, "UCAROL") == (
        "Only the lead, the reporter or a holder of the ops_admin role can edit the timeline."
    )
    [denied] = audited(database_url, "edit_timeline_denied")
    assert denied["actor"] == "UCAROL"

    elsewhere = emulator.post_as("CGENERAL", "lunch?", user="UCAROL")
    said = shortcut(emulator, elsewhere, "UBOB")
    assert said == (
        "Add to timeline works on messages in an incident channel; this channel is not one."
    )

    old = incident.declared_at - timedelta(days=8)
    ancient = Message(incident.channel_id, f"{old.timestamp():.6f}", "from last week", [], "UBOB")
    said = shortcut(emulator, ancient, "UBOB")
    assert said.startswith("Choose a time between ") and "a week before" in said
    assert entries(database_url) == []


def test_the_timeline_form_adds_at_a_given_time_and_removes(incident, emulator, database_url):
    message = emulator.post_as(incident.channel_id, "Rolled back", user="UBOB")
    shortcut(emulator, message, "UBOB")

    opened = slash(emulator, incident.channel_id, "timeline", "UALICE")
    view = emulator.view_opened_by(opened["trigger_id"])
    future = int((utcnow() + timedelta(hours=2)).timestamp())
    refused = emulator.submit_view(
        view["id"], modal_values(view, when=future, entry="Impact started"), user="UALICE"
    )
    assert "Choose a time between" in refused["payload"]["errors"]["when"]
    missing = emulator.submit_view(view["id"], modal_values(view), user="UALICE")
    assert "Write an entry" in missing["payload"]["errors"]["entry"]

    started = incident.declared_at.replace(microsecond=0) - timedelta(minutes=7)
    done = emulator.submit_view(
        view["id"],
        modal_values(view, when=int(started.timestamp()), entry="Impact started: EU errors"),
        user="UALICE",
    )
    assert done["payload"] == {}
    emulator.wait_for(lambda: len(entries(database_url)) == 2, what="the entry")
    added = entries(database_url)[1]
    assert (added.kind, added.actor_id, added.occurred_at) == ("entry", "UALICE", started)

    again = emulator.view_opened_by(
        slash(emulator, incident.channel_id, "timeline", "UDAVE")["trigger_id"]
    )
    [remove] = [b for b in again["blocks"] if b.get("block_id") == "remove"]
    listed = {o["value"]: o["text"]["text"] for o in remove["element"]["options"]}
    assert set(listed) == {str(e.id) for e in entries(database_url)}
    rolled_back = next(e for e in entries(database_url) if e.kind == "message")
    emulator.submit_view(again["id"], modal_values(again, remove=str(rolled_back.id)), user="UDAVE")
    emulator.wait_for(lambda: len(entries(database_url)) == 1, what="the removal")
    [removed] = audited(database_url, "timeline_entry_removed")
    assert removed["actor"] == "UDAVE" and removed["event_id"] == rolled_back.id

    said = emulator.slash_command("/incident", "report", user="UBOB", channel=incident.channel_id)
    emulator.wait_for(lambda: emulator.replies(said["response_url"]), what="the report")
    [report] = [
        m.text for m in emulator.messages_in(incident.channel_id) if "Post-incident" in m.text
    ]
    actions = report.split("## Actions taken", 1)[1]
    assert actions.index("Impact started: EU errors") < actions.index("Declared SEV3")
    assert "Rolled back" not in actions


def test_the_timeline_form_and_impact_start_are_for_lead_reporter_and_ack_role(
    incident, emulator, database_url
):
    asked = slash(emulator, incident.channel_id, "timeline", "UCAROL")
    [answer] = emulator.wait_for(lambda: emulator.replies(asked["response_url"]))
    assert "can edit the timeline" in answer["text"]
    assert not emulator.calls_to("views.open")[1:], "no form opened for a bystander"

    asked = slash(emulator, "CGENERAL", "timeline", "UBOB")
    [answer] = emulator.wait_for(lambda: emulator.replies(asked["response_url"]))
    assert answer["text"] == "`/incident timeline` works inside an incident channel."

    summary = emulator.message(incident.channel_id, incident.summary_ts)
    clicked = emulator.click("incident_update", str(incident.id), user="UCAROL", message=summary)
    view = emulator.view_opened_by(clicked["trigger_id"])
    started = int((incident.declared_at - timedelta(minutes=5)).timestamp())
    refused = emulator.submit_view(
        view["id"], modal_values(view, impact_started=started), user="UCAROL"
    )
    assert "can edit the timeline" in refused["payload"]["errors"]["impact_started"]
    assert incident_by_ref(database_url).impact_started_at is None
