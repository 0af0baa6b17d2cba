"""The machines' API end to end: signed HTTP acks and Alertmanager ingestion."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

import jwt
import pytest

from store import audit
from store.db import open_database
from store.models import Incident, TimelineEvent
from tests.daemon import BASE_CONFIG
from tests.helpers import declare, wait_declared
from tests.test_operations_e2e import free_port

pytestmark = pytest.mark.e2e

JWT_SECRET = "jwt-test-secret-0123456789abcdef0123"
HMAC_SECRET = "hmac-test-secret"
HMAC_PREVIOUS = "hmac-previous-secret"
ALERT_TOKEN = "alert-test-token"
OPS = "ops@example.com"
ENV = {
    "OPS_JWT_SECRET": JWT_SECRET,
    "OPS_HMAC_SECRET": HMAC_SECRET,
    "OPS_HMAC_SECRET_PREVIOUS": HMAC_PREVIOUS,
    "OPS_ALERT_TOKEN": ALERT_TOKEN,
}


def settings(port: int, auto_resolve: bool = False) -> str:
    return (
        BASE_CONFIG.replace("port = 0", f"port = {port}")
        + f"""
[roles]
ops_admin = ["UBOB", "{OPS}"]

[alerts]
auto_resolve = {"true" if auto_resolve else "false"}
"""
    )


def token(identity=OPS, *, secret=JWT_SECRET, audience="klaxon", expires_in=300, **claims):
    payload = {
        "email": identity,
        "aud": audience,
        "exp": int(time.time()) + expires_in,
        "iat": int(time.time()),
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def post(port, path, body, *, headers=None) -> tuple[int, dict, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=raw,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def signed(
    raw: bytes, path: str, *, secret=HMAC_SECRET, stamp=None, method="POST", legacy=False
) -> dict:
    """The headers README describes: HMAC-SHA256 over "v1\\n<ts>\\n<METHOD>\\n<path>\\n<body>"
    (or, `legacy`, over "<ts>.<body>")."""
    stamp = str(int(time.time()) if stamp is None else stamp)
    if legacy:
        message = stamp.encode() + b"." + raw
    else:
        message = "\n".join(["v1", stamp, method, path]).encode() + b"\n" + raw
    signature = hmac.new(secret.encode(), message, hashlib.sha256)
    return {"X-Timestamp": stamp, "X-Signature": signature.hexdigest()}


def ack_path(incident_id) -> str:
    return f"/ops/incidents/{incident_id}/ack"


def ack(port, incident_id, *, reason="seen it", bearer=None, sign=True, raw=None, **sign_kw):
    raw = raw if raw is not None else json.dumps({"reason": reason}).encode()
    headers = {"Authorization": f"Bearer {bearer if bearer is not None else token()}"}
    if sign:
        headers.update(signed(raw, ack_path(incident_id), **sign_kw))
    return post(port, ack_path(incident_id), raw, headers=headers)


@pytest.fixture
def api(daemon_factory, emulator):
    port = free_port()
    daemon_factory(settings(port), env=ENV)
    return port


def declared(emulator, database_url, title="API incident") -> Incident:
    command, _, _ = declare(emulator, title)
    wait_declared(emulator, command)
    database = open_database(database_url)
    with database.connection_context():
        return Incident.select().order_by(Incident.ref.desc()).get()


def error_of(body) -> str:
    assert body["ok"] is False and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"]
    return body["error"]["code"]


def test_an_ack_over_http_updates_slack_like_a_click(api, emulator, database_url):
    incident = declared(emulator, database_url)
    status, body, _ = ack(api, incident.id, reason="paged by the error budget")
    assert status == 200 and body["ok"] is True
    assert body["incident"] == {
        "id": str(incident.id),
        "ref": "INC-1",
        "incident_key": None,
        "status": "acknowledged",
        "acknowledged_by": OPS,
        "acknowledged_at": body["incident"]["acknowledged_at"],
        "escalation_level": 0,
        "severity": "SEV2",
        "route": None,
    }
    summary = emulator.message(incident.channel_id, incident.summary_ts)
    emulator.wait_for(lambda: summary.edits, what="the summary edit")
    assert "ops@example.com" in json.dumps(summary.blocks)
    assert '"acknowledge"' not in json.dumps(summary.blocks)
    assert any(
        "acknowledged by ops@example.com (ops API): paged by the error budget" in m.text
        for m in emulator.messages_in(incident.channel_id)
    )

    again = ack(api, "INC-1")
    assert again[0] == 200 and again[1]["already_acknowledged"] is True
    assert again[1]["incident"]["acknowledged_by"] == OPS


# Each kind of bad bearer is its own request to one daemon: seven failures, well under the
# failure throttle's 20 a minute, so every answer is the token's and not the throttle's.
BAD_BEARERS = (
    "",
    "not-a-jwt",
    "WRONG_SECRET",
    "EXPIRED",
    "WRONG_AUDIENCE",
    "NONE_ALG",
    "NO_IDENTITY",
)


def test_bad_or_missing_tokens_are_unauthenticated(api, emulator, database_url):
    incident = declared(emulator, database_url)
    forged = {
        "WRONG_SECRET": token(secret="x" * 40),
        "EXPIRED": token(expires_in=-10),
        "WRONG_AUDIENCE": token(audience="someone-else"),
        "NONE_ALG": jwt.encode(
            {"email": OPS, "aud": "klaxon", "exp": time.time() + 60}, None, algorithm="none"
        ),
        "NO_IDENTITY": jwt.encode(
            {"aud": "klaxon", "exp": int(time.time()) + 60}, JWT_SECRET, algorithm="HS256"
        ),
    }
    for bearer in BAD_BEARERS:
        sent = forged.get(bearer, bearer)
        headers = {"Authorization": f"Bearer {sent}"} if sent else {}
        raw = b"{}"
        path = ack_path(incident.id)
        status, body, _ = post(api, path, raw, headers={**headers, **signed(raw, path)})
        assert (status, error_of(body)) == (401, "UNAUTHENTICATED"), f"bearer {bearer!r}"


def test_an_identity_without_the_role_is_forbidden_and_audited(api, emulator, database_url):
    incident = declared(emulator, database_url)
    status, body, _ = ack(api, incident.id, bearer=token("viewer@example.com"))
    assert (status, error_of(body)) == (403, "FORBIDDEN")
    database = open_database(database_url)
    with database.connection_context():
        [denied] = audit.events("ops_admin_access_denied")
    assert denied.actor_id == "viewer@example.com"
    assert json.loads(denied.detail)["required_role"] == "ops_admin"


def test_signatures(api, emulator, database_url):
    incident = declared(emulator, database_url)
    assert error_of(ack(api, incident.id, sign=False)[1]) == "UNAUTHORIZED"
    assert error_of(ack(api, incident.id, secret="wrong")[1]) == "UNAUTHORIZED"
    replayed = ack(api, incident.id, stamp=int(time.time()) - 301)
    assert (replayed[0], error_of(replayed[1])) == (401, "UNAUTHORIZED")
    body = json.dumps({"reason": "a"}).encode()
    path = ack_path(incident.id)
    tampered = {"Authorization": f"Bearer {token()}", **signed(body, path)}
    status, answer, _ = post(
        path=path, port=api, body=json.dumps({"reason": "b"}).encode(), headers=tampered
    )
    assert (status, error_of(answer)) == (401, "UNAUTHORIZED")
    rotated = ack(api, incident.id, secret=HMAC_PREVIOUS)
    assert rotated[0] == 200, "the previous secret works during a rotation"


def test_malformed_json_unknown_incidents_and_the_rate_limit(api, emulator, database_url):
    declared(emulator, database_url)
    status, body, _ = ack(api, "INC-1", raw=b"{not json")
    assert (status, error_of(body)) == (400, "INVALID_JSON")
    for target in ("INC-404", "00000000-0000-0000-0000-000000000000", "garbage!"):
        status, body, _ = ack(api, target)
        assert (status, error_of(body)) == (404, "NOT_FOUND"), target
    for attempt in range(10):  # ten attempts in the window, whatever came before
        ack(api, "INC-404", reason=f"attempt {attempt}")  # each signature is used once
    status, body, headers = ack(api, "INC-1")
    assert (status, error_of(body)) == (429, "RATE_LIMIT_EXCEEDED")
    assert 50 <= int(headers["Retry-After"]) <= 60


def alert(status="firing", name="HighErrorRate", route="GET /api/tasks", **labels):
    return {
        "status": status,
        "labels": {"alertname": name, "route": route, "severity": "critical", **labels},
        "annotations": {"summary": f"{name} on {route}", "description": "5xx above 5%"},
        "startsAt": "2026-11-22T10:00:00Z",
        "fingerprint": f"fp-{name}-{labels}",
    }


def webhook(*alerts, status="firing"):
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": status,
        "receiver": "klaxon",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "alerts": list(alerts),
    }


def send_alerts(port, payload, bearer=ALERT_TOKEN):
    return post(port, "/ops/alerts", payload, headers={"Authorization": f"Bearer {bearer}"})


def test_two_alerts_of_one_key_make_one_incident(api, emulator, database_url):
    status, body, _ = send_alerts(api, webhook(alert(instance="a"), alert(instance="b")))
    assert status == 200
    assert [r["action"] for r in body["results"]] == ["declared", "counted"]
    assert {r["incident_key"] for r in body["results"]} == {"GET /api/tasks::HighErrorRate"}
    database = open_database(database_url)
    with database.connection_context():
        [incident] = Incident.select()
    assert (incident.severity, incident.alert_count, incident.route) == (
        "SEV1",
        2,
        "GET /api/tasks",
    )
    assert incident.title == "HighErrorRate on GET /api/tasks"
    summary = emulator.message(incident.channel_id, incident.summary_ts)
    emulator.wait_for(lambda: "fired 2 times" in json.dumps(summary.blocks), what="the count")
    assert emulator.messages_in("CINCIDENTS"), "announced like any incident"

    status, body, _ = send_alerts(api, webhook(alert("resolved", instance="a")))
    assert body["results"][0]["action"] == "noted"
    with database.connection_context():
        assert Incident.get().status == "open", "auto_resolve is off"
        assert TimelineEvent.select().where(TimelineEvent.text.contains("resolved")).exists()
    other = send_alerts(api, webhook(alert("resolved", name="Nothing")))[1]
    assert other["results"][0]["action"] == "ignored"


def test_auto_resolve(daemon_factory, emulator, database_url):
    port = free_port()
    daemon_factory(settings(port, auto_resolve=True), env=ENV)
    send_alerts(port, webhook(alert()))
    body = send_alerts(port, webhook(alert("resolved")))[1]
    assert body["results"][0]["action"] == "resolved"
    database = open_database(database_url)
    with database.connection_context():
        incident = Incident.get()
    assert incident.status == "resolved" and incident.resolution.startswith("Alert")
    assert send_alerts(port, webhook(alert()))[1]["results"][0]["action"] == "declared", (
        "a new firing after resolution is a new incident"
    )


BAD_PAYLOADS = (
    ({"version": "3", "alerts": [alert()]}, "version"),
    (webhook(), "non-empty"),
    (webhook({"status": "burning", "labels": {"a": "b"}}), "firing or resolved"),
    (webhook({"status": "firing", "labels": {"a": 1}}), "strings"),
    (webhook({"status": "firing", "labels": {}}), "labels is empty"),
    ([1, 2], "JSON object"),
)


def test_bad_alert_payloads(api):
    """Each payload is its own request to one daemon."""
    for payload, reason in BAD_PAYLOADS:
        status, body, _ = send_alerts(api, payload)
        assert status == 400 and reason in body["error"]["message"], (reason, status, body)


def test_alert_auth_and_size(api):
    assert error_of(send_alerts(api, webhook(alert()), bearer="wrong")[1]) == "UNAUTHENTICATED"
    huge = webhook(alert(description="x" * (1024 * 1024)))
    status, body, _ = send_alerts(api, huge)
    assert (status, error_of(body)) == (413, "PAYLOAD_TOO_LARGE")
