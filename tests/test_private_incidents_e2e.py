"""Private incidents end to end (PRODUCT.md §15): nothing of a private incident leaves its
channel, whatever Klaxon posts elsewhere, answers over HTTP or prints on the command line;
and a private channel Klaxon cannot create never becomes a public one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from store.db import open_database
from store.models import Incident
from tests.daemon import ROOT
from tests.helpers import form_values, wait_declared
from tests.ports import free_port
from tests.test_operations_e2e import get
from tests.test_ops_api_e2e import ENV, ack, alert, send_alerts, webhook

pytestmark = pytest.mark.e2e

# Words that appear only in the private incident's title, impact, description and notes.
SECRET_WORDS = ("Zebrafish", "quokkabreach", "Marmosetvault", "narwhalupdate", "ocelotnote")


def config(port: int = 0, *, announce_private: bool = True, extra: str = "") -> str:
    return f"""
[slack]
incidents_channel = "incidents"
channel_prefix = "inc"
announce_private = {"true" if announce_private else "false"}

[http]
port = {port}
bind = "127.0.0.1"

[roles]
ops_admin = ["UDAVE", "ops@example.com"]

[scheduler]
tick = "200ms"
retry = "1s"

[escalation]
default = [{{ after = "30m", notify = ["#incidents"] }}]
security = [{{ after = "0s", notify = ["#incidents", "@oncall", "UBOB"] }}]

[types.security]
label = "Security"
private = true
severity = "SEV2"
invite = ["@security", "UERIN"]
escalation = "security"
checklist = [
  {{ item = "Contain: isolate affected systems", within = "15m" }},
  {{ item = "Preserve evidence: snapshots and logs", within = "1h" }},
  {{ item = "Notify the data protection officer", within = "24h" }},
]

[types.outage]
label = "Outage"
invite = ["UDAVE"]

