"""The composition root: the only module that sees every package.

It builds the services, the Bolt app with its listeners, the Socket Mode connection, and
runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING

import structlog
from slack_bolt import App
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.pagers import build_pagers, paging_secrets
from bot.socket_mode import AckFirstSocketModeHandler, interaction_kind
from handlers.actions import acknowledge as acknowledge_action
from handlers.actions import checklist_tick as checklist_tick_action
from handlers.actions import followup_done as followup_done_action
from handlers.actions import home as home_actions
from handlers.actions import incident_forms as incident_form_actions
from handlers.actions import lead as lead_action
from handlers.actions import role_claim as role_claim_action
from handlers.actions import snooze as snooze_action
from handlers.actions import status_page as status_page_action
from handlers.commands import incident as incident_command
from handlers.commands import incident_ack as incident_ack_command
from handlers.events import app_home as app_home_events
from handlers.events import channel_unarchive as channel_unarchive_events
from handlers.events import member_joined as member_joined_events
from handlers.events import others as other_events
from handlers.events import pins as pin_events
from handlers.shortcuts import add_to_timeline as add_to_timeline_shortcut
from handlers.views import declare as declare_view
from handlers.views import followup as followup_view
from handlers.views import status_page as status_page_view
from handlers.views import timeline as timeline_view
from handlers.views import update as update_view
from incident.services import Background, Services, new_request_id
from integrations.slack import replies, runbook
from integrations.slack.client import web_client
from integrations.slack.people import People
from integrations.slack.roles import RoleDirectory
from integrations.slack.surface import SlackSurface
from integrations.statuspage.client import AtlassianStatuspage
from observability import logs, metrics
from scheduler import start as start_scheduler
from settings.config import Config
from settings.errors import ConfigError, StartupError
from store import db, due, incidents, migrate
from web.status_page.process import StatusPageProcess

if TYPE_CHECKING:
    from web.server import OperatorServer

log = structlog.get_logger("klaxon")

LISTENERS = (
    incident_command,
    incident_ack_command,
    declare_view,
    update_view,
    followup_view,
    acknowledge_action,
    incident_form_actions,
    followup_done_action,
    snooze_action,
    lead_action,
    status_page_action,
    status_page_view,
    checklist_tick_action,
    role_claim_action,
    add_to_timeline_shortcut,
    home_actions,
    timeline_view,
    pin_events,
    channel_unarchive_events,
    app_home_events,
    member_joined_events,
    other_events,  # last: it takes every event the listeners above did not
)


def _attach(services: Services):
    """Global middleware: give each interaction the services, a request id and log context.

    Bolt runs the listener after the middleware chain has returned, in the same thread, so
    the log context is bound (not scoped) here and replaced at the next interaction.
    """

    def middleware(body, context, next):
        request_id = new_request_id()
        context["services"] = services
        context["request_id"] = request_id
        kind = interaction_kind(body)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, user=context.get("user_id"), interaction=kind
        )
        log.info("interaction_received")
        return next()

    return middleware


def _on_error(error: Exception, body: dict, respond, context) -> None:
    """Log a listener's failure and tell the person where they asked: their interaction
    was acked on arrival (bot/socket_mode.py), so Slack shows them no error of its own."""
    log.error("interaction_failed", interaction=interaction_kind(body or {}), exc_info=error)
    services = context.get("services")
    if respond is not None and services is not None:
        text = replies.FAILED.format(request_id=context.get("request_id"))
        services.background.submit("failure_reply", respond, text=text, replace_original=False)


class _DropClientTokenWarning(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN in the environment is unused when it is given our
    client; that is by design here, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(services: Services) -> App:
    bolt_logger = logging.getLogger("slack_bolt")
    bolt_logger.addFilter(_DropClientTokenWarning())
    app = App(
        client=services.slack,
        logger=bolt_logger,
        # Listeners ack() and hand slow work to the background pool themselves, so Bolt
        # need not poll for the ack (its default runner checks every 10 ms).
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    app.middleware(_attach(services))
    app.error(_on_error)
    for listener in LISTENERS:
        listener.register(app)
    return app


def _open_store(config: Config):
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


SOCKET_CLOSE_GRACE = 0.5
# From SIGTERM to exit, at most about this long (socket close, the scheduler's current
# tick and accepted work share it). deploy/kubernetes.yaml's terminationGracePeriodSeconds
# must stay above it. Retry waits end at once when stopping, so only a Slack or database
# call already in flight can use it up; whatever is still running then is abandoned, and
# completed after the restart by reconciliation and the due times kept in the database.
STOP_BOUND = 10.0
SIGNAL_CHECK = 0.5


def _close_socket(handler: SocketModeHandler) -> threading.Thread:
    """Start closing Socket Mode (the close frame goes out at once), in the background.

    websocket-client's close then waits for the reader thread, which may sit in a blocking
    read for up to its ping interval (10 s). Envelopes not yet acknowledged are redelivered
    by Slack to another connection, so nothing is lost by not waiting for it.
    """
    closer = threading.Thread(target=handler.close, name="socket-close", daemon=True)
    closer.start()
    return closer


def _start_http(services: Services, handler) -> OperatorServer | None:
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


def run(config: Config) -> int:
    mirror = config.status_page.atlassian if config.status_page else None
    logs.configure(
        config.log_level,
        secrets=(
            config.bot_token,
            config.app_token,
            *config.ops_jwt_secrets,
            *config.ops_hmac_secrets,
            *config.ops_alert_tokens,
            mirror.api_key if mirror else "",
            *paging_secrets(config),
        ),
    )
    database = _open_store(config)
    stopping = threading.Event()
    slack = web_client(config, stopping)
    people = People(slack)
    host = socket.gethostname()
    replica = f"{host}:{os.getpid()}"

    services = Services(
        config=config,
        slack=slack,
        database=database,
        background=Background(database, config.workers),
        people=people,
        roles=RoleDirectory(config.roles, people),
        make_surface=SlackSurface,
        replica=replica,
        status_page_mirror=_status_page_mirror(config),
        pagers=build_pagers(config),
    )
    try:
        app = build_app(services)
    except (BoltError, SlackApiError) as error:
        raise StartupError(f"Slack refused the bot token: {logs.redact(str(error))}") from None
    except OSError as error:  # URLError and socket errors: Slack cannot be reached at all
        raise StartupError(f"cannot reach Slack at {config.api_url}: {error}") from None
    _check_type_groups(services)
    handler = AckFirstSocketModeHandler(app, config.app_token, services.background)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: _set_from_another_thread(stopping))
    _free_dead_leases(database, replica, host)
    try:
        handler.connect()
    except SlackApiError as error:
        raise StartupError(f"Slack refused the app token: {logs.redact(str(error))}") from None
    scheduler = start_scheduler(services, owner=replica)
    http = _start_http(services, handler)
    status_page = _start_status_page(config)
    log.info("klaxon_started", api_url=config.api_url, database=db.safe_url(config.database_url))
    # Wake up now and then: the kernel may deliver SIGTERM to any thread, and CPython runs
    # the Python handler only when the main thread next executes bytecode; a bare
    # stopping.wait() could sleep through the signal for good.
    while not stopping.wait(SIGNAL_CHECK):
        pass
    return _stop(services, handler, scheduler, http, status_page)


def _status_page_mirror(config: Config) -> AtlassianStatuspage | None:
    settings = config.status_page
    return AtlassianStatuspage(settings.atlassian) if settings and settings.atlassian else None


def _start_status_page(config: Config) -> StatusPageProcess | None:
    """The public status page's own process ([status_page]; PRODUCT.md §13)."""
    if config.status_page is None or config.status_page.port == 0:
        return None
    return StatusPageProcess(config.status_page).start()


