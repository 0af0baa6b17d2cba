"""Tidy channels ([lifecycle] archive_after, PRODUCT.md §16) end to end with durations of
seconds: archived once resolved and its follow-ups done (or archive_after_max passed), with
a last message; rejoined when a person unarchives it, and reopened from there; never an
open incident's channel; a refusal from Slack recorded once, not retried."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.db import open_database
from store.models import AuditEvent, Incident, TimelineEvent
from tests.daemon import BASE_CONFIG
from tests.emulator.server import BOT_USER
from tests.helpers import button, declare, in_channel, incident_by_ref, wait_declared

pytestmark = pytest.mark.e2e


def config(after: str, most: str) -> str:
    return (
        BASE_CONFIG
        + f"""
[lifecycle]
archive_after = "{after}"
archive_after_max = "{most}"

[scheduler]
tick = "200ms"
retry = "1s"
"""
    )


def kinds(database_url) -> list[str]:
    database = open_database(database_url)
    with database.connection_context():
        return [e.kind for e in TimelineEvent.select().order_by(TimelineEvent.id)]


def declared(emulator, database_url, title="Checkout is down", ref=1) -> Incident:
    command, _, _ = declare(emulator, title, lead="UBOB", severity="SEV3")
    wait_declared(emulator, command)
    return incident_by_ref(database_url, ref)


def test_archived_once_follow_ups_are_done_then_rejoined_and_reopened(
    daemon_factory, emulator, database_url
):
    daemon_factory(config("1s", "1h"))
    incident = declared(emulator, database_url)
    in_channel(emulator, incident, "followup Alert on pool size")
    in_channel(emulator, incident, "resolve Pool resized")
    resolved = incident_by_ref(database_url)
    emulator.wait_for(
        lambda: (
            incident_by_ref(database_url).next_archive_at
            == resolved.resolved_at + timedelta(hours=1)
        ),
        timeout=10,
        what="archiving put off until archive_after_max while a follow-up is open",
    )
    channel = emulator.channels[incident.channel_id]
    assert not channel.is_archived

    summary = emulator.message(incident.channel_id, incident.summary_ts)
    done = button(summary, "followup_done")
    emulator.click("followup_done", done["value"], user="UBOB", message=summary)
    emulator.wait_for(lambda: channel.is_archived, timeout=10, what="the archived channel")
    last = emulator.messages_in(incident.channel_id)[-1].text
    assert "INC-1 is resolved and its follow-ups are done, so this channel is archived" in last
    assert BOT_USER not in channel.members
    emulator.wait_for(
        lambda: incident_by_ref(database_url).archived_at is not None, what="the archiving recorded"
    )
    assert incident_by_ref(database_url).next_archive_at is None
    assert "archived" in kinds(database_url)

    emulator.unarchive(incident.channel_id, user="UALICE")
    emulator.wait_for(lambda: BOT_USER in channel.members, what="Klaxon back in the channel")
    emulator.wait_for(
        lambda: "Klaxon is back" in emulator.messages_in(incident.channel_id)[-1].text,
        what="the rejoin message",
    )
    emulator.wait_for(lambda: incident_by_ref(database_url).archived_at is None, what="unarchived")
    assert (
        in_channel(emulator, incident, "status monitoring") == "INC-1: status is now *monitoring*."
    )
    reopened = incident_by_ref(database_url)
    assert reopened.status == "monitoring" and reopened.next_archive_at is None
    # The join's own member_joined_channel (Klaxon itself) said nothing more.
    backs = [m for m in emulator.messages_in(incident.channel_id) if "Klaxon is back" in m.text]
    assert len(backs) == 1


def test_archive_after_max_archives_despite_open_follow_ups_but_never_an_open_incident(
    daemon_factory, emulator, database_url
):
    daemon_factory(config("1s", "2s"))
    resolved = declared(emulator, database_url)
    still_open = declared(emulator, database_url, "Search is slow", ref=2)
    in_channel(emulator, resolved, "followup Alert on pool size")
    in_channel(emulator, resolved, "resolve Pool resized")
    channel = emulator.channels[resolved.channel_id]
    emulator.wait_for(lambda: channel.is_archived, timeout=15, what="the archived channel")
    last = emulator.messages_in(resolved.channel_id)[-1].text
    assert "1 follow-up(s) are still open past the time allowed" in last

    assert not emulator.channels[still_open.channel_id].is_archived
    assert incident_by_ref(database_url, 2).next_archive_at is None
    archived = [c.params.get("channel") for c in emulator.calls_to("conversations.archive")]
    assert archived == [resolved.channel_id]


def test_a_refused_archive_is_recorded_and_not_retried(daemon_factory, emulator, database_url):
    daemon_factory(config("1s", "1h"))
    incident = declared(emulator, database_url)
    emulator.archive_by_person(incident.channel_id)
    in_channel(emulator, incident, "resolve Pool resized")
    emulator.wait_for(
        lambda: incident_by_ref(database_url).archive_error == "already_archived",
        timeout=10,
        what="Slack's refusal recorded",
    )
    fresh = incident_by_ref(database_url)
    assert fresh.next_archive_at is None and fresh.archived_at is None
    assert len(emulator.calls_to("conversations.archive")) == 1
    assert "archive_failed" in kinds(database_url)
    database = open_database(database_url)
    with database.connection_context():
        [refused] = AuditEvent.select().where(
            AuditEvent.action == "incident_channel_archive_refused"
        )
        assert "already_archived" in refused.detail
