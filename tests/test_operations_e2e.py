"""Operating Klaxon: /healthz, /readyz, /metrics, and a PostgreSQL that goes away."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.daemon import BASE_CONFIG, Daemon
from tests.helpers import declare, wait_declared
from tests.ports import free_port
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e


def http_config(port: int) -> str:
    return BASE_CONFIG.replace("port = 0", f'port = {port}\nbind = "127.0.0.1"') + (
        '\n[roles]\nops_admin = ["UBOB"]\n'
    )


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def metric(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


@pytest.fixture
def port():
    return free_port()


def test_health_readiness_and_metrics(daemon_factory, emulator, port):
    daemon_factory(http_config(port))
    assert get(port, "/healthz") == (200, '{"ok": true}')
    status, body = get(port, "/readyz")
    assert (status, json.loads(body)) == (200, {"ready": True, "reasons": []})

    command, _, _ = declare(emulator, "Metrics", severity="SEV2")
    wait_declared(emulator, command)
    sent = emulator.slash_command("/incident-ack", "INC-1", user="UBOB")
    emulator.wait_for(lambda: emulator.replies(sent["response_url"]))
    denied = emulator.slash_command("/incident-ack", "INC-1", user="UCAROL")
    emulator.wait_for(lambda: emulator.replies(denied["response_url"]))

    status, text = get(port, "/metrics")
    assert status == 200
    assert metric(text, "klaxon_incidents_open", severity="SEV2", status="acknowledged") == 1
    assert metric(text, "klaxon_time_to_acknowledge_seconds_count") == 1
    assert metric(text, "klaxon_slack_api_calls_total", method="conversations.create") == 1
    assert metric(text, "klaxon_interaction_seconds_count", kind="command:/incident") == 1
    assert metric(text, "klaxon_interaction_seconds_count", kind="command:/incident-ack") == 2
    assert metric(text, "klaxon_interaction_seconds_count", kind="view_submission") == 1
    assert metric(text, "klaxon_access_denied_total", action="acknowledge") == 1
    assert "klaxon_scheduler_tick_seconds_count" in text


def test_slack_errors_and_retries_are_counted(daemon_factory, emulator, port):
    daemon_factory(http_config(port))
    emulator.fail("conversations.create", status=429, retry_after=1)
    emulator.fail("pins.add", error="not_pinnable")
    command, _, _ = declare(emulator, "Counted")
    wait_declared(emulator, command)
    _, text = get(port, "/metrics")
    assert metric(text, "klaxon_slack_api_retries_total", method="conversations.create") == 1
    assert (
        metric(text, "klaxon_slack_api_errors_total", method="pins.add", error="not_pinnable") == 1
    )


def test_readiness_fails_while_the_socket_is_down(daemon_factory, emulator, port):
    daemon_factory(http_config(port))
    emulator.fail("apps.connections.open", error="internal_error", times=1000)
    emulator.drop_connections(abrupt=True)
    deadline = time.monotonic() + 15
    while True:
        status, body = get(port, "/readyz")
        if status == 503:
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert json.loads(body) == {"ready": False, "reasons": ["socket_mode_disconnected"]}
    assert get(port, "/healthz")[0] == 200, "alive all the same"


@pytest.fixture
def own_postgres():
    """A PostgreSQL server this test may stop and start (the shared one must stay up)."""
    server = PostgresServer().start()
    server.wait_ready()
    yield server
    server.stop(remove=True)


def test_a_postgresql_outage_costs_a_try_again_and_nothing_else(
    emulator, tmp_path, own_postgres, port
):
    url = own_postgres.create_database()
    daemon = Daemon(emulator, url, tmp_path, config=http_config(port)).start()
    try:
        command, _, _ = declare(emulator, "Before the outage")
        wait_declared(emulator, command)

        own_postgres.stop()
        status, body = get(port, "/readyz")
        assert status == 503 and "database_unreachable" in body
        sent = emulator.slash_command("/incident-ack", "INC-1", user="UBOB")
        [answer] = emulator.wait_for(
            lambda: emulator.replies(sent["response_url"]), timeout=15, what="the try-again message"
        )
        assert "cannot reach its database" in answer["text"] and "Try again" in answer["text"]
        assert daemon.process.poll() is None

        own_postgres.start()
        own_postgres.wait_ready()
        sent = emulator.slash_command("/incident-ack", "INC-1", user="UBOB")
        [answer] = emulator.wait_for(lambda: emulator.replies(sent["response_url"]), timeout=15)
        assert answer["text"] == ":white_check_mark: You acknowledged INC-1."
        command, _, _ = declare(emulator, "After the outage")
        assert "INC-2 declared" in wait_declared(emulator, command)["text"]
        assert get(port, "/readyz")[0] == 200
    finally:
        assert daemon.stop() == 0


def test_a_port_in_use_is_one_clear_line(daemon_factory, emulator, port):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        daemon = daemon_factory(http_config(port), wait=False)
        assert daemon.process.wait(20) == 1
    assert f"[http].port: cannot listen on 127.0.0.1:{port}" in daemon.output()
