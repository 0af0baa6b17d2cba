"""Declare: persist the incident, then build its place in Slack.

The incident row is committed before any Slack call, so no Slack failure can lose it. Each
Slack step records what it achieved on the row as it goes (channel, summary, announcement),
so a later run of `complete_setup` carries on from where a failed one stopped.
"""

from __future__ import annotations

import re
from datetime import timedelta

import structlog
from slack_sdk.errors import SlackApiError

from bot import declare_form, render, schedule
from bot.declare_form import DeclareForm
from bot.reply import reply
from bot.services import Services
from bot.slack import error_code
from bot.text import channel_name
from bot.workflows.sync import post_joining
from store import audit, incidents
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.declare")
MAX_NAME_ATTEMPTS = 25
SLACK_USER = re.compile(r"[UW][A-Z0-9]+")
# The declare form lists incidents this recent, so nobody declares the same one twice.
RECENT_WINDOW = timedelta(minutes=30)


def declare(
    services: Services,
    form: DeclareForm,
    *,
    reporter_id: str,
    declaration_key: str | None = None,
    response_url: str | None = None,
    request_id: str | None = None,
    incident_key: str | None = None,
    route: str | None = None,
) -> Incident:
    now = utcnow()
    incident, created = incidents.declare(
        incidents.NewIncident(
            title=form.title,
            severity=form.severity,
            reporter_id=reporter_id,
            lead_id=form.lead_id,
            impact=form.impact,
            description=form.description,
            declaration_key=declaration_key,
            incident_key=incident_key,
            route=route,
            alert_count=1 if incident_key else 0,
        ),
        now=now,
        schedule=schedule.on_declared(services.config, form.severity, form.lead_id, now),
    )
    if not created:
        log.info("declaration_redelivered", incident_ref=incident.display_ref)
        return incident
    log.info(
        "incident_declared",
        incident_id=str(incident.id),
        incident_ref=incident.display_ref,
        severity=incident.severity,
        reporter=reporter_id,
        lead=incident.lead_id,
    )
    audit.record(
        "incident_declared",
        actor_id=reporter_id,
        incident=incident,
        request_id=request_id,
        severity=incident.severity,
    )
    failures = complete_setup(services, incident)
    if failures:  # the scheduler finishes the job and tells the reporter
        incidents.update_fields(
            incident, next_reconcile_at=schedule.next_reconcile(services.config, 0, now)
        )
    if SLACK_USER.fullmatch(reporter_id):  # not when a machine (an alert) declared it
        tell_reporter(services, incident, failures, response_url)
    return incident


def complete_setup(services: Services, incident: Incident) -> list[str]:
    """Create whatever of channel, invites, pinned summary and announcement is missing.

    Returns the steps that failed, in words a reporter understands.
    """
    failures: list[str] = []
    if incident.channel_id is None:
        try:
            _create_channel(services, incident)
        except SlackApiError as error:
            _failed(
                failures,
                incident,
                "channel_create",
                error,
                "the incident channel could not be created",
            )
        else:
            _invite(services, incident, failures)
    if incident.channel_id and incident.summary_ts is None:
        _post_summary(services, incident, failures)
    if incident.summary_ts and not incident.summary_pinned:
        _pin_summary(services, incident, failures)
    if incident.announcement_ts is None:
        _announce(services, incident, failures)
    return failures


def _failed(failures: list[str], incident: Incident, step: str, error: Exception, words: str):
    code = error_code(error)
    log.warning("declare_step_failed", step=step, error=code, incident_ref=incident.display_ref)
    failures.append(f"{words} (Slack said: {code})")


def _create_channel(services: Services, incident: Incident) -> None:
    prefix = services.config.channel_prefix
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        name = channel_name(
            prefix, incident.declared_at, incident.title, incident.display_ref, attempt
        )
        if incidents.channel_name_taken(name):
            continue
        try:
            response = services.slack.conversations_create(name=name)
        except SlackApiError as error:
            if error_code(error) == "name_taken":
                continue
            raise
        incidents.update_fields(incident, channel_id=response["channel"]["id"], channel_name=name)
        log.info("incident_channel_created", incident_ref=incident.display_ref, channel=name)
        return
    raise SlackApiError("no free channel name", {"ok": False, "error": "name_taken"})


def _invite(services: Services, incident: Incident, failures: list[str]) -> None:
    people = [
        p
        for p in dict.fromkeys((incident.reporter_id, incident.lead_id))
        if p and SLACK_USER.fullmatch(p)
    ]
    if not people:
        return
    try:
        services.slack.conversations_invite(channel=incident.channel_id, users=",".join(people))
    except SlackApiError as error:
        if error_code(error) != "already_in_channel":
            _failed(
                failures,
                incident,
                "invite",
                error,
                "people could not be invited to the incident channel",
            )


def _post_summary(services: Services, incident: Incident, failures: list[str]) -> None:
    try:
        response = services.slack.chat_postMessage(
            channel=incident.channel_id,
            text=render.summary_text(incident),
            blocks=render.summary_blocks(incident),
        )
    except SlackApiError as error:
        _failed(failures, incident, "summary_post", error, "the summary message was not posted")
        return
    incidents.update_fields(incident, summary_ts=response["ts"])


def _pin_summary(services: Services, incident: Incident, failures: list[str]) -> None:
    try:
        services.slack.pins_add(channel=incident.channel_id, timestamp=incident.summary_ts)
    except SlackApiError as error:
        if error_code(error) != "already_pinned":
            _failed(failures, incident, "summary_pin", error, "the summary message was not pinned")
            return
    incidents.update_fields(incident, summary_pinned=True)


def _announce(services: Services, incident: Incident, failures: list[str]) -> None:
    channel = services.config.incidents_channel
    message = {
        "text": render.announcement_text(incident),
        "blocks": render.announcement_blocks(incident),
    }
    try:
        response = post_joining(services, channel, **message)
    except SlackApiError as error:
        _failed(
            failures, incident, "announce", error, f"the announcement in #{channel} was not posted"
        )
        return
    incidents.update_fields(
        incident, announcement_channel_id=response["channel"], announcement_ts=response["ts"]
    )


def tell_reporter(
    services: Services, incident: Incident, failures: list[str], response_url: str | None
) -> None:
    """Tell the reporter how it went, where they typed /incident."""
    reply(
        services.slack,
        user_id=incident.reporter_id,
        text=render.confirmation_text(incident, failures),
        response_url=response_url,
    )


def open_form(
    services: Services, *, trigger_id: str, user_id: str, title: str, response_url: str | None
) -> None:
    """Open the declare modal. Slack gives us 3 seconds from the command to do it."""
    metadata = {"response_url": response_url} if response_url else {}
    recent = incidents.declared_since(utcnow() - RECENT_WINDOW)
    try:
        services.slack.views_open(
            trigger_id=trigger_id, view=declare_form.modal(title, metadata, recent)
        )
    except SlackApiError as error:
        code = error_code(error)
        log.warning("declare_form_not_opened", error=code)
        reply(
            services.slack,
            user_id=user_id,
            response_url=response_url,
            text=f":warning: The incident form could not open (Slack said: {code}). "
            "Run /incident again.",
        )
