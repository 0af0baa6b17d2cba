"""Timed work end to end with durations of seconds: nudges, escalation, catch-up after a
restart, two replicas on one database, and reconciliation of a half-done declaration.

The scheduler ticks five times a second, so work is done within 0.2 s of falling due and
the tests wait for the durations themselves, not for the next whole-second tick."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from store import audit
from store.db import open_database
from store.models import Incident, TimelineEvent
from tests.daemon import BASE_CONFIG
from tests.helpers import declare, wait_declared

pytestmark = pytest.mark.e2e


def config(update="60s", lead="60s", followup="60s", escalation="", tick="200ms", retry="1s"):
    return (
        BASE_CONFIG
        + f"""
[roles]
ops_admin = ["UBOB", "UDAVE"]

[nudges]
update_every = {{ SEV1 = "{update}", SEV2 = "{update}", SEV3 = "{update}", SEV4 = "{update}" }}
lead_missing_after = "{lead}"
followup_after = "{followup}"

[scheduler]
tick = "{tick}"
retry = "{retry}"
{escalation}
"""
    )


ESCALATION = """
[escalation]
default = [
  { after = "0s", notify = ["#escalations"] },
  { after = "2s", notify = ["@oncall"] },
  { after = "4s", notify = ["UDAVE"], repeat = "2s" },
]
"""


@pytest.fixture(autouse=True)
def escalation_targets(emulator):
    emulator.add_channel("CESCALATE", "escalations", members={"UCAROL"})  # Klaxon joins it
    emulator.add_usergroup("oncall", {"UCAROL"})


def declared(emulator, database_url, title="Checkout is down", **form) -> Incident:
    command, _, _ = declare(emulator, title, **form)
    wait_declared(emulator, command)
    database = open_database(database_url)
    with database.connection_context():
        return Incident.select().order_by(Incident.ref.desc()).get()


def load(database_url, incident) -> Incident:
    database = open_database(database_url)
    with database.connection_context():
        return Incident.get_by_id(incident.id)


def nudges(emulator, incident, kind="has had no update"):
    return [
        c
        for c in emulator.calls_to("chat.postMessage")
        if c.params.get("channel") == incident.channel_id
        and c.status == 200
        and c.response["ok"]
        and kind in (c.params.get("text") or "")
    ]


def escalations(emulator, level=None):
    marker = "escalation level" + (f" {level}" if level else "")
    return [
        c
        for c in emulator.calls_to("chat.postMessage")
        if marker in (c.params.get("text") or "") and c.status == 200 and c.response["ok"]
    ]


def wait_reconciliation_off(emulator, database) -> None:
    """The lease is released (with next_reconcile_at cleared) just after the DM goes out."""

    def settled():
        with database.connection_context():
            return Incident.get().next_reconcile_at is None

    emulator.wait_for(settled, what="reconciliation switched off")


def run_command(emulator, incident, text, user="UBOB"):
    sent = emulator.slash_command("/incident", text, user=user, channel=incident.channel_id)
    return emulator.wait_for(lambda: emulator.replies(sent["response_url"]))[0]["text"]


def test_update_nudges_and_their_reset(daemon_factory, emulator, database_url):
    daemon_factory(config(update="3s"))
    incident = declared(emulator, database_url, lead="UBOB")
    [first] = emulator.wait_for(lambda: nudges(emulator, incident), timeout=8, what="a nudge")
    assert first.at - load(database_url, incident).declared_at.timestamp() >= 2.9
    blocks = json.dumps(
        json.loads(first.params["blocks"])
        if isinstance(first.params["blocks"], str)
        else first.params["blocks"]
    )
    assert "<@UBOB>" in blocks
    assert all(a in blocks for a in ("incident_update", "nudge_snooze", "Snooze 2 h"))

    noted_at = time.time()
    run_command(emulator, incident, "note Mitigation in progress")
    second = emulator.wait_for(
        lambda: nudges(emulator, incident)[1:], timeout=8, what="the next nudge"
    )[0]
    assert second.at - noted_at >= 2.9, "a note resets the clock"

    def nudge_events():
        database = open_database(database_url)
        with database.connection_context():
            return (
                TimelineEvent.select()
                .where((TimelineEvent.incident == incident.id) & (TimelineEvent.kind == "nudge"))
                .count()
            )

    emulator.wait_for(lambda: nudge_events() >= 2, what="both nudges on the timeline")


def test_the_update_nudge_is_accepted_and_each_snooze_button_works(
    daemon_factory, emulator, database_url
):
    daemon_factory(config(update="2s"))
    incident = declared(emulator, database_url, lead="UBOB")
    [posted, *_] = emulator.wait_for(
        lambda: [
            c
            for c in emulator.calls_to("chat.postMessage")
            if c.response is not None and "has had no update" in (c.params.get("text") or "")
        ],
        timeout=8,
        what="the update nudge posted",
    )
    assert posted.status == 200 and posted.response["ok"], posted.response
    blocks = posted.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    snoozes = [
        element
        for block in blocks
        for element in block.get("elements", [])
        if element["action_id"].startswith("nudge_snooze")
    ]
    assert [button["text"]["text"] for button in snoozes] == ["Snooze 30 min", "Snooze 2 h"]

    for button, minutes in zip(snoozes, (30, 120), strict=True):
        url = emulator.click(button["action_id"], button["value"], user="UBOB")["response_url"]
        [answer] = emulator.wait_for(lambda url=url: emulator.replies(url))
        assert f"next update nudge comes in {minutes} min" in answer["text"]
        due = load(database_url, incident).next_update_nudge_at.timestamp()
        assert (minutes - 1) * 60 < due - time.time() <= minutes * 60
    count = len(nudges(emulator, incident))
    time.sleep(3)
    assert len(nudges(emulator, incident)) == count


def test_the_lead_nudge_and_its_buttons(daemon_factory, emulator, database_url):
    daemon_factory(config(lead="2s"))
    incident = declared(emulator, database_url)
    [nudge] = emulator.wait_for(
        lambda: nudges(emulator, incident, "has had no lead"), timeout=8, what="the lead nudge"
    )
    blocks = json.dumps(nudge.params["blocks"])
    assert "lead_take" in blocks and "lead_choose" in blocks
    clicked = emulator.click("lead_take", str(incident.id), user="UCAROL")
    [answer] = emulator.wait_for(lambda: emulator.replies(clicked["response_url"]))
    assert answer["text"] == "INC-1: <@UCAROL> is now the lead."
    assert load(database_url, incident).lead_id == "UCAROL"
    time.sleep(2.5)
    assert len(nudges(emulator, incident, "has had no lead")) == 1, "once"

    other = declared(emulator, database_url, "Second")
    emulator.wait_for(lambda: nudges(emulator, other, "has had no lead"), timeout=8)
    picked = emulator.click(
        "lead_choose",
        "",
        user="UCAROL",
        action={"type": "users_select", "selected_user": "UERIN", "block_id": f"lead|{other.id}"},
    )
    [answer] = emulator.wait_for(lambda: emulator.replies(picked["response_url"]))
    assert answer["text"] == "INC-2: <@UERIN> is now the lead."


def test_the_follow_up_reminder(daemon_factory, emulator, database_url):
    daemon_factory(config(followup="2s"))
    incident = declared(emulator, database_url, lead="UBOB")
    run_command(emulator, incident, "followup Add an alert")
    run_command(emulator, incident, "resolve Fixed")
    [dm] = emulator.wait_for(
        lambda: [
            m
            for m in emulator.messages
            if m.channel.startswith("D") and "Open follow-ups" in m.text
        ],
        timeout=8,
        what="the reminder DM",
    )
    assert "Add an alert" in dm.text and "klaxon report INC-1" in dm.text
    assert emulator.channels[dm.channel].members == {"UKLAXONBOT", "UBOB"}


def test_escalation_climbs_repeats_and_stops_at_the_ack(daemon_factory, emulator, database_url):
    daemon_factory(config(escalation=ESCALATION))
    incident = declared(emulator, database_url, lead="UBOB")
    [level1] = emulator.wait_for(lambda: escalations(emulator, 1), timeout=5, what="level 1")
    assert level1.params["channel"] == "escalations"
    [level2] = emulator.wait_for(lambda: escalations(emulator, 2), timeout=8, what="level 2")
    group_id = emulator.usergroups["oncall"]["id"]
    assert level2.params["channel"] == "incidents"
    assert f"<!subteam^{group_id}>" in level2.params["text"]
    level3 = emulator.wait_for(
        lambda: escalations(emulator, 3)[1:], timeout=14, what="level 3 and its repeat"
    )
    assert all(c.response["channel"].startswith("D") for c in level3), "DMs to UDAVE"
    assert "acknowledge" in json.dumps(level3[0].params["blocks"])
    assert load(database_url, incident).escalation_level == 3

    sent = emulator.slash_command("/incident-ack", "INC-1", user="UDAVE")
    emulator.wait_for(lambda: emulator.replies(sent["response_url"]))
    count = len(escalations(emulator))
    time.sleep(3)  # longer than the repeat (2 s), and a few ticks more
    assert len(escalations(emulator)) == count, "the ack stopped escalation"
    assert load(database_url, incident).next_escalation_at is None
    database = open_database(database_url)
    with database.connection_context():
        levels = [json.loads(e.detail)["level"] for e in audit.events("incident_escalated")]
        timeline = [e.text for e in TimelineEvent.select().where(TimelineEvent.kind == "escalated")]
    assert levels[:3] == [1, 2, 3] and len(levels) == count
    assert timeline[0] == "Escalation level 1: notified #escalations"


def test_after_a_restart_overdue_work_fires_exactly_once(daemon_factory, emulator, database_url):
    escalation = """
