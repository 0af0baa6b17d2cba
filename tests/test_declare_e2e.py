"""/incident end to end: the real daemon, the emulator, and the database."""

from __future__ import annotations

import json
import signal

import pytest

from store.db import open_database
from store.models import TimelineEvent
from tests.emulator import BOT_USER
from tests.helpers import declare, form_values, incidents_in, today, wait_declared

pytestmark = pytest.mark.e2e


def test_happy_path(daemon, emulator, database_url):
    command, view, ack = declare(
        emulator,
        "Checkout is down",
        lead="UBOB",
        impact="EU customers cannot pay",
        description="500s from the payments API since 10:02",
    )
    assert ack["payload"] == {}, "a valid form closes the modal"
    title_block = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title_block["element"]["initial_value"] == "Checkout is down"

    confirmation = wait_declared(emulator, command)
    assert confirmation["response_type"] == "ephemeral"
    assert "INC-1 declared" in confirmation["text"]

    channel = emulator.channel_named(f"inc-{today()}-checkout-is-down")
    assert channel is not None
    assert {"UALICE", "UBOB", BOT_USER} <= channel.members
    assert f"<#{channel.id}>" in confirmation["text"]

    [summary] = emulator.messages_in(channel.id)
    assert (channel.id, summary.ts) in emulator.pins
    rendered = json.dumps(summary.blocks)
    for expected in (
        "INC-1",
        "Checkout is down",
        "SEV2",
        "<@UBOB>",
        "<@UALICE>",
        "EU customers cannot pay",
        "500s from the payments API",
        "<!date^",
    ):
        assert expected in rendered

    [announcement] = emulator.messages_in("CINCIDENTS")
    assert f"<#{channel.id}>" in json.dumps(announcement.blocks)

    [incident] = incidents_in(database_url)
    assert (incident.ref, incident.status, incident.severity) == (1, "open", "SEV2")
    assert (incident.channel_id, incident.summary_ts) == (channel.id, summary.ts)
    assert (incident.announcement_channel_id, incident.announcement_ts) == (
        "CINCIDENTS",
        announcement.ts,
    )
    database = open_database(database_url)
    with database.connection_context():
        kinds = [e.kind for e in TimelineEvent.select().where(TimelineEvent.incident == incident)]
    assert kinds == ["declared"]

    web_calls = [
        c.method for c in emulator.calls if c.method not in ("auth.test", "apps.connections.open")
    ]
    assert web_calls[:2] == ["views.open", "conversations.create"]
    assert sorted(web_calls[2:]) == [
        "chat.postMessage",
        "chat.postMessage",
        "conversations.invite",
        "pins.add",
    ]
    assert emulator.pings == []
    event = daemon.wait_for_event("incident_declared")
    assert event["incident_ref"] == "INC-1" and event["request_id"]


def test_once_the_channel_exists_the_other_steps_run_at_once(daemon, emulator, database_url):
    """The announcement is held by Slack: the invitation, the summary and its pin are done
    meanwhile, not after it."""
    announcement = emulator.stall(
        "chat.postMessage", after_effect=False, when=lambda params: params["channel"] == "incidents"
    )
    declare(emulator, "Checkout is down", lead="UBOB")
    assert announcement.arrived.wait(10)

    def summary_pinned():
        incidents = incidents_in(database_url)
        return incidents and incidents[0].summary_pinned

    emulator.wait_for(summary_pinned, what="the summary pinned while the announcement waits")
    emulator.wait_for(
        lambda: any(
            c.response and c.response["ok"] for c in emulator.calls_to("conversations.invite")
        ),
        what="the invitation while the announcement waits",
    )
    assert not announcement.released.is_set()
    announcement.release()
    emulator.wait_for(
        lambda: incidents_in(database_url)[0].announcement_ts, what="the announcement"
    )


def test_invalid_input_is_answered_inline(daemon, emulator, database_url):
    command = emulator.slash_command("/incident", "")
    view = emulator.view_opened_by(command["trigger_id"])
    ack = emulator.submit_view(view["id"], form_values(title="   ", severity=None))
    assert ack["payload"]["response_action"] == "errors"
    assert set(ack["payload"]["errors"]) == {"title", "severity"}
    assert incidents_in(database_url) == []
    assert not emulator.calls_to("conversations.create")


def test_a_channel_name_clash_takes_the_next_suffix(daemon, emulator):
    emulator.add_channel("CTAKEN", f"inc-{today()}-db-failover", members={"UALICE"})
    command, _, _ = declare(emulator, "DB failover")
    wait_declared(emulator, command)
    assert emulator.channel_named(f"inc-{today()}-db-failover-2") is not None
    command, _, _ = declare(emulator, "DB failover")
    wait_declared(emulator, command)
    assert emulator.channel_named(f"inc-{today()}-db-failover-3") is not None


def test_an_emoji_only_title_falls_back_to_the_ref(daemon, emulator):
    command, _, _ = declare(emulator, "🔥🔥🔥")
    wait_declared(emulator, command)
    assert emulator.channel_named(f"inc-{today()}-inc-1") is not None


def test_mentions_typed_by_people_ping_nobody(daemon, emulator):
    command, _, _ = declare(
        emulator,
        "<!channel> <!here> pay <@UBOB>",
        impact="<!everyone> & more",
        description="<!subteam^S123>",
    )
    wait_declared(emulator, command)
    assert emulator.pings == []
    summary = next(m for m in emulator.messages if m.channel not in ("CINCIDENTS",) and m.blocks)
    assert "&lt;!channel&gt;" in summary.text
    assert "&lt;!everyone&gt; &amp; more" in json.dumps(summary.blocks)


