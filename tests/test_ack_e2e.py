"""Acknowledgement end to end: /incident-ack, the buttons, roles, rate limit, audit, races."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading

import pytest

from store import audit
from store.db import open_database
from store.models import Incident, TimelineEvent
from tests.daemon import BASE_CONFIG, ROOT
from tests.helpers import declare, incidents_in, wait_declared

pytestmark = pytest.mark.e2e

ACK_CONFIG = (
    BASE_CONFIG
    + """
[roles]
ops_admin = ["UBOB", "@oncall"]

[ack]
role = "ops_admin"
rate_limit = 10
rate_window = "1m"
"""
)


@pytest.fixture
def acking(emulator, daemon_factory):
    emulator.add_usergroup("oncall", {"UDAVE"})
    return daemon_factory(ACK_CONFIG)


def declared(emulator, title="Checkout is down", **form):
    """Declare an incident and return its channel (read off the reporter's confirmation)."""
    command, _, _ = declare(emulator, title, **form)
    channel_id = re.search(r"<#(C\w+)>", wait_declared(emulator, command)["text"]).group(1)
    return emulator.channels[channel_id]


def ack(emulator, text="", *, user="UBOB", channel="CGENERAL", **kwargs):
    """Run /incident-ack and return the text of the ephemeral answer."""
    command = emulator.slash_command("/incident-ack", text, user=user, channel=channel, **kwargs)
    assert command["payload"] == {}
    [answer] = emulator.wait_for(
        lambda: emulator.replies(command["response_url"]), what="the answer to /incident-ack"
    )
    return answer


def audit_actions(database_url):
    database = open_database(database_url)
    with database.connection_context():
        return [(e.action, e.actor_id) for e in audit.events()]


def stored(database_url, ref=1) -> Incident:
    database = open_database(database_url)
    with database.connection_context():
        return Incident.get(Incident.ref == ref)


def test_ack_inside_the_incident_channel(acking, emulator, database_url):
    channel = declared(emulator)
    incident = stored(database_url)
    summary = emulator.message(channel.id, incident.summary_ts)
    announcement = emulator.message("CINCIDENTS", incident.announcement_ts)
    assert "acknowledge" in json.dumps(summary.blocks)

    answer = ack(emulator, channel=channel.id)
    assert answer["text"] == ":white_check_mark: You acknowledged INC-1."
    assert answer["response_type"] == "ephemeral"

    incident = stored(database_url)
    assert incident.status == "acknowledged"
    assert (incident.acknowledged_by_id, incident.acknowledged_by_email) == (
        "UBOB",
        "bob@example.com",
    )
    assert incident.acknowledged_at is not None

    emulator.wait_for(lambda: summary.edits and announcement.edits, what="both edits")
    assert '"acknowledge"' not in json.dumps(summary.blocks), "the button is gone"
    assert '"acknowledge"' not in json.dumps(announcement.blocks)
    assert "<@UBOB>" in json.dumps(summary.blocks)
    assert any(
        m.text == ":white_check_mark: INC-1 acknowledged by <@UBOB>"
        for m in emulator.messages_in(channel.id)
    )
    assert len([m for m in emulator.messages_in(channel.id) if m.blocks]) == 1, "never re-posted"

    database = open_database(database_url)
    with database.connection_context():
        kinds = [e.kind for e in TimelineEvent.select().order_by(TimelineEvent.id)]
    assert kinds == ["declared", "acknowledged"]
    assert ("incident_acknowledged", "UBOB") in audit_actions(database_url)
    event = acking.wait_for_event("incident_acknowledged")
    assert event["incident_id"] == str(incident.id)
    assert event["user"] == "UBOB" and event["escalation_level"] == 0
    assert "incident_key" in event and event["request_id"]


@pytest.mark.parametrize("text", ["INC-1", "inc-1", "1", "#{name}", "<#{id}|{name}>"])
def test_ack_by_ref_from_anywhere(acking, emulator, database_url, text):
    channel = declared(emulator)
    text = text.format(name=channel.name, id=channel.id)
    assert ack(emulator, text)["text"] == ":white_check_mark: You acknowledged INC-1."
    assert stored(database_url).status == "acknowledged"


def test_without_a_ref_outside_an_incident_channel_lists_what_waits(acking, emulator, database_url):
    declared(emulator, "Minor thing", severity="SEV4")
    declared(emulator, "Major thing", severity="SEV1")
    declared(emulator, "Already handled", severity="SEV1")
    ack(emulator, "INC-3")

    answer = ack(emulator)
    sections = [b for b in answer["blocks"] if b.get("accessory")]
    assert [s["text"]["text"].split("*")[1] for s in sections] == ["SEV1 INC-2", "SEV4 INC-1"]
    button = sections[0]["accessory"]
    assert button["action_id"] == "acknowledge"

    clicked = emulator.click("acknowledge", button["value"], user="UBOB")
    assert clicked["payload"] == {}
    [reply] = emulator.wait_for(lambda: emulator.replies(clicked["response_url"]))
    assert reply["text"] == ":white_check_mark: You acknowledged INC-2."


@pytest.mark.parametrize("where", ["summary", "announcement"])
def test_the_buttons_on_the_summary_and_the_announcement(acking, emulator, database_url, where):
    declared(emulator)
    incident = stored(database_url)
    message = (
        emulator.message(incident.channel_id, incident.summary_ts)
        if where == "summary"
        else emulator.message("CINCIDENTS", incident.announcement_ts)
    )
    [button] = [
        e
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "acknowledge"
    ]
    clicked = emulator.click(button["action_id"], button["value"], user="UDAVE", message=message)
    [reply] = emulator.wait_for(lambda: emulator.replies(clicked["response_url"]))
    assert reply["text"] == ":white_check_mark: You acknowledged INC-1."
    assert stored(database_url).acknowledged_by_id == "UDAVE", "@oncall member is allowed"


def test_a_user_without_the_role_is_denied_and_audited(acking, emulator, database_url):
    declared(emulator)
    answer = ack(emulator, "INC-1", user="UCAROL")
    assert answer["text"] == "Access denied. Required role: ops_admin"
    assert stored(database_url).status == "open"
    assert ("ops_admin_access_denied", "UCAROL") in audit_actions(database_url)
    event = acking.wait_for_event("ops_admin_access_denied")
    assert event["user_id"] == "UCAROL" and event["required_role"] == "ops_admin"
    assert event["user_roles"] == [] and event["request_id"]
    assert event["incident_id"] == str(stored(database_url).id)


def klaxon(database_url, tmp_path, *args):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
        "KLAXON_CONFIG": str(tmp_path / "config.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )


def test_a_stored_grant_allows_until_revoked(acking, emulator, database_url, tmp_path):
    declared(emulator, "One")
    declared(emulator, "Two")
    granted = klaxon(database_url, tmp_path, "roles", "grant", "ops_admin", "UERIN")
    assert granted.returncode == 0 and "ops_admin granted: UERIN" in granted.stdout
    listed = klaxon(database_url, tmp_path, "roles", "list", "ops_admin")
    assert "UBOB\tconfig" in listed.stdout and "ops_admin\tUERIN\tgranted by cli:" in listed.stdout

    assert ack(emulator, "INC-1", user="UERIN")["text"].endswith("You acknowledged INC-1.")
    revoked = klaxon(database_url, tmp_path, "roles", "revoke", "ops_admin", "UERIN")
    assert revoked.returncode == 0 and "ops_admin revoked: UERIN" in revoked.stdout
    assert ack(emulator, "INC-2", user="UERIN")["text"] == "Access denied. Required role: ops_admin"

    role_changes = [(a, actor) for a, actor in audit_actions(database_url) if a.startswith("role_")]
    assert [a for a, _ in role_changes] == ["role_granted", "role_revoked"]
    assert all(actor.startswith("cli:") for _, actor in role_changes)


def test_the_eleventh_attempt_in_a_minute_is_refused(acking, emulator, database_url):
    declared(emulator)
    answers = [ack(emulator, "INC-99")["text"] for _ in range(10)]
    assert answers == ["There is no incident INC-99."] * 10
    refused = ack(emulator, "INC-1")["text"]
    wait = int(re.fullmatch(r"Rate limit exceeded, try again in (\d+) s", refused).group(1))
    assert 50 <= wait <= 60
    assert stored(database_url).status == "open"
    assert ("ack_rate_limited", "UBOB") in audit_actions(database_url)
    assert ack(emulator, "INC-1", user="UDAVE")["text"].endswith("You acknowledged INC-1."), (
        "the limit is per person"
    )


def test_the_rate_limit_survives_a_restart(emulator, daemon_factory, database_url):
    first = daemon_factory(ACK_CONFIG)
    for _ in range(10):
        ack(emulator, "INC-99")
    first.stop()
    daemon_factory(ACK_CONFIG)
    assert ack(emulator, "INC-99")["text"].startswith("Rate limit exceeded")


def test_already_acknowledged_changes_nothing(acking, emulator, database_url):
    declared(emulator)
    ack(emulator, "INC-1")
    before = stored(database_url)
    answer = ack(emulator, "INC-1", user="UDAVE")["text"]
    assert answer.startswith("Already acknowledged by <@UBOB> at <!date^")
    after = stored(database_url)
    assert (after.acknowledged_by_id, after.acknowledged_at) == (
        before.acknowledged_by_id,
        before.acknowledged_at,
    )
    assert ("ack_already_acknowledged", "UDAVE") in audit_actions(database_url)


def test_resolved_unknown_and_malformed(acking, emulator, database_url):
    declared(emulator)
    database = open_database(database_url)
    with database.connection_context():
        Incident.update(status="resolved").execute()
    assert ack(emulator, "INC-1")["text"] == "INC-1 is resolved; there is nothing to acknowledge."
    assert ack(emulator, "INC-404")["text"] == "There is no incident INC-404."
    assert ack(emulator, "#no-such-channel")["text"] == "There is no incident #no-such-channel."
    malformed = ack(emulator, "the database one")["text"]
    assert "is not an incident I can find" in malformed and "INC-42" in malformed
    actions = [a for a, _ in audit_actions(database_url)]
    assert {"ack_incident_resolved", "ack_not_found", "ack_malformed_ref"} <= set(actions)


def test_two_acks_at_once_on_two_replicas_one_wins(emulator, daemon_factory, database_url):
    emulator.add_usergroup("oncall", {"UDAVE"})
    daemon_factory(ACK_CONFIG)
    daemon_factory(ACK_CONFIG)
    emulator.wait_for(lambda: len(emulator.connections) == 2, what="two replicas")
    for round_ in range(1, 6):
        declared(emulator, f"Race {round_}")
        results = {}

        def send(user, via, ref=round_, results=results):
            results[user] = emulator.slash_command(
                "/incident-ack", f"INC-{ref}", user=user, via=via
            )

        threads = [
            threading.Thread(target=send, args=("UBOB", 0)),
            threading.Thread(target=send, args=("UDAVE", 1)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        answers = {
            user: emulator.wait_for(lambda r=r: emulator.replies(r["response_url"]))[0]["text"]
            for user, r in results.items()
        }
        winners = [u for u, text in answers.items() if text.endswith(f"acknowledged INC-{round_}.")]
        assert len(winners) == 1, answers
        [loser] = set(answers) - set(winners)
        assert answers[loser].startswith(f"Already acknowledged by <@{winners[0]}>")
        assert stored(database_url, round_).acknowledged_by_id == winners[0]
    assert len(incidents_in(database_url)) == 5
