"""The ops API against an attacker and a bad day: replayed and re-pathed signatures, one
identity in any letter case, the database away, malformed input, and callers that keep
failing to authenticate."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import pytest

from store import audit, roles
from store.db import open_database
from store.models import Incident
from tests.conftest import BACKENDS
from tests.daemon import Daemon
from tests.postgres import PostgresServer
from tests.test_operations_e2e import free_port, get, metric
from tests.test_ops_api_e2e import (
    ALERT_TOKEN,
    ENV,
    OPS,
    ack,
    ack_path,
    alert,
    declared,
    error_of,
    post,
    send_alerts,
    settings,
    signed,
    token,
    webhook,
)

pytestmark = pytest.mark.e2e


def config(port: int, extra: str = "") -> str:
    return settings(port) + extra


def signed_ack(incident_id, *, reason="seen it", identity=OPS, **sign_kw):
    """The (path, body, headers) of one signed ack, to send as often as a test likes."""
    raw = json.dumps({"reason": reason}).encode()
    path = ack_path(incident_id)
    headers = {"Authorization": f"Bearer {token(identity)}", **signed(raw, path, **sign_kw)}
    return path, raw, headers


def test_a_signed_ack_is_accepted_once_across_replicas(daemon_factory, emulator, database_url):
    first, second = free_port(), free_port()
    daemon_factory(config(first), env=ENV)
    daemon_factory(config(second), env=ENV)
    incident = declared(emulator, database_url)
    path, raw, headers = signed_ack(incident.id)

    assert post(first, path, raw, headers=headers)[0] == 200
    for port in (first, second):
        status, body, _ = post(port, path, raw, headers=headers)
        assert (status, error_of(body)) == (401, "UNAUTHORIZED"), port
        assert "already used" in body["error"]["message"]


def test_a_signature_binds_the_method_and_the_path(api_port, emulator, database_url):
    incident = declared(emulator, database_url)
    raw = json.dumps({"reason": "redirected"}).encode()
    path = ack_path(incident.id)
    bearer = {"Authorization": f"Bearer {token()}"}
    for forged in (
        signed(raw, ack_path("INC-2")),  # made for another incident
        signed(raw, path, method="PUT"),  # made for another method
        signed(raw, path + "?x=1"),  # the query string is not part of the path
        signed(raw, path, legacy=True),  # body only: refused unless opted in
    ):
        status, body, _ = post(api_port, path, raw, headers={**bearer, **forged})
        assert (status, error_of(body)) == (401, "UNAUTHORIZED"), forged
        assert "does not match" in body["error"]["message"]
    status, _, _ = post(api_port, path + "?x=1", raw, headers={**bearer, **signed(raw, path)})
    assert status == 200, "the path is signed without its query string"


def test_the_legacy_body_signature_is_an_opt_in_and_is_used_once(
    daemon_factory, emulator, database_url
):
    port = free_port()
    daemon_factory(config(port, "\n[ops_api]\nlegacy_body_signature = true\n"), env=ENV)
    incident = declared(emulator, database_url)
    path, raw, headers = signed_ack(incident.id, legacy=True)
    assert post(port, path, raw, headers=headers)[0] == 200
    status, body, _ = post(port, path, raw, headers=headers)
    assert (status, error_of(body)) == (401, "UNAUTHORIZED")
    assert ack(port, "INC-1", reason="v1 still works")[0] == 200


def test_one_identity_in_any_letter_case_has_one_role_and_one_limit(
    daemon_factory, emulator, database_url
):
    port = free_port()
    daemon_factory(
        config(port, "\n[ack]\nrate_limit = 3\n").replace(f'"{OPS}"', '"Ops@Example.com"'),
        env=ENV,
    )
    declared(emulator, database_url)
    database = open_database(database_url)
    with database.connection_context():
        roles.grant("ops_admin", "Lead@Example.COM")

    assert ack(port, "INC-404", bearer=token("lead@example.com"))[0] == 404, "granted, any case"
    assert ack(port, "INC-404", bearer=token("OPS@example.com"), reason="a")[0] == 404
    assert ack(port, "INC-404", bearer=token("ops@example.com"), reason="b")[0] == 404
    assert ack(port, "INC-404", bearer=token(" Ops@Example.Com "), reason="c")[0] == 404
    status, body, headers = ack(port, "INC-1", bearer=token("ops@EXAMPLE.com"))
    assert (status, error_of(body)) == (429, "RATE_LIMIT_EXCEEDED"), "one limit for all four"
    assert int(headers["Retry-After"]) >= 1


@pytest.fixture
def api_port(daemon_factory, emulator):
    port = free_port()
    daemon_factory(config(port), env=ENV)
    return port


class SqliteOutage:
    """The database file replaced by a directory: every new connection fails."""

    def __init__(self, root: Path) -> None:
        self.path = root / "klaxon.db"
        self.url = f"sqlite:///{self.path}"

    def begin(self) -> None:
        self.path.rename(self.path.with_suffix(".away"))
        self.path.mkdir()

    def end(self) -> None:
        self.path.rmdir()
        self.path.with_suffix(".away").rename(self.path)


class PostgresOutage:
    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.url = server.create_database()

    def begin(self) -> None:
        self.server.stop()

    def end(self) -> None:
        self.server.start()
        self.server.wait_ready()


@pytest.fixture(params=BACKENDS)
def outage(request, tmp_path):
    if request.param == "sqlite":
        yield SqliteOutage(tmp_path)
        return
    server = PostgresServer().start()  # its own server: the shared one must stay up
    server.wait_ready()
    yield PostgresOutage(server)
    server.stop(remove=True)


def test_the_database_away_is_a_503_to_retry(emulator, tmp_path, outage):
    port = free_port()
    daemon = Daemon(emulator, outage.url, tmp_path, config=config(port), env=ENV).start()
    try:
        command_incident = declared(emulator, outage.url)
        outage.begin()
        answers = [
            ack(port, command_incident.id, reason="during the outage"),
            send_alerts(port, webhook(alert())),
        ]
        for status, body, headers in answers:
            assert (status, error_of(body)) == (503, "DATABASE_UNAVAILABLE")
            assert int(headers["Retry-After"]) >= 1
            assert "Try again" in body["error"]["message"]
        assert daemon.process.poll() is None
        outage.end()
        assert _once_the_database_is_back(port, command_incident.id) == 200
    finally:
        assert daemon.stop() == 0


def _once_the_database_is_back(port, incident_id, timeout=20) -> int:
    """A pooled connection may still be the dead one: the first try may be one more 503."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        status = ack(port, incident_id, reason=f"after the outage {attempt}")[0]
        if status != 503 or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def send(port: int, path: str, raw: bytes, headers: dict) -> tuple[int, dict]:
    """POST with header values as raw bytes (http.client sends them as they are)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.putrequest("POST", path)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(raw)))
        connection.endheaders(raw)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_malformed_input_is_a_4xx_never_a_500(api_port, emulator, database_url):
    incident = declared(emulator, database_url)
    path = ack_path(incident.id)
    bearer = {"Authorization": f"Bearer {token()}"}

    def with_stamp(stamp):
        return {**bearer, "X-Timestamp": stamp, "X-Signature": "0" * 64}

    def signed_body(raw: bytes):
        return {**bearer, **signed(raw, path)}

    alerts_auth = {"Authorization": f"Bearer {ALERT_TOKEN}"}
    nested = b"[" * 30_000 + b"]" * 30_000
    nul_path = "/ops/incidents/%00/ack"
    cases = {
        "superscript digit stamp": (path, b"{}", with_stamp("\u00b2".encode("latin-1")), 401),
        "ten thousand digit stamp": (path, b"{}", with_stamp(b"9" * 10_000), 401),
        "arabic-indic digit stamp": (path, b"{}", with_stamp("١٢٣".encode()), 401),
        "signature not hex": (
            path,
            b"{}",
            {**bearer, **signed(b"{}", path), "X-Signature": "zz"},
            401,
        ),
        "deeply nested ack": (path, nested, signed_body(nested), 400),
        "non-object ack": (path, b"[1]", signed_body(b"[1]"), 400),
        "reason not a string": (path, b'{"reason": 5}', signed_body(b'{"reason": 5}'), 400),
        "NUL in the reason": (
            path,
            b'{"reason": "a\\u0000b"}',
            signed_body(b'{"reason": "a\\u0000b"}'),
            400,
        ),
        "not UTF-8": (path, b'{"reason": "\xff"}', signed_body(b'{"reason": "\xff"}'), 400),
        "NUL in an identity": (path, b"{}", {"Authorization": "Bearer " + token("a\0@b.c")}, 401),
        "an identity too long": (
            path,
            b"{}",
            {"Authorization": "Bearer " + token("a" * 400 + "@example.com")},
            401,
        ),
        "NUL in the incident id": (nul_path, b"{}", {**bearer, **signed(b"{}", nul_path)}, 404),
    }
    webhook_cases = {
        "NUL in a label": webhook(alert(team="a\u0000b")),
        "lone surrogate in a label": webhook(alert(team="\ud800")),
        "lone surrogate in a label name": webhook(alert(**{"\udfff": "x"})),
        "startsAt not a string": webhook({**alert(), "startsAt": 5}),
        "annotations not an object": webhook({**alert(), "annotations": None}),
    }
    for name, payload in webhook_cases.items():
        raw = json.dumps(payload).encode()  # ensure_ascii: "\ud800" travels as an escape
        cases[name] = ("/ops/alerts", raw, alerts_auth, 400)
    deep = b'{"version": "4", "alerts": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    cases["deeply nested alerts"] = ("/ops/alerts", deep, alerts_auth, 400)
    cases["non-object alerts"] = ("/ops/alerts", b'"4"', alerts_auth, 400)

    for name, (where, raw, headers, expected) in cases.items():
        status, body = send(api_port, where, raw, headers)
        assert status == expected, (name, status, body)
        assert body["ok"] is False and body["error"]["request_id"], name
    database = open_database(database_url)
    with database.connection_context():
        assert not audit.events("ops_admin_access_denied"), "no malformed request was audited"

    # Well-formed but longer than a column (route is 255 characters): cut to fit.
    status, body, _ = send_alerts(api_port, webhook(alert(route="r" * 300)))
    assert status == 200 and body["results"][0]["action"] == "declared"


def test_failed_authentication_is_throttled_counted_and_not_audited(
    daemon_factory, emulator, database_url
):
    port = free_port()
    daemon = daemon_factory(config(port, "\n[ops_api]\nauth_failure_limit = 3\n"), env=ENV)
    incident = declared(emulator, database_url)

    # A viewer's JWT without the signing secret: refused before the database, no audit row.
    bad_signature = {
        "Authorization": f"Bearer {token('viewer@example.com')}",
        "X-Timestamp": str(int(time.time())),
        "X-Signature": "0" * 64,
    }
    status, body, _ = post(port, ack_path(incident.id), b"{}", headers=bad_signature)
    assert (status, error_of(body)) == (401, "UNAUTHORIZED")
    assert ack(port, incident.id, bearer="not-a-jwt")[0] == 401
    # Fully authenticated without the role: refused and audited, and counted all the same.
    assert ack(port, incident.id, bearer=token("viewer@example.com"))[0] == 403

    for request in (
        lambda: ack(port, incident.id),  # even a good request from this address waits now
        lambda: send_alerts(port, webhook(alert())),
        lambda: ack(port, incident.id, bearer=token("viewer@example.com"), reason="again"),
    ):
        status, body, headers = request()
        assert (status, error_of(body)) == (429, "RATE_LIMIT_EXCEEDED")
        assert 1 <= int(headers["Retry-After"]) <= 60

    database = open_database(database_url)
    with database.connection_context():
        denied = audit.events("ops_admin_access_denied")
    assert [event.actor_id for event in denied] == ["viewer@example.com"], "one 403 audited"
    _, text = get(port, "/metrics")
    assert metric(text, "klaxon_ops_auth_failures_total", reason="signature_mismatch") == 1
    assert metric(text, "klaxon_ops_auth_failures_total", reason="token_invalid") == 1
    assert metric(text, "klaxon_ops_auth_failures_total", reason="role_missing") == 1
    assert metric(text, "klaxon_ops_auth_failures_total", reason="throttled") == 3
    assert daemon.wait_for_event("ops_api_unauthenticated", reason="token_invalid")
    assert daemon.wait_for_event("ops_api_auth_throttled", client="127.0.0.1")


def test_a_webhook_of_many_alerts_of_one_key_edits_the_messages_once(
    api_port, emulator, database_url
):
    assert send_alerts(api_port, webhook(alert()))[0] == 200
    emulator.wait_for(
        lambda: declared_incident(database_url).announcement_ts, what="the declaration"
    )
    edits_before = len(emulator.calls_to("chat.update"))
    many = webhook(*[alert(instance=f"i-{n}") for n in range(40)])
    status, body, _ = send_alerts(api_port, many)
    assert status == 200 and {r["action"] for r in body["results"]} == {"counted"}
    edits = len(emulator.calls_to("chat.update")) - edits_before
    assert 1 <= edits <= 2, f"one edit of the summary and the announcement, not {edits}"
    incident = declared_incident(database_url)
    summary = emulator.message(incident.channel_id, incident.summary_ts)
    assert "fired 41 times" in json.dumps(summary.blocks)


def declared_incident(database_url):
    database = open_database(database_url)
    with database.connection_context():
        return Incident.get()
