"""What the daemon starts around its Slack connection: the store (migrated), the leases of
replicas that died, the operator HTTP port and the public status page's process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import structlog

from incident.services import Services
from observability import logs, metrics
from settings.config import Config
from settings.errors import StartupError
from store import db, due, incidents, migrate
from web.status_page.process import StatusPageProcess

if TYPE_CHECKING:
    from web.server import OperatorServer

log = structlog.get_logger("klaxon")


def open_store(config: Config):
    database = db.open_database(config.database_url)
    try:
        applied = migrate.apply(database)
    except Exception as error:
        raise StartupError(
            f"database error: {db.safe_url(config.database_url)}: "
            + logs.redact(" ".join(str(error).split()))
        ) from None
    if applied:
        log.info("migrations_applied", migrations=applied)
    return database


def free_dead_leases(database, replica: str, host: str) -> None:
    with database.connection_context():
        freed = due.free_leases_of_dead_replicas(replica, host=host, is_running=_is_running)
    if freed:
        log.info("dead_leases_freed", incidents=freed)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def start_http(services: Services, handler) -> OperatorServer | None:
    config = services.config
    if config.http_port == 0:
        return None
    # falcon, waitress and PyJWT (with cryptography): imported only when serving HTTP.
    from web.server import OperatorServer, application

    metrics.watch_open_incidents(services.database, incidents.count_open)
    try:
        server = OperatorServer(
            application(services, handler.client.is_connected),
            config.http_bind,
            config.http_port,
        )
    except OSError as error:
        raise StartupError(
            f"[http].port: cannot listen on {config.http_bind}:{config.http_port}: {error.strerror}"
        ) from None
    return server.start()


def start_status_page(config: Config) -> StatusPageProcess | None:
    """The public status page's own process ([status_page]; PRODUCT.md §13)."""
    if config.status_page is None or config.status_page.port == 0:
        return None
    return StatusPageProcess(config.status_page).start()
