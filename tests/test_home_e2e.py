"""Klaxon's Home tab (PRODUCT.md §16) through the real daemon: published when opened,
open incidents with the viewer's own first, their follow-ups with Mark done, incidents
resolved lately, the buttons, a refresh after acting, and private incidents shown only to
the members of their channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from incident.home import Home
from integrations.slack import home as home_tab
from store.db import open_database
from store.models import FollowUp, Incident
from tests.daemon import BASE_CONFIG
from tests.emulator.blockkit import validate_view
from tests.helpers import declare, form_values, in_channel, incident_by_ref, wait_declared

pytestmark = pytest.mark.e2e

CONFIG = (
    BASE_CONFIG
    + """
[roles]
ops_admin = ["UDAVE"]

[types.security]
label = "Security"
private = true
"""
)


def declared(emulator, database_url, title, ref, *, lead, user="UALICE") -> Incident:
    command, _, _ = declare(emulator, title, lead=lead, severity="SEV2", user=user)
    wait_declared(emulator, command)
    return incident_by_ref(database_url, ref)


def declared_private(emulator, database_url, title, ref, *, user) -> Incident:
    command = emulator.slash_command("/incident", title, user=user)
    view = emulator.view_opened_by(command["trigger_id"])
    values = form_values(title=title, lead=user)
    boxes = next(b for b in view["blocks"] if b.get("block_id") == "private")
    values["private"] = {
        "value": {"type": "checkboxes", "selected_options": boxes["element"]["options"]}
    }
    emulator.submit_view(view["id"], values, user=user)
    wait_declared(emulator, command)
    return incident_by_ref(database_url, ref)


def home_text(emulator, user) -> str:
    return json.dumps(emulator.home_views.get(user, {}).get("blocks", []))


def opened_home(emulator, user, *, previous=None) -> str:
    emulator.open_home(user)
    emulator.wait_for(
        lambda: emulator.home_views.get(user, {}).get("hash") not in (None, previous),
        what=f"{user}'s Home tab published",
    )
    return home_text(emulator, user)


@pytest.fixture
def world(daemon_factory, emulator, database_url):
    """INC-1 led by bob, INC-2 led by carol (resolved), INC-3 led by erin (open, newer
    than INC-1), INC-4 private (dave's)."""
    daemon_factory(CONFIG)
    first = declared(emulator, database_url, "Checkout is down", 1, lead="UBOB")
    second = declared(emulator, database_url, "Search is slow", 2, lead="UCAROL")
    declared(emulator, database_url, "Emails are late", 3, lead="UERIN")
    secret = declared_private(emulator, database_url, "Secret breach at Acme", 4, user="UDAVE")
    in_channel(emulator, first, "followup Add a canary", "UBOB")
    in_channel(emulator, first, "followup Fix the alerts", "UALICE")
    in_channel(emulator, secret, "followup Rotate the keys", "UDAVE")
    in_channel(emulator, second, "resolve Reindexed", "UCAROL")
    return SimpleNamespace(first=first, second=second, secret=secret)


def test_the_home_tab_lists_what_matters_to_the_viewer(world, emulator):
    shown = opened_home(emulator, "UBOB")
    assert shown.index("Checkout is down") < shown.index("Emails are late"), "bob's first"
    assert "SEV2" in shown and "open for" in shown
    assert "Add a canary" in shown and "Fix the alerts" not in shown
    resolved = shown.split("Resolved in the last 14 days", 1)[1]
    assert "INC-2" in resolved and "Search is slow" in resolved and "Open the report" in resolved
    assert "Secret" not in shown and "INC-4" not in shown and "Rotate the keys" not in shown
    view = emulator.home_views["UBOB"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    channel_buttons = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "home_open_channel"
    ]
    assert channel_buttons[0]["url"].endswith(f"channel={world.first.channel_id}")

    members = opened_home(emulator, "UDAVE")
    assert "Secret breach at Acme" in members and "Rotate the keys" in members


def test_acting_from_the_home_tab_refreshes_it(world, emulator, database_url):
    before = opened_home(emulator, "UDAVE")
    assert "home_acknowledge" in before
    hash_before = emulator.home_views["UDAVE"]["hash"]
    emulator.click_in_home("home_acknowledge", str(world.first.id), user="UDAVE")
    emulator.wait_for(
        lambda: incident_by_ref(database_url, 1).acknowledged_at is not None, what="ack"
    )
    emulator.wait_for(
        lambda: emulator.home_views["UDAVE"]["hash"] != hash_before, what="the refresh"
    )
    after = emulator.home_views["UDAVE"]
    first_actions = [
        e["action_id"]
        for b in after["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("value") == str(world.first.id)
    ]
    assert "home_acknowledge" not in first_actions

    opened_home(emulator, "UBOB")
    database = open_database(database_url)
    with database.connection_context():
        mine = FollowUp.get(FollowUp.text == "Add a canary")
    hash_before = emulator.home_views["UBOB"]["hash"]
    emulator.click_in_home("home_followup_done", str(mine.id), user="UBOB")
    emulator.wait_for(
        lambda: emulator.home_views["UBOB"]["hash"] != hash_before, what="the refresh"
    )
    assert "Add a canary" not in home_text(emulator, "UBOB")
    assert "Nothing open for you" in home_text(emulator, "UBOB")

    clicked = emulator.click_in_home("home_declare", "home", user="UBOB")
    form = emulator.view_opened_by(clicked["trigger_id"])
    assert form["callback_id"] == "declare_incident"


def test_the_home_tab_stays_within_slacks_100_blocks():
    now = datetime(2026, 11, 23, tzinfo=UTC)
    incidents = [
        SimpleNamespace(
            id=n,
            display_ref=f"INC-{n}",
            title=f"Incident {n}",
            severity="SEV2",
            status="open",
            channel_id=f"C{n}",
            acknowledged_at=None,
            declared_at=now - timedelta(hours=1),
            resolved_at=now - timedelta(hours=1),
        )
        for n in range(1, 60)
    ]
    items = [SimpleNamespace(id=n, text=f"Follow-up {n}", incident=incidents[0]) for n in range(60)]
    home = Home("UBOB", now, incidents[:5], incidents[5:], items, incidents)
    view = home_tab.view(home)
    assert len(view["blocks"]) <= 100 and validate_view(view) == []
    assert "and 44 more not shown" in json.dumps(view)