[incident_roles]
comms = "Communications lead"
scribe = "Scribe"
{extra}
"""


@pytest.fixture(autouse=True)
def people(emulator):
    emulator.add_usergroup("security", {"UCAROL"})
    emulator.add_usergroup("oncall", {"UDAVE"})


def declare_typed(emulator, title, *, kind=None, private=False, user="UALICE", **form):
    """/incident, then submit the form with a type and the Private box."""
    command = emulator.slash_command("/incident", title, user=user)
    view = emulator.view_opened_by(command["trigger_id"])
    values = form_values(title=title, **form)
    if kind is not None:
        option = next(
            o
            for b in view["blocks"]
            if b.get("block_id") == "type"
            for o in b["element"]["options"]
            if o["value"] == kind
        )
        values["type"] = {"value": {"type": "static_select", "selected_option": option}}
    boxes = next(b for b in view["blocks"] if b.get("block_id") == "private")
    values["private"] = {
        "value": {
            "type": "checkboxes",
            "selected_options": boxes["element"]["options"] if private else [],
        }
    }
    emulator.submit_view(view["id"], values, user=user)
    return command, view


def stored(database_url, ref: int) -> Incident:
    database = open_database(database_url)
    with database.connection_context():
        return Incident.get(Incident.ref == ref)


def klaxon(database_url, config_path, *args) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "KLAXON_CONFIG": str(config_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def outside(emulator, channel_id: str) -> list[str]:
    """Everything Klaxon sent to Slack that is not addressed to the private channel."""
    sent = []
    for call in emulator.calls:
        if call.method.startswith(("views.", "apps.", "auth.")):
            continue  # the reporter's own form; connection set-up
        if call.params.get("channel") == channel_id:
            continue
        sent.append(json.dumps(call.params))
    return sent


def leaks(texts) -> list[str]:
    return [t[:300] for t in texts if any(w.lower() in t.lower() for w in SECRET_WORDS)]


def test_nothing_of_a_private_incident_leaves_its_channel(
    daemon_factory, emulator, database_url, tmp_path
):
    port = free_port()
    daemon = daemon_factory(config(port), env=ENV)
    command, _ = declare_typed(
        emulator,
        "Zebrafish credentials leaked",
        kind="security",
        severity=None,
        impact="quokkabreach of customer data",
        description="Marmosetvault keys were pushed to a public repository",
        lead="UBOB",
    )
    confirmation = wait_declared(emulator, command)
    incident = stored(database_url, 1)
    assert incident.private and incident.incident_type == "security"
    assert incident.severity == "SEV2"  # the type's, as the form named none
    channel = emulator.channels[incident.channel_id]
    assert channel.is_private and channel.name.endswith("inc-1")
    # Only the reporter, the lead and the type's invitees (users and @usergroup members).
    assert channel.members == {"UKLAXONBOT", "UALICE", "UBOB", "UCAROL", "UERIN"}
    assert "Zebrafish" not in confirmation["text"]

    # The incidents channel hears only that a private incident was declared, and by whom led.
    # (The type's escalation, below, may already have been posted there too: with a tick of
    # 200 ms its first level can come before this line reads the channel.)
    [announcement] = [
        m for m in emulator.messages_in("CINCIDENTS") if "INC-1" in m.text and "declared" in m.text
    ]
    assert "A private incident INC-1 was declared, lead <@UBOB>" in announcement.text
    # The type's escalation policy: #incidents, @oncall and a DM to UBOB, ref and severity.
    emulator.wait_for(
        lambda: (
            len(
                [
                    c
                    for c in emulator.calls_to("chat.postMessage")
                    if "escalation level" in (c.params.get("text") or "")
                ]
            )
            >= 3
        ),
        what="the security escalation",
    )

    # In the channel people write; updates stay there.
    for text in ("note narwhalupdate: keys rotated", "summary ocelotnote Marmosetvault"):
        sent = emulator.slash_command("/incident", text, user="UBOB", channel=incident.channel_id)
        emulator.wait_for(lambda s=sent: emulator.replies(s["response_url"]))

    # /incident-ack with no ref lists nothing private; the form's recent list neither.
    listing = emulator.slash_command("/incident-ack", "", user="UDAVE")
    [listed] = emulator.wait_for(lambda: emulator.replies(listing["response_url"]))
    assert "INC-1" not in json.dumps(listed)
    other = emulator.slash_command("/incident", "Another thing", user="UDAVE")
    emulator.view_opened_by(other["trigger_id"])

    # An alert for an unrelated route is declared publicly and never folds into INC-1.
    status, body, _ = send_alerts(port, webhook(alert()))
    assert status == 200 and body["results"][0]["incident"] == "INC-2"
    http = [json.dumps(body)]
    for path in ("/metrics", "/healthz", "/readyz"):
        http.append(get(port, path)[1])
    # Whoever acknowledges is invited; the ops API then answers with what it may say.
    acked = emulator.slash_command("/incident-ack", "INC-1", user="UDAVE")
    emulator.wait_for(lambda: emulator.replies(acked["response_url"]))
    emulator.wait_for(lambda: "UDAVE" in channel.members, what="the acknowledger invited")
    status, body, _ = ack(port, incident.id)
    assert status == 200 and body["already_acknowledged"]
    http.append(json.dumps(body))

    # The CLI leaves it out unless asked.
    listed = klaxon(database_url, daemon.config_path, "incidents", "list")
    as_json = klaxon(database_url, daemon.config_path, "incidents", "list", "--json")
    report = klaxon(database_url, daemon.config_path, "report", "INC-1")
    show = klaxon(database_url, daemon.config_path, "incidents", "show", "INC-1")
    assert listed.returncode == 0 and "INC-2" in listed.stdout and "INC-1 " not in listed.stdout
    assert report.returncode != 0 and "--include-private" in report.stderr
    assert show.returncode != 0
    cli = [r.stdout + r.stderr for r in (listed, as_json, report, show)]
    full = klaxon(database_url, daemon.config_path, "report", "INC-1", "--include-private")
    assert full.returncode == 0 and "Zebrafish" in full.stdout  # the words are really there
    everything = klaxon(database_url, daemon.config_path, "incidents", "list", "--include-private")
    assert "Zebrafish" in everything.stdout

    assert leaks(outside(emulator, incident.channel_id)) == []
    replies_outside = [
        json.dumps(emulator.replies(sent["response_url"])) for sent in (command, listing, acked)
    ]
    assert leaks(replies_outside) == []
    assert (
        leaks(
            emulator.views[v]["blocks"].__repr__()
            for v in emulator.views
            if emulator.views[v]["user"] == "UDAVE"
        )
        == []
    )
    assert leaks(http) == []
    assert leaks(cli) == []
    assert leaks([daemon.output()]) == []
    # ...while in the channel itself the incident is told in full.
    inside = json.dumps([m.blocks or m.text for m in emulator.messages_in(incident.channel_id)])
    assert "Zebrafish" in inside and "narwhalupdate" in inside


def test_without_announce_private_the_incidents_channel_hears_nothing(
    daemon_factory, emulator, database_url
):
    port = free_port()
    daemon_factory(config(port, announce_private=False), env=ENV)
    command, _ = declare_typed(emulator, "Quiet one", private=True, lead="UBOB")
    wait_declared(emulator, command)
    incident = stored(database_url, 1)
    assert incident.private and incident.incident_type is None
    channel = emulator.channels[incident.channel_id]
    assert channel.is_private and channel.members == {"UKLAXONBOT", "UALICE", "UBOB"}
    assert not [m for m in emulator.messages_in("CINCIDENTS") if "INC-1" in m.text]
    assert incident.announcement_ts is None and incident.next_reconcile_at is None
    # Acknowledged through the ops API (an email identity): the Slack user with that email
    # is invited.
    emulator.add_user("UOPS", "ops")
    status, _, _ = ack(port, incident.id)
    assert status == 200
    emulator.wait_for(lambda: "UOPS" in channel.members, what="the acknowledger invited")


def test_a_private_channel_klaxon_cannot_create_fails_loudly_and_never_goes_public(
    daemon_factory, emulator, database_url
):
    emulator.scopes.discard("groups:write")
    daemon_factory(config())
    command, _ = declare_typed(emulator, "Zebrafish again", kind="security", lead="UBOB")
    told = wait_declared(emulator, command)["text"]
    assert "groups:write" in told and "never falls back to a public channel" in told
    assert "missing_scope" in told
    [refused] = emulator.calls_to("conversations.create")
    assert refused.params.get("is_private") in (True, "true", "1", "True")
    assert refused.response["error"] == "missing_scope"
    assert refused.response["needed"] == "groups:write"
    assert not [c for c in emulator.channels.values() if c.name.startswith("inc-")]
    assert stored(database_url, 1).channel_id is None


def test_a_type_naming_a_missing_usergroup_stops_the_start(daemon_factory, emulator):
    broken = config().replace('invite = ["@security", "UERIN"]', 'invite = ["@nosuchgroup"]')
    daemon = daemon_factory(broken, wait=False)
    assert daemon.wait_stopped() == 2
    lines = [line for line in daemon.output().splitlines() if line.strip()]
    assert lines[-1] == (
        "config error: [types.security].invite: user group @nosuchgroup does not exist in Slack"
    )
