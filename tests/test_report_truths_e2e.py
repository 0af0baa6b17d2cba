"""The report tells the truth (PRODUCT.md §16): impact start from the Update modal, the
first monitoring, root cause from the Resolve modal and `/incident rootcause`, and people
by their Slack display names, through the real daemon and `klaxon report`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from store.db import open_database
from store.fields import utcnow
from store.models import PersonName
from tests.daemon import BASE_CONFIG, ROOT
from tests.helpers import declare, in_channel, incident_by_ref, modal_values, wait_declared

pytestmark = pytest.mark.e2e

CONFIG = BASE_CONFIG + '\n[roles]\nops_admin = ["UDAVE"]\n'
DISPLAY = {"UALICE": "Alice Ng", "UBOB": "Bob the Lead", "UCAROL": "Carol D", "UDAVE": "dave.k"}


@pytest.fixture
def incident(daemon_factory, emulator, database_url):
    for user_id, name in DISPLAY.items():
        emulator.users[user_id]["profile"]["display_name"] = name
    daemon_factory(CONFIG)
    command, _, _ = declare(emulator, "Checkout is down", lead="UBOB", severity="SEV3")
    wait_declared(emulator, command)
    return incident_by_ref(database_url)


def open_form(emulator, incident, action_id: str, user="UBOB") -> dict:
    summary = emulator.message(incident.channel_id, incident.summary_ts)
    clicked = emulator.click(action_id, str(incident.id), user=user, message=summary)
    return emulator.view_opened_by(clicked["trigger_id"])


def test_the_update_modal_records_impact_start_within_the_accepted_range(
    incident, emulator, database_url
):
    view = open_form(emulator, incident, "incident_update")
    [picker] = [b for b in view["blocks"] if b.get("block_id") == "impact_started"]
    assert picker["element"]["type"] == "datetimepicker" and picker["optional"]

    future = int((utcnow() + timedelta(hours=1)).timestamp())
    refused = emulator.submit_view(
        view["id"], modal_values(view, impact_started=future), user="UBOB"
    )
    error = refused["payload"]["errors"]["impact_started"]
    assert "Choose a time between" in error and "a week before" in error
    too_early = int((incident.declared_at - timedelta(days=8)).timestamp())
    refused = emulator.submit_view(
        view["id"], modal_values(view, impact_started=too_early), user="UBOB"
    )
    assert "Choose a time between" in refused["payload"]["errors"]["impact_started"]
    assert incident_by_ref(database_url).impact_started_at is None

    started = incident.declared_at.replace(microsecond=0) - timedelta(minutes=20)
    done = emulator.submit_view(
        view["id"],
        modal_values(view, status="monitoring", impact_started=int(started.timestamp())),
        user="UBOB",
    )
    assert done["payload"] == {}
    emulator.wait_for(
        lambda: incident_by_ref(database_url).status == "monitoring", what="the update"
    )
    fresh = incident_by_ref(database_url)
    assert fresh.impact_started_at == started
    assert fresh.mitigated_at is not None

    again = open_form(emulator, incident, "incident_update")
    [picker] = [b for b in again["blocks"] if b.get("block_id") == "impact_started"]
    assert picker["element"]["initial_date_time"] == int(started.timestamp())


def test_root_cause_times_and_names_reach_the_report(incident, emulator, database_url, tmp_path):
    assert in_channel(emulator, incident, "rootcause").startswith("Write the text after it")
    said = in_channel(emulator, incident, "rootcause A config push by <@UCAROL> emptied the pool")
    assert said == "INC-1: root cause updated."
    assert incident_by_ref(database_url).root_cause.startswith("A config push by")
    in_channel(emulator, incident, "status monitoring")
    in_channel(emulator, incident, "followup Alert on pool size", user="UCAROL")

    view = open_form(emulator, incident, "incident_resolve", user="UDAVE")
    [field] = [b for b in view["blocks"] if b.get("block_id") == "root_cause"]
    assert field["element"]["initial_value"].startswith("A config push by")
    emulator.submit_view(
        view["id"],
        modal_values(view, resolution="Pool resized", root_cause="A config push emptied the pool"),
        user="UDAVE",
    )
    emulator.wait_for(
        lambda: incident_by_ref(database_url).status == "resolved", what="the resolution"
    )
    assert incident_by_ref(database_url).root_cause == "A config push emptied the pool"

    assert (
        in_channel(emulator, incident, "report") == "The report for INC-1 is posted in the channel."
    )
    # Posted when it was resolved, then again by /incident report: the latter is read.
    _, posted = emulator.wait_for(
        lambda: (
            (
                reports := [
                    m.text
                    for m in emulator.messages_in(incident.channel_id)
                    if "Post-incident report" in m.text
                ]
            )
            and len(reports) == 2
            and reports
        ),
        what="the report posted again",
    )
    assert "A config push emptied the pool" in posted
    assert "_To be written by the team" not in posted
    assert "- **Lead:** @Bob the Lead" in posted and "- **Reporter:** @Alice Ng" in posted
    assert "Times (from declaration; impact start not recorded):** detect 0s" in posted
    assert "mitigate —" not in posted and "resolve —" not in posted
    assert "(owner " not in posted and "- [ ] Alert on pool size (no owner)" in posted
    for user_id in DISPLAY:
        assert user_id not in posted, user_id
    assert emulator.calls_to("users.info")

    # `klaxon report` runs without Slack: the names come from the store's cache.
    database = open_database(database_url)
    with database.connection_context():
        assert {p.user_id: p.display_name for p in PersonName.select()} == {
            "UALICE": "Alice Ng",
            "UBOB": "Bob the Lead",
            "UCAROL": "Carol D",
            "UDAVE": "dave.k",
        }
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    env.pop("SLACK_BOT_TOKEN", None)
    printed = subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "INC-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert printed.returncode == 0, printed.stderr
    assert "- **Lead:** @Bob the Lead" in printed.stdout
    assert "@Carol D: Follow-up added: Alert on pool size" in printed.stdout
    for user_id in DISPLAY:
        assert user_id not in printed.stdout, user_id
