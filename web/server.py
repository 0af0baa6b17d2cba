"""The operators' HTTP endpoints, served by waitress on [http].bind:[http].port.

/healthz  the process is alive
/readyz   Socket Mode connected, database reachable, migrations current (else 503)
/metrics  Prometheus
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import falcon
import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from waitress.server import create_server

from store import migrate
from web import ops_api

log = structlog.get_logger("klaxon.http")


class Health:
    def on_get(self, _request, response):
        response.media = {"ok": True}


class Ready:
    def __init__(self, database, socket_connected: Callable[[], bool]) -> None:
        self._database = database
        self._socket_connected = socket_connected

    def reasons(self) -> list[str]:
        reasons = []
        if not self._socket_connected():
            reasons.append("socket_mode_disconnected")
        try:
            pending = migrate.pending(self._database)
        except Exception as error:
            reasons.append(f"database_unreachable: {type(error).__name__}")
        else:
            if pending:
                reasons.append(f"migrations_pending: {', '.join(pending)}")
        return reasons

    def on_get(self, _request, response):
        reasons = self.reasons()
        response.media = {"ready": not reasons, "reasons": reasons}
        if reasons:
            response.status = falcon.HTTP_503


class Metrics:
    def on_get(self, _request, response):
        response.content_type = CONTENT_TYPE_LATEST
        response.data = generate_latest(REGISTRY)


def application(services, socket_connected: Callable[[], bool]) -> falcon.App:
    app = falcon.App()
    app.add_route("/healthz", Health())
    app.add_route("/readyz", Ready(services.database, socket_connected))
    app.add_route("/metrics", Metrics())
    mounted = ops_api.add_routes(app, services)
    log.info("ops_api_routes", mounted=mounted)
    return app


class OperatorServer:
    """waitress in a background thread; `close()` stops it."""

    def __init__(self, app, bind: str, port: int) -> None:
        self._server = create_server(
            app, host=bind, port=port, threads=4, ident="klaxon", clear_untrusted_proxy_headers=True
        )
        self.port = self._server.effective_port
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)

    def start(self) -> OperatorServer:
        self._thread.start()
        log.info("http_listening", port=self.port)
        return self

    def close(self) -> None:
        self._server.close()
