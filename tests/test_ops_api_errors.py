"""The ops API's answer to the unexpected: 500 INTERNAL_ERROR with a request id, no internals;
503 DATABASE_UNAVAILABLE when the database is away; a throttle that stays small."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import falcon
import falcon.testing
import peewee

from settings.config import Config
from web import ops_api
from web.ops_auth import FailureThrottle


class BrokenDatabase:
    @contextlib.contextmanager
    def connection_context(self):
        raise RuntimeError("secret internals: table incident is on fire")
        yield  # pragma: no cover


class DatabaseAway:
    @contextlib.contextmanager
    def connection_context(self):
        raise peewee.OperationalError("connection refused")
        yield  # pragma: no cover


def client(database=None) -> falcon.testing.TestClient:
    config = Config(
        bot_token="xoxb-x",
        app_token="xapp-x",
        ops_jwt_secret="j" * 40,
        ops_hmac_secrets=("h",),
        ops_alert_token="alerts",
    )
    services = SimpleNamespace(config=config, database=database or BrokenDatabase())
    app = falcon.App()
    assert ops_api.add_routes(app, services) == ["/ops/incidents/{id}/ack", "/ops/alerts"]
    return falcon.testing.TestClient(app)


def test_unexpected_failures_are_internal_errors_without_internals():
    result = client().simulate_post(
        "/ops/alerts",
        json={"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "x"}}]},
        headers={"Authorization": "Bearer alerts"},
    )
    assert result.status_code == 500
    error = result.json["error"]
    assert error["code"] == "INTERNAL_ERROR" and error["request_id"]
    assert "fire" not in result.text and "secret" not in result.text


def test_unknown_routes_and_methods_answer_in_the_same_shape():
    missing = client().simulate_get("/ops/nothing")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "NOT_FOUND"
    wrong = client().simulate_get("/ops/alerts")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_nothing_is_mounted_without_secrets():
    services = SimpleNamespace(config=Config(bot_token="xoxb-x", app_token="xapp-x"))
    assert ops_api.add_routes(falcon.App(), services) == []


def test_the_database_away_is_a_503_with_retry_after():
    result = client(DatabaseAway()).simulate_post(
        "/ops/alerts",
        json={"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "x"}}]},
        headers={"Authorization": "Bearer alerts"},
    )
    assert result.status_code == 503
    assert result.json["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert int(result.headers["Retry-After"]) >= 1


def test_the_failure_throttle_counts_per_address_and_stays_bounded():
    throttle = FailureThrottle(limit=2, window=60, capacity=3)
    assert not throttle.failed("10.0.0.1", now=0)
    assert throttle.failed("10.0.0.1", now=1), "the second failure reaches the limit"
    assert throttle.retry_after("10.0.0.1", now=30) == 30
    assert throttle.retry_after("10.0.0.2", now=30) == 0, "another address is not held"
    assert throttle.retry_after("10.0.0.1", now=60) == 0, "the window has passed"
    for address in ("10.0.0.1", "10.0.0.1", "a", "b", "c"):
        throttle.failed(address, now=70)
    assert len(throttle._seen) == 3
    assert throttle.retry_after("10.0.0.1", now=71) == 0, "the oldest address was forgotten"
