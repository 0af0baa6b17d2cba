"""Mirroring to a hosted Atlassian Statuspage through the real daemon, against the emulator
of its REST API (tests/statuspage_emulator.py): pushed on publish by the scheduler, retried
with back-off when it fails (each failure on the timeline), never in the way of Slack."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from store.db import open_database
from store.models import Incident, TimelineEvent
from tests.helpers import declare, modal_values, wait_declared
from tests.ports import free_port
from tests.status_page_helpers import config, wait_page
from tests.statuspage_emulator import API_KEY, PAGE_ID, StatuspageEmulator

COMPONENTS = {"cmpapi000001": "API", "cmppay000001": "Payments"}
MIRROR = f"""
[status_page.atlassian]
page_id = "{PAGE_ID}"
components = {{ API = "cmpapi000001", Payments = "cmppay000001" }}

[scheduler]
tick = "200ms"
retry = "1s"
"""


@pytest.fixture
def statuspage():
    emulator = StatuspageEmulator(COMPONENTS).start()
    yield emulator
    emulator.stop()


def start(daemon_factory, statuspage, key=API_KEY) -> int:
    port = free_port()
    env = {"STATUSPAGE_API_KEY": key, "STATUSPAGE_API_URL": statuspage.api_url}
    daemon_factory(config(port, MIRROR), env=env)
    wait_page(port)
    return port


def declared(emulator, database_url) -> Incident:
    command, _, _ = declare(emulator, "Internal title", lead="UBOB")
    wait_declared(emulator, command)
    database = open_database(database_url)
    with database.connection_context():
        return Incident.get(Incident.ref == 1)


def publish(emulator, incident) -> None:
    sent = emulator.slash_command(
        "/incident", "statuspage", user="UBOB", channel=incident.channel_id
    )
    view = emulator.view_opened_by(sent["trigger_id"])
    values = modal_values(
        view,
        title="Elevated API errors",
        status="investigating",
        component_0="partial_outage",
        message="Some API requests fail.",
    )
    assert emulator.submit_view(view["id"], values, user="UBOB")["payload"] == {}


def events(database_url, kind: str) -> list[str]:
    database = open_database(database_url)
    with database.connection_context():
        return [e.text for e in TimelineEvent.select().where(TimelineEvent.kind == kind)]


def reply_to_bob(emulator) -> list[str]:
    ims = [c.id for c in list(emulator.channels.values()) if c.name == "im-UBOB"]
    return [m.text for channel in ims for m in emulator.messages_in(channel)]


@pytest.mark.e2e
def test_published_updates_are_mirrored(daemon_factory, emulator, statuspage, database_url):
    start(daemon_factory, statuspage)
    incident = declared(emulator, database_url)
    publish(emulator, incident)
    emulator.wait_for(lambda: statuspage.incidents, timeout=10, what="the mirrored incident")
    [mirrored] = statuspage.incidents.values()
    assert (mirrored.name, mirrored.status) == ("Elevated API errors", "investigating")
    assert statuspage.components["cmpapi000001"]["status"] == "partial_outage"

    sent = emulator.slash_command(
        "/incident",
        "statuspage resolved The API works again.",
        user="UBOB",
        channel=incident.channel_id,
    )
    emulator.wait_for(lambda: emulator.replies(sent["response_url"]), what="the reply")
    emulator.wait_for(
        lambda: len(mirrored.updates) == 2, timeout=10, what="the second update mirrored"
    )
    assert mirrored.status == "resolved"
    assert mirrored.updates[-1]["body"] == "The API works again."
    assert statuspage.components["cmpapi000001"]["status"] == "operational"
    assert [m for m, _, s in statuspage.requests if s >= 400] == []
    assert events(database_url, "status_page_mirror_failed") == []


@pytest.mark.e2e
def test_failures_are_retried_and_shown_on_the_timeline(
    daemon_factory, emulator, statuspage, database_url
):
    start(daemon_factory, statuspage)
    incident = declared(emulator, database_url)
    statuspage.fail_next(2)
    publish(emulator, incident)
    emulator.wait_for(
        lambda: [t for t in reply_to_bob(emulator) if "status page" in t],
        what="the reply, whatever Statuspage does",
    )
    emulator.wait_for(lambda: statuspage.incidents, timeout=20, what="the mirror after retries")
    failures = events(database_url, "status_page_mirror_failed")
    assert len(failures) == 2 and all("HTTP 503" in text for text in failures)
    assert "attempt 1" in failures[0] and "attempt 2" in failures[1]
    emulator.wait_for(
        lambda: events(database_url, "status_page_mirrored"), what="the caught-up event"
    )


@pytest.mark.e2e
def test_a_refused_key_is_on_the_timeline_and_the_page_still_works(
    daemon_factory, emulator, statuspage, database_url
):
    port = start(daemon_factory, statuspage, key="wrong-key")
    incident = declared(emulator, database_url)
    publish(emulator, incident)
    wait_page(port, lambda a: "Some API requests fail." in a.text, what="our own page")
    emulator.wait_for(
        lambda: events(database_url, "status_page_mirror_failed"),
        timeout=10,
        what="the failure on the timeline",
    )
    [failure, *_] = events(database_url, "status_page_mirror_failed")
    assert "HTTP 401" in failure and "wrong-key" not in failure
    assert statuspage.incidents == {}


# ----- the emulator refuses what Statuspage refuses -----


def call(statuspage, method, path, body=None, key=API_KEY):
    request = urllib.request.Request(
        statuspage.api_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"OAuth {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_emulator_refuses_what_statuspage_refuses(statuspage):
    incidents = f"pages/{PAGE_ID}/incidents"
    good = {"incident": {"name": "x", "status": "investigating"}}
    assert call(statuspage, "POST", incidents, good, key="nope")[0] == 401
    assert call(statuspage, "POST", "pages/unknownpage/incidents", good)[0] == 404
    assert call(statuspage, "POST", incidents, {"name": "x"})[0] == 422
    assert call(statuspage, "POST", incidents, {"incident": {"status": "investigating"}})[0] == 422
    bad_status = {"incident": {"name": "x", "status": "on_fire"}}
    assert call(statuspage, "POST", incidents, bad_status)[0] == 422
    bad_component = {"incident": {"name": "x", "components": {"nosuchcomp": "major_outage"}}}
    assert call(statuspage, "POST", incidents, bad_component)[0] == 422
    bad_impact = {"incident": {"name": "x", "components": {"cmpapi000001": "broken"}}}
    assert call(statuspage, "POST", incidents, bad_impact)[0] == 422
    assert call(statuspage, "PATCH", f"{incidents}/nosuchincident", good)[0] == 404
    status, created = call(statuspage, "POST", incidents, good)
    assert status == 201 and created["id"]
    assert call(statuspage, "PATCH", f"{incidents}/{created['id']}", good)[0] == 200
