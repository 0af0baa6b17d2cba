"""The status page's process: `python -m web.status_page`, started by the daemon.

It reads the same configuration and database as the daemon, looks for newly published
state every `refresh` seconds (one indexed query; a new snapshot only when it changed),
and serves from memory in between. It exits when told to (SIGTERM) or when the daemon that
started it is gone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import structlog

from observability import logs
from settings.config import load
from settings.errors import ConfigError
from store import db
from store import status_page as published
from web.status_page import http, state
from web.status_page.cache import Site

log = structlog.get_logger("klaxon.status_page")
# Where the idle scheduling class is missing, the page runs at this niceness instead.
NICENESS = 10


def _give_way_to_the_daemon() -> None:
    """The page runs in Linux's idle scheduling class: a refresh storm may slow the page (it
    is served from memory, and browsers cache it), never Slack's acks. A daemon thread that
    wakes (an envelope to ack) takes a CPU the page holds at once, where at a niceness it
    may wait out the page's time slice; measured in docs/performance.md. The page still has
    every CPU nothing else wants."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(NICENESS)


def _site(config, database) -> Site:
    settings = config.status_page

    def version(now: datetime) -> tuple:
        with database.connection_context():
            return (published.version(), now.astimezone(UTC).date())

    def page(now: datetime) -> state.Page:
        with database.connection_context():
            incidents = published.page_incidents(state.window_start(settings, now))
        return state.build(settings, incidents, now)

    base_url = settings.url or f"http://{settings.bind}:{settings.port}"
    return Site(version, page, base_url, settings.max_age)


async def _run(site: Site, settings) -> None:
    loop = asyncio.get_running_loop()
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="status-page-store")
    parent = os.getppid()
    await loop.run_in_executor(reader, site.refresh, datetime.now(UTC))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def ready() -> None:
        log.info("status_page_listening", bind=settings.bind, port=settings.port)

    server = asyncio.create_task(http.serve(site.respond, settings.bind, settings.port, ready))

    async def refresh_forever() -> None:
        while True:
            await asyncio.sleep(settings.refresh)
            if os.getppid() != parent:
                log.warning("status_page_orphaned")
                stop.set()
                return
            try:
                if await loop.run_in_executor(reader, site.refresh, datetime.now(UTC)):
                    log.info("status_page_refreshed")
            except Exception as error:  # the database is away: keep serving what we have
                log.warning("status_page_refresh_failed", error=str(error).strip()[:200])

    refresher = asyncio.create_task(refresh_forever())
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({server, stopping}, return_when=asyncio.FIRST_COMPLETED)
    refresher.cancel()
    server.cancel()
    reader.shutdown(wait=False)
    if server in done and server.exception() is not None:
        raise server.exception()


def main() -> int:
    try:
        config = load(require_tokens=False)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    settings = config.status_page
    secrets = (settings.atlassian.api_key,) if settings and settings.atlassian else ()
    logs.configure(config.log_level, secrets=secrets)
    if settings is None or settings.port == 0:
        log.error("status_page_not_configured")
        return 2
    _give_way_to_the_daemon()
    database = db.open_database(config.database_url)
    try:
        asyncio.run(_run(_site(config, database), settings))
    except OSError as error:
        log.error(
            "status_page_cannot_listen",
            bind=settings.bind,
            port=settings.port,
            error=error.strerror or str(error),
        )
        return 1
    log.info("status_page_stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