[escalation]
default = [
  { after = "0s", notify = ["#escalations"] },
  { after = "4s", notify = ["#escalations"] },
  { after = "6s", notify = ["#escalations"] },
]
"""
    first = daemon_factory(config(update="2s", escalation=escalation))
    incident = declared(emulator, database_url, lead="UBOB")
    emulator.wait_for(lambda: escalations(emulator, 1), timeout=5, what="level 1")
    assert first.stop() == 0
    before = len(nudges(emulator, incident))
    # Everything falls due while nobody runs: level 3 (6 s), the nudge several times (2 s).
    time.sleep(max(0.0, incident.declared_at.timestamp() + 7 - time.time()))

    # After the restart the next regular nudge is a minute away, so every nudge seen now is
    # catch-up: exactly one, however many ticks it missed.
    daemon_factory(config(update="60s", escalation=escalation))
    emulator.wait_for(lambda: escalations(emulator, 3), timeout=8, what="the catch-up")
    emulator.wait_for(
        lambda: len(nudges(emulator, incident)) > before, timeout=8, what="the catch-up nudge"
    )
    time.sleep(1)  # five more ticks, in which a nudge per missed tick would show
    assert len(nudges(emulator, incident)) == before + 1, "one nudge, not one per missed tick"
    [caught_up] = [
        c
        for c in escalations(emulator)
        if "while Klaxon was away" in json.dumps(c.params["blocks"])
    ]
    assert "level 2 fell due while Klaxon was away" in json.dumps(caught_up.params["blocks"])
    assert len(escalations(emulator, 2)) == 0 and len(escalations(emulator, 3)) == 1
    assert load(database_url, incident).escalation_level == 3


def test_two_replicas_never_send_the_same_nudge_twice(daemon_factory, emulator, database_url):
    settings = config(
        update="2s",
        escalation="""
