"""Incident types, roles beside the lead and checklists end to end (PRODUCT.md §15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from store.db import open_database
from store.models import Incident, TimelineEvent
from tests.daemon import ROOT
from tests.emulator.server import BOT_TOKEN
from tests.helpers import declare, summary_of, wait_declared
from tests.test_private_incidents_e2e import config, declare_typed, stored

pytestmark = pytest.mark.e2e
CHECKLIST_NUDGE = "still open past its time"


@pytest.fixture(autouse=True)
def people(emulator):
    emulator.add_usergroup("security", {"UCAROL"})
    emulator.add_usergroup("oncall", {"UDAVE"})


def run_command(emulator, channel, text, user):
    sent = emulator.slash_command("/incident", text, user=user, channel=channel)
    return emulator.wait_for(lambda: emulator.replies(sent["response_url"]))[0]["text"]


def checklist_message(emulator, incident):
    return emulator.message(incident.channel_id, incident.checklist_ts)


def tick(emulator, incident, user, *texts):
    """Click the checklist's checkboxes so that exactly `texts` are selected."""
    message = checklist_message(emulator, incident)
    [block] = [b for b in message.blocks if b.get("block_id", "").startswith("checklist|")]
    element = block["elements"][0]
    chosen = [o for o in element["options"] if o["text"]["text"] in texts]
    edits = message.edits
    emulator.click(
        "checklist_tick",
        "",
        user=user,
        message=message,
        action={
            "type": "checkboxes",
            "block_id": block["block_id"],
            "action_id": "checklist_tick",
            "selected_options": chosen,
        },
    )
    emulator.wait_for(lambda: message.edits > edits, what="the checklist edited")


def events(database_url, incident, kind):
    database = open_database(database_url)
    with database.connection_context():
        return list(
            TimelineEvent.select()
            .where((TimelineEvent.incident == incident.id) & (TimelineEvent.kind == kind))
            .order_by(TimelineEvent.id)
        )


def summary_text(emulator, incident) -> str:
    return json.dumps(summary_of(emulator, incident).blocks)


def test_types_roles_and_the_checklist(daemon_factory, emulator, database_url):
    daemon = daemon_factory(config())
    command, _ = declare_typed(emulator, "Keys leaked", kind="security", lead="UBOB")
    wait_declared(emulator, command)
    incident = stored(database_url, 1)
    channel = incident.channel_id

    # The type's checklist, one checkbox per item, and the summary's runbook part.
    message = checklist_message(emulator, incident)
    [element] = [b["elements"][0] for b in message.blocks if b["type"] == "actions"]
    assert element["type"] == "checkboxes"
    assert [o["text"]["text"] for o in element["options"]] == [
        "Contain: isolate affected systems",
        "Preserve evidence: snapshots and logs",
        "Notify the data protection officer",
    ]
    summary = summary_text(emulator, incident)
    assert "Checklist 0/3" in summary and "Security" in summary and "private" in summary
    assert "Claim Communications lead" in summary and "Claim Scribe" in summary

    # Ticking and unticking: who and when on the timeline, the count on the summary.
    tick(emulator, incident, "UCAROL", "Contain: isolate affected systems")
    emulator.wait_for(lambda: "Checklist 1/3" in summary_text(emulator, incident))
    tick(emulator, incident, "UERIN")
    emulator.wait_for(lambda: "Checklist 0/3" in summary_text(emulator, incident))
    ticked, unticked = events(database_url, incident, "checklist")
    assert (ticked.actor_id, ticked.text) == ("UCAROL", "Ticked: Contain: isolate affected systems")
    assert (unticked.actor_id, unticked.text) == (
        "UERIN",
        "Unticked: Contain: isolate affected systems",
    )

    # Roles: a claim of an empty seat by anyone; giving one to someone else needs more.
    assert "Only the lead, the reporter" in run_command(
        emulator, channel, "role comms <@UERIN>", "UCAROL"
    )
    assert "<@UCAROL>" in run_command(emulator, channel, "role comms me", "UCAROL")
    claim = [
        e
        for b in summary_of(emulator, incident).blocks
        if b.get("block_id") == "role_claims"
        for e in b["elements"]
    ]
    assert [e["action_id"] for e in claim] == ["role_claim:scribe"]
    clicked = emulator.click(
        "role_claim:scribe", str(incident.id), user="UERIN", message=summary_of(emulator, incident)
    )
    emulator.wait_for(lambda: emulator.replies(clicked["response_url"]))
    # A role holder may give roles and steer like the lead.
    assert "<@UERIN>" in run_command(emulator, channel, "role comms <@UERIN>", "UCAROL")
    assert "There is no role `boss`. Valid roles: `comms`, `scribe`." in run_command(
        emulator, channel, "role boss me", "UBOB"
    )
    run_command(emulator, channel, "sev 1", "UERIN")
    assert stored(database_url, 1).severity == "SEV1"
    summary = summary_text(emulator, incident)
    assert "Communications lead" in summary and "Scribe" in summary
    assert "role_claims" not in summary
    assert [e.text for e in events(database_url, incident, "role_changed")] == [
        "Communications lead: @UCAROL",
        "Scribe: @UERIN",
        "Communications lead: @UERIN (was @UCAROL)",
    ]

    # Types: an unknown one lists the valid ones; a private incident stays private.
    assert "Valid types: `security`, `outage`." in run_command(
        emulator, channel, "type nope", "UBOB"
    )
    assert "is now Outage" in run_command(emulator, channel, "type outage", "UBOB")
    after = stored(database_url, 1)
    assert after.incident_type == "outage" and after.private
    members = emulator.channels[channel].members
    emulator.wait_for(lambda: "UDAVE" in members, what="the new type's people invited")

    # A public incident cannot become a private type (Slack cannot make its channel private).
    command, _, _ = declare(emulator, "Checkout is slow", lead="UBOB")
    wait_declared(emulator, command)
    public = stored(database_url, 2)
    refused = run_command(emulator, public.channel_id, "type security", "UBOB")
    assert "Slack cannot turn a public channel private" in refused
    assert "Declare a new private incident instead" in refused
    assert stored(database_url, 2).incident_type is None

    # The report (the CLI's, with --include-private) has the role and checklist changes,
    # with people by their display names (the CLI asks Slack: it has the bot's token).
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": emulator.api_url}
    report = subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "INC-1", "--include-private"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "KLAXON_CONFIG": str(daemon.config_path),
            "PYTHONPATH": str(ROOT),
            **env,
        },
        timeout=60,
    ).stdout
    assert "Communications lead: @erin (was @carol)" in report
    assert "- **Type:** outage (private)" in report
    assert "- **Comms:** @erin" in report and "- **Scribe:** @erin" in report
    assert "Ticked: Contain: isolate affected systems" in report
    assert "UERIN" not in report and "UCAROL" not in report