def test_a_rate_limited_channel_create_is_retried(daemon, emulator):
    emulator.fail("conversations.create", status=429, retry_after=1)
    command, _, _ = declare(emulator, "Search is slow")
    confirmation = wait_declared(emulator, command)
    assert "INC-1 declared" in confirmation["text"]
    attempts = emulator.calls_to("conversations.create")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0, "Retry-After is honoured"


def test_server_errors_are_retried_with_backoff(daemon, emulator):
    emulator.fail("chat.postMessage", status=503)
    command, _, _ = declare(emulator, "Login broken")
    assert "INC-1 declared" in wait_declared(emulator, command)["text"]
    assert [c.status for c in emulator.calls_to("chat.postMessage")][:2] == [503, 200]


def test_a_failed_side_effect_keeps_the_incident_and_tells_the_reporter(
    daemon, emulator, database_url
):
    emulator.fail("conversations.create", error="restricted_action")
    command, _, _ = declare(emulator, "Queue backlog")
    confirmation = wait_declared(emulator, command)
    assert "INC-1 is saved" in confirmation["text"]
    assert (
        "incident channel could not be created (Slack said: restricted_action)"
        in (confirmation["text"])
    )
    [incident] = incidents_in(database_url)
    assert incident.channel_id is None
    assert incident.announcement_ts is not None, "the announcement still went out"


def test_confirmation_falls_back_to_a_dm_when_the_response_url_is_gone(daemon, emulator):
    command = emulator.slash_command("/incident", "Cache stampede")
    view = emulator.view_opened_by(command["trigger_id"])
    emulator.response_urls[command["response_url"].rsplit("/", 1)[-1]]["uses"] = 5
    emulator.submit_view(view["id"], form_values(title="Cache stampede"))
    dm = emulator.wait_for(
        lambda: [m for m in emulator.messages if m.channel.startswith("D")],
        what="a DM to the reporter",
    )
    assert "INC-1 declared" in dm[0].text


def test_a_form_that_cannot_open_is_explained(daemon, emulator):
    emulator.fail("views.open", error="expired_trigger_id")
    command = emulator.slash_command("/incident", "Anything")
    [reply] = emulator.wait_for(
        lambda: emulator.replies(command["response_url"]), what="the explanation"
    )
    assert "could not open" in reply["text"] and "expired_trigger_id" in reply["text"]


def test_a_redelivered_submission_declares_once(daemon, emulator, database_url):
    command, view, _ = declare(emulator, "Double submit")
    wait_declared(emulator, command)
    emulator.submit_view(view["id"], form_values(title="Double submit"))
    daemon.wait_for_event("declaration_redelivered")
    assert len(incidents_in(database_url)) == 1
    assert len(emulator.calls_to("conversations.create")) == 1


def test_the_command_is_acknowledged_within_slacks_deadline(daemon, emulator):
    command = emulator.slash_command("/incident", "Fast?")  # a late ack is never seen
    assert command["payload"] == {}
    assert emulator.late_acks == []


def test_malformed_payloads_are_dropped_and_the_daemon_carries_on(daemon, emulator):
    emulator.send_envelope("interactive", {"type": "view_submission", "view": {}}, wait=False)
    emulator.send_envelope("interactive", {"garbage": True}, wait=False)
    emulator.send_envelope("slash_commands", {"command": "/incident"}, wait=False)
    command, _, _ = declare(emulator, "Still alive")
    assert "INC-1 declared" in wait_declared(emulator, command)["text"]
    assert daemon.process.poll() is None


def test_a_failing_listener_is_acked_and_the_person_told(daemon, emulator):
    """A slash command is acked on arrival, before its listener runs, so Slack shows no
    error of its own when the listener fails: Klaxon says so where the command was typed."""
    response_url = emulator.new_response_url()
    sent = emulator.send_envelope(
        "slash_commands", {"command": "/incident", "text": "", "response_url": response_url}
    )  # no user_id: the listener cannot read it
    assert sent["payload"] == {}
    replies = emulator.wait_for(lambda: emulator.replies(response_url), what="the reply")
    failure = replies[-1]
    assert "Something went wrong in Klaxon" in failure["text"]
    request_id = daemon.wait_for_event("interaction_failed")["request_id"]
    assert request_id in failure["text"]
    command, _, _ = declare(emulator, "Still alive")
    assert "INC-1 declared" in wait_declared(emulator, command)["text"]


@pytest.mark.parametrize("drop", ["close_frame", "tcp_cut", "refresh_requested"])
def test_a_dropped_socket_reconnects(daemon, emulator, drop):
    connects = emulator.connects
    if drop == "refresh_requested":
        emulator.request_refresh()
    else:
        emulator.drop_connections(abrupt=drop == "tcp_cut")
    emulator.wait_for(
        lambda: emulator.connects > connects and emulator.connections,
        timeout=30,
        what="a reconnect",
    )
    command, _, _ = declare(emulator, f"After {drop}")
    assert "INC-1 declared" in wait_declared(emulator, command)["text"]


def test_a_restart_keeps_every_incident(daemon_factory, emulator, database_url):
    first = daemon_factory()
    for title in ("One", "Two"):
        command, _, _ = declare(emulator, title)
        wait_declared(emulator, command)
    assert first.stop() == 0
    daemon_factory()
    command, _, _ = declare(emulator, "Three")
    assert "INC-3 declared" in wait_declared(emulator, command)["text"]
    assert [(i.ref, i.title) for i in incidents_in(database_url)] == [
        (1, "One"),
        (2, "Two"),
        (3, "Three"),
    ]


def test_sigint_stops_cleanly(daemon):
    assert daemon.stop(signal.SIGINT) == 0
