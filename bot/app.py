"""The composition root: the only module that sees every package.

It builds the services, the Bolt app with its listeners, the Socket Mode connection, and
runs until SIGTERM or SIGINT. What starts around the connection (the store, the HTTP port,
the status page's process) is bot/startup.py; how it all stops, bot/shutdown.py.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

import structlog
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot import shutdown, startup
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
from observability import logs
from scheduler import start as start_scheduler
from settings.config import Config
from settings.errors import ConfigError, StartupError
from store import db

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
    database = startup.open_store(config)
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

    shutdown.stop_on_signal(stopping)
    startup.free_dead_leases(database, replica, host)
    try:
        handler.connect()
    except SlackApiError as error:
        raise StartupError(f"Slack refused the app token: {logs.redact(str(error))}") from None
    scheduler = start_scheduler(services, owner=replica)
    http = startup.start_http(services, handler)
    status_page = startup.start_status_page(config)
    log.info("klaxon_started", api_url=config.api_url, database=db.safe_url(config.database_url))
    shutdown.wait_until(stopping)
    return shutdown.stop(services, handler, scheduler, http, status_page)


def _status_page_mirror(config: Config) -> AtlassianStatuspage | None:
    settings = config.status_page
    return AtlassianStatuspage(settings.atlassian) if settings and settings.atlassian else None


def _check_type_groups(services: Services) -> None:
    """A [types] invitee @usergroup Slack does not know stops the start with one line (a
    config error: exit status 2, like a bad setting)."""
    problems = runbook.missing_groups(services.config, services.people)
    if problems:
        raise ConfigError(problems[0])