NUDGE_CONFIG = config().replace(
    """checklist = [
  { item = "Contain: isolate affected systems", within = "15m" },
  { item = "Preserve evidence: snapshots and logs", within = "1h" },
  { item = "Notify the data protection officer", within = "24h" },
]""",
    """checklist = [
  { item = "Contain: isolate affected systems", within = "2s" },
  { item = "Preserve evidence: snapshots and logs", within = "3s" },
  { item = "Notify the data protection officer", within = "9s" },
]""",
)


def checklist_nudges(emulator, incident, item: str):
    return [
        c
        for c in emulator.calls_to("chat.postMessage")
        if c.params.get("channel") == incident.channel_id
        and c.status == 200
        and c.response["ok"]
        and CHECKLIST_NUDGE in (c.params.get("text") or "")
        and item in c.params["text"]
    ]


def test_an_open_item_past_its_time_is_nudged_once(daemon_factory, emulator, database_url):
    first = daemon_factory(NUDGE_CONFIG)
    second = daemon_factory(NUDGE_CONFIG)
    emulator.wait_for(lambda: len(emulator.connections) == 2, what="two replicas")
    command, _ = declare_typed(emulator, "Keys leaked", kind="security", lead="UBOB")
    wait_declared(emulator, command)
    incident = stored(database_url, 1)
    tick(emulator, incident, "UCAROL", "Preserve evidence: snapshots and logs")

    [nudge] = emulator.wait_for(
        lambda: checklist_nudges(emulator, incident, "Contain"), timeout=8, what="the nudge"
    )
    assert "<@UBOB>" in nudge.params["text"] and "Notify" not in nudge.params["text"]
    assert first.stop() == 0 and second.stop() == 0
    # The last item falls due while no replica runs.
    time.sleep(max(0.0, incident.declared_at.timestamp() + 10 - time.time()))
    daemon_factory(NUDGE_CONFIG)
    emulator.wait_for(
        lambda: checklist_nudges(emulator, incident, "Notify"), timeout=8, what="the catch-up"
    )
    time.sleep(1)  # five more ticks, in which a second nudge would show
    assert len(checklist_nudges(emulator, incident, "Contain")) == 1
    assert len(checklist_nudges(emulator, incident, "Notify")) == 1
    assert checklist_nudges(emulator, incident, "Preserve") == []  # ticked in time
    database = open_database(database_url)
    with database.connection_context():
        assert Incident.get_by_id(incident.id).next_checklist_at is None
