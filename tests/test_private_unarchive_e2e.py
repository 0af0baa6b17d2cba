"""A private incident channel archived by Klaxon and unarchived by a person (PRODUCT.md §16),
through the real daemon. Slack removes the bot on archive, tells only the channel's members
that it was unarchived (group_unarchive), and no bot can join a private channel: so
`/incident …` there says how to bring Klaxon back (`/invite @Klaxon`), and once invited
(member_joined_channel for Klaxon itself) it says it is back, and `/incident status
monitoring` reopens the incident as usual."""

from __future__ import annotations

import pytest

from store.db import open_database
from store.models import AuditEvent, Incident
from tests.daemon import BASE_CONFIG
from tests.emulator.server import BOT_USER
from tests.helpers import form_values, in_channel, incident_by_ref, wait_declared

pytestmark = pytest.mark.e2e

CONFIG = (
    BASE_CONFIG
    + """
[lifecycle]
archive_after = "1s"
archive_after_max = "1h"

[scheduler]
tick = "1s"
retry = "1s"
"""
)
INVITE = "`/invite @Klaxon` here brings it back"


def declared_private(emulator, database_url, user="UDAVE") -> Incident:
    command = emulator.slash_command("/incident", "Keys leaked", user=user)
    view = emulator.view_opened_by(command["trigger_id"])
    values = form_values(title="Keys leaked", lead=user)
    boxes = next(b for b in view["blocks"] if b.get("block_id") == "private")
    values["private"] = {
        "value": {"type": "checkboxes", "selected_options": boxes["element"]["options"]}
    }
    emulator.submit_view(view["id"], values, user=user)
    wait_declared(emulator, command)
    return incident_by_ref(database_url)


def archived_then_unarchived(emulator, database_url):
    """A private incident resolved, its channel archived by Klaxon, then unarchived by a
    person: Klaxon is not in it and was not told."""
    incident = declared_private(emulator, database_url)
    channel = emulator.channels[incident.channel_id]
    assert channel.is_private
    in_channel(emulator, incident, "resolve Keys rotated", user="UDAVE")
    emulator.wait_for(lambda: channel.is_archived, timeout=10, what="the archived channel")
    last = emulator.messages_in(incident.channel_id)[-1].text
    assert "unarchive it, then `/invite @Klaxon` here" in last
    emulator.wait_for(
        lambda: incident_by_ref(database_url).archived_at is not None, what="recorded"
    )

    emulator.unarchive(incident.channel_id, user="UDAVE")
    assert [e["type"] for e in emulator.withheld] == ["group_unarchive"], "only for members"
    assert BOT_USER not in channel.members and not emulator.calls_to("conversations.join")
    return incident, channel


def back_messages(emulator, incident) -> list[str]:
    return [m.text for m in emulator.messages_in(incident.channel_id) if "Klaxon is back" in m.text]


def test_a_person_invites_klaxon_back_and_reopens_the_incident(
    daemon_factory, emulator, database_url
):
    daemon_factory(CONFIG)
    incident, channel = archived_then_unarchived(emulator, database_url)
    assert channel.is_archived is False

    said = in_channel(emulator, incident, "status monitoring", user="UDAVE")
    assert INVITE in said and "INC-1" in said
    assert incident_by_ref(database_url).status == "resolved", "nothing changed while Klaxon is out"

    emulator.invite(incident.channel_id, "UERIN", by="UDAVE")  # someone else: nothing to say
    emulator.invite(incident.channel_id, BOT_USER, by="UDAVE")
    [back] = emulator.wait_for(lambda: back_messages(emulator, incident), what="Klaxon back")
    assert "(invited by <@UDAVE>)" in back and "`/incident status monitoring`" in back
    emulator.wait_for(
        lambda: incident_by_ref(database_url).archived_at is None, what="no longer archived"
    )

    assert (
        in_channel(emulator, incident, "status monitoring", user="UDAVE")
        == "INC-1: status is now *monitoring*."
    )
    assert incident_by_ref(database_url).status == "monitoring"
    assert "reopened" in emulator.messages_in(incident.channel_id)[-1].text
    assert len(back_messages(emulator, incident)) == 1
    database = open_database(database_url)
    with database.connection_context():
        [audited] = AuditEvent.select().where(AuditEvent.action == "incident_channel_unarchived")
    assert audited.actor_id == "UDAVE" and '"invited"' in audited.detail


def test_a_command_finds_klaxon_invited_back_while_it_was_not_listening(
    daemon_factory, emulator, database_url
):
    daemon_factory(CONFIG)
    incident, channel = archived_then_unarchived(emulator, database_url)
    with emulator.lock:  # invited while the daemon was away: the event never reached it
        channel.members.add(BOT_USER)

    assert (
        in_channel(emulator, incident, "status monitoring", user="UDAVE")
        == "INC-1: status is now *monitoring*."
    )
    assert len(back_messages(emulator, incident)) == 1
    fresh = incident_by_ref(database_url)
    assert fresh.archived_at is None and fresh.status == "monitoring"