def _check_type_groups(services: Services) -> None:
    """A [types] invitee @usergroup Slack does not know stops the start with one line (a
    config error: exit status 2, like a bad setting)."""
    problems = runbook.missing_groups(services.config, services.people)
    if problems:
        raise ConfigError(problems[0])


def _set_from_another_thread(event: threading.Event) -> None:
    """Set `event` from a signal handler. The handler runs in the main thread, possibly
    while that thread holds the event's own lock inside `event.wait()`: setting it there
    would deadlock, so a short-lived thread sets it once the lock is free."""
    threading.Thread(target=event.set, name="klaxon-signal", daemon=True).start()


def _free_dead_leases(database, replica: str, host: str) -> None:
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


def _stop(services: Services, handler, scheduler, http, status_page=None) -> int:
    """Stop within STOP_BOUND seconds of the signal (see STOP_BOUND)."""
    deadline = time.monotonic() + STOP_BOUND
    log.info("klaxon_stopping")
    closer = _close_socket(handler)
    if http:
        http.close()
    if status_page:
        status_page.close()
    scheduler.shutdown(wait=False)
    finished = services.background.shutdown(timeout=max(0.0, deadline - time.monotonic()))
    if not finished:
        log.warning("klaxon_stop_abandoned_work", bound_seconds=STOP_BOUND)
    closer.join(min(SOCKET_CLOSE_GRACE, max(0.0, deadline - time.monotonic())))
    db.close(services.database)
    log.info("klaxon_stopped", seconds=round(STOP_BOUND - (deadline - time.monotonic()), 2))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Threads still inside a Slack or database call (the scheduler's tick, abandoned work)
    # would hold the interpreter's exit; everything they did is committed or due again.
    os._exit(0)
