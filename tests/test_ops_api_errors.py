"""The ops API's answer to the unexpected: 500 INTERNAL_ERROR with a request id, no internals."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import falcon
import falcon.testing

from bot import ops_api
from bot.config import Config


class BrokenDatabase:
    @contextlib.contextmanager
    def connection_context(self):
        raise RuntimeError("secret internals: table incident is on fire")
        yield  # pragma: no cover


def client() -> falcon.testing.TestClient:
    config = Config(
        bot_token="xoxb-x",
        app_token="xapp-x",
        ops_jwt_secret="j" * 40,
        ops_hmac_secrets=("h",),
        ops_alert_token="alerts",
    )
    services = SimpleNamespace(config=config, database=BrokenDatabase())
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