[escalation]
default = [{ after = "0s", notify = ["#escalations"], repeat = "2s" }]
""",
    )
    daemon_factory(settings)
    daemon_factory(settings)
    emulator.wait_for(lambda: len(emulator.connections) == 2, what="two replicas")
    incidents = [declared(emulator, database_url, f"Replica {n}", lead="UBOB") for n in range(3)]
    # Both replicas race for the same work at every tick (about 50 ticks each) until each
    # incident has had five nudges and the three of them fifteen escalations.
    emulator.wait_for(
        lambda: (
            all(len(nudges(emulator, incident)) >= 5 for incident in incidents)
            and len(escalations(emulator)) >= 15
        ),
        timeout=40,
        what="five nudges per incident and fifteen escalations",
    )
    for incident in incidents:
        times = sorted(c.at for c in nudges(emulator, incident))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= 5, times
        # A nudge sent twice is two posts in one tick (a fraction of a second apart); load
        # may bring two honest nudges, due 2 s apart, closer than 2 s, but not that close.
        assert min(gaps) >= 0.5, f"a nudge was sent twice: {gaps}"
    repeats = sorted(c.at for c in escalations(emulator))
    assert len(repeats) >= 15
    per_incident = {}
    for call in escalations(emulator):
        ref = json.dumps(call.params["blocks"]).split("INC-")[1].split("*")[0]
        per_incident.setdefault(ref, []).append(call.at)
    for times in per_incident.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.5, f"an escalation was sent twice: {gaps}"


def test_a_failed_declaration_is_completed_later(daemon_factory, emulator, database_url):
    daemon_factory(config(retry="1s"))
    emulator.fail("conversations.create", error="restricted_action")
    emulator.fail("chat.postMessage", error="ratelimited", times=3)
    command, _, _ = declare(emulator, "Half declared")
    told = wait_declared(emulator, command)["text"]
    assert "could not be created" in told and "keeps trying" in told
    [done] = emulator.wait_for(
        lambda: [
            m
            for m in emulator.messages
            if m.channel.startswith("D") and "is complete now" in m.text
        ],
        timeout=15,
        what="the reporter told",
    )
    database = open_database(database_url)

    wait_reconciliation_off(emulator, database)
    with database.connection_context():
        incident = Incident.get()
    assert incident.channel_id and incident.summary_ts and incident.announcement_ts
    assert f"<#{incident.channel_id}>" in done.text
    assert (incident.channel_id, incident.summary_ts) in emulator.pins


def test_reconciliation_gives_up_and_says_what_is_missing(daemon_factory, emulator, database_url):
    daemon_factory(config(retry="1s"))
    emulator.fail("conversations.create", error="restricted_action", times=1000)
    command, _, _ = declare(emulator, "Never gets a channel")
    wait_declared(emulator, command)
    database = open_database(database_url)
    with database.connection_context():
        Incident.update(reconcile_attempts=11).execute()  # the 11th retry has just failed
    [gave_up] = emulator.wait_for(
        lambda: [
            m
            for m in emulator.messages
            if m.channel.startswith("D") and "stopped retrying" in m.text
        ],
        timeout=15,
        what="the give-up DM",
    )
    assert "incident channel could not be created" in gave_up.text

    wait_reconciliation_off(emulator, database)
    with database.connection_context():
        incident = Incident.get()
        assert incident.channel_id is None
        assert TimelineEvent.select().where(TimelineEvent.kind == "reconcile_failed").exists()
    assert incident.announcement_ts, "everything Slack allowed was done"
