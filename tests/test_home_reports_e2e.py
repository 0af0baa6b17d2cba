"""The Home tab after the incident (PRODUCT.md §16), through the real daemon: a resolved
incident's report is posted in its channel when it is resolved (once), Home links to it
(chat.getPermalink), a later `/incident report` becomes the linked one, and a report that
cannot be linked (deleted, channel gone, never posted) is said so in plain words. Declaring
from Home publishes the declarer's Home tab (and the lead's) again, with the new incident."""

from __future__ import annotations

import json

import pytest

from store.db import open_database
from store.models import Incident
from tests.daemon import BASE_CONFIG
from tests.helpers import declare, form_values, in_channel, incident_by_ref, wait_declared

pytestmark = pytest.mark.e2e

REPORT = "Post-incident report for"


def declared(emulator, database_url, title, ref, *, lead="UBOB") -> Incident:
    command, _, _ = declare(emulator, title, lead=lead, severity="SEV2")
    wait_declared(emulator, command)
    return incident_by_ref(database_url, ref)


def reports_in(emulator, incident) -> list:
    return [m for m in emulator.messages_in(incident.channel_id) if REPORT in m.text]


def opened_home(emulator, user="UBOB") -> dict:
    previous = emulator.home_views.get(user, {}).get("hash")
    emulator.open_home(user)
    emulator.wait_for(
        lambda: emulator.home_views.get(user, {}).get("hash") not in (None, previous),
        what=f"{user}'s Home tab published",
    )
    return emulator.home_views[user]


def resolved_block(view: dict, ref: str) -> dict:
    """The section of the Home tab's resolved list that names the incident."""
    resolved = json.dumps(view["blocks"]).split("Resolved in the last 14 days", 1)[1]
    assert f"*{ref}*" in resolved, f"{ref} is not listed as resolved"
    return next(
        b
        for b in view["blocks"]
        if b["type"] == "section"
        and b["text"]["text"].startswith(f"*{ref}*")
        and "resolved" in b["text"]["text"]
    )


def permalink(channel_id: str, ts: str) -> str:
    return f"https://emulator.slack.test/archives/{channel_id}/p{ts.replace('.', '')}"


def test_the_report_is_posted_on_resolution_and_home_links_the_latest(
    daemon_factory, emulator, database_url
):
    daemon_factory(BASE_CONFIG)
    incident = declared(emulator, database_url, "Checkout is down", 1)
    in_channel(emulator, incident, "resolve Pool resized")
    [posted] = emulator.wait_for(
        lambda: reports_in(emulator, incident), what="the report posted on resolution"
    )
    texts = [m.text for m in emulator.messages_in(incident.channel_id)]
    assert texts.index(posted.text) > next(
        i for i, t in enumerate(texts) if "INC-1 resolved by" in t
    ), "the report follows the resolution"
    emulator.wait_for(lambda: incident_by_ref(database_url).report_ts == posted.ts, what="recorded")
    assert incident_by_ref(database_url).report_channel_id == incident.channel_id

    block = resolved_block(opened_home(emulator), "INC-1")
    link = block["accessory"]
    assert link["action_id"] == "home_open_report" and link["text"]["text"] == "Open the report"
    assert link["url"] == permalink(incident.channel_id, posted.ts)
    assert "Post the report" not in json.dumps(emulator.home_views["UBOB"])
    clicked = emulator.click_in_home("home_open_report", link["value"], user="UBOB")
    assert clicked["payload"] in (None, {}), "a link button only needs its ack"

    # A later /incident report (the root cause written since) becomes the linked one.
    in_channel(emulator, incident, "rootcause A config push emptied the pool")
    assert (
        in_channel(emulator, incident, "report") == "The report for INC-1 is posted in the channel."
    )
    first, latest = emulator.wait_for(
        lambda: len(reports_in(emulator, incident)) == 2 and reports_in(emulator, incident),
        what="the report posted again",
    )
    assert first.ts == posted.ts and "A config push emptied the pool" in latest.text
    emulator.wait_for(
        lambda: incident_by_ref(database_url).report_ts == latest.ts, what="the new one"
    )
    link = resolved_block(opened_home(emulator), "INC-1")["accessory"]
    assert link["url"] == permalink(incident.channel_id, latest.ts)
    assert len(reports_in(emulator, incident)) == 2, "no duplicate report"


def test_a_report_home_cannot_link_is_said_plainly(daemon_factory, emulator, database_url):
    daemon_factory(BASE_CONFIG)
    deleted = declared(emulator, database_url, "Checkout is down", 1)
    gone = declared(emulator, database_url, "Search is slow", 2)
    never = declared(emulator, database_url, "Emails are late", 3)
    for incident in (deleted, gone, never):
        in_channel(emulator, incident, "resolve Fixed")
        emulator.wait_for(lambda i=incident: reports_in(emulator, i), what="the report")
    emulator.wait_for(
        lambda: incident_by_ref(database_url, 3).report_ts, what="the reports recorded"
    )

    emulator.delete_by_person(deleted.channel_id, incident_by_ref(database_url, 1).report_ts)
    emulator.delete_channel(gone.channel_id)
    database = open_database(database_url)
    with database.connection_context():  # resolved before reports were recorded
        Incident.update(report_channel_id=None, report_ts=None).where(Incident.ref == 3).execute()

    view = opened_home(emulator)
    said = {ref: resolved_block(view, ref)["text"]["text"] for ref in ("INC-1", "INC-2", "INC-3")}
    assert "Its report message was deleted: `/incident report` in" in said["INC-1"]
    assert "Its channel is gone, and the report with it: `klaxon report INC-2`" in said["INC-2"]
    assert f"No report posted yet: `/incident report` in <#{never.channel_id}>" in said["INC-3"]
    for ref in said:
        assert "accessory" not in resolved_block(view, ref), f"{ref} has no link to offer"
    errors = {c.response.get("error") for c in emulator.calls_to("chat.getPermalink")}
    assert {"message_not_found", "channel_not_found"} <= errors


def test_declaring_from_home_publishes_the_declarers_and_the_leads_home_again(
    daemon_factory, emulator, database_url
):
    daemon_factory(BASE_CONFIG)
    before = json.dumps(opened_home(emulator, "UALICE")["blocks"])
    assert "No open incidents" in before
    published = len(emulator.calls_to("views.publish"))

    clicked = emulator.click_in_home("home_declare", "home", user="UALICE")
    form = emulator.view_opened_by(clicked["trigger_id"])
    emulator.submit_view(
        form["id"], form_values(title="Payments are failing", lead="UCAROL"), user="UALICE"
    )
    for user in ("UALICE", "UCAROL"):
        emulator.wait_for(
            lambda u=user: "Payments are failing" in json.dumps(emulator.home_views.get(u, {})),
            what=f"{user}'s Home tab listing the new incident",
        )
    incident = incident_by_ref(database_url)
    assert incident.channel_id, "published once the incident is built"
    shown = json.dumps(emulator.home_views["UALICE"]["blocks"])
    assert "INC-1" in shown and f"channel={incident.channel_id}" in shown
    targets = [c.params.get("user_id") for c in emulator.calls_to("views.publish")[published:]]
    assert sorted(targets) == ["UALICE", "UCAROL"], "each once"
