"""Declare: persist the incident, then build its place in Slack.

The incident row is committed before any Slack call, with a reconciliation due time and a
lease held by the replica that goes on to build it; so no failure, timeout or crash can lose
it or leave it half-built: if the builder does not finish and clear the due time, the
scheduler carries on once the lease is free. Each Slack step records what it achieved on the
row as it goes (channel, summary, announcement), and a step whose answer may have been lost
(a timeout, a crash) is looked up in Slack before it is done again, so nothing appears twice.
"""

from __future__ import annotations

import re
from datetime import timedelta

import structlog
from slack_sdk.errors import SlackApiError

from incident import due_times
from incident.services import Services
from integrations.slack import declaration, declare_modal, messages
from integrations.slack.client import error_code
from integrations.slack.declare_modal import DeclareForm
from integrations.slack.reply import reply
from store import audit, due, incidents
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.declare")
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
    """Record the incident and build it in Slack, in the caller's thread."""
    incident, hold = record(
        services,
        form,
        reporter_id=reporter_id,
        declaration_key=declaration_key,
        request_id=request_id,
        incident_key=incident_key,
        route=route,
    )
    if hold is not None:
        build(services, incident, hold, response_url=response_url)
    return incident


def record(
    services: Services,
    form: DeclareForm,
    *,
    reporter_id: str,
    declaration_key: str | None = None,
    request_id: str | None = None,
    incident_key: str | None = None,
    route: str | None = None,
) -> tuple[Incident, due.Hold | None]:
    """Persist the incident, leased to this replica for `build`.

    The hold is None when the declaration was seen before (a redelivery): whoever recorded
    it first builds it.
    """
    now = utcnow()
    hold = due.Hold(None, services.replica, now + due.LEASE, due.LEASE)
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
        schedule={
            **due_times.on_declared(services.config, form.severity, form.lead_id, now),
            "next_reconcile_at": due_times.next_reconcile(services.config, 0, now),
        },
        held_by=hold,
    )
    if not created:
        log.info("declaration_redelivered", incident_ref=incident.display_ref)
        return incident, None
    hold.incident_id = incident.id
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
    return incident, hold


def build(
    services: Services, incident: Incident, hold: due.Hold, *, response_url: str | None = None
) -> None:
    """Create the incident's place in Slack, release the hold, and tell the reporter.

    Whatever fails stays due for reconciliation (backing off); when everything is done the
    reconciliation due time is cleared.
    """
    try:
        failures = declaration.complete_setup(services, incident, hold, resuming=False)
    except due.HoldLost:
        log.warning("declaration_taken_over", incident_ref=incident.display_ref)
        return
    now = utcnow()
    next_try = due_times.next_reconcile(services.config, 0, now) if failures else None
    if not due.release(incident, owner=hold.owner, next_reconcile_at=next_try):
        log.warning("lease_lost", incident_ref=incident.display_ref)
    if SLACK_USER.fullmatch(incident.reporter_id):  # not when a machine (an alert) declared it
        tell_reporter(services, incident, failures, response_url)


def tell_reporter(
    services: Services, incident: Incident, failures: list[str], response_url: str | None
) -> None:
    """Tell the reporter how it went, where they typed /incident."""
    reply(
        services.slack,
        user_id=incident.reporter_id,
        text=messages.confirmation_text(incident, failures),
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
            trigger_id=trigger_id, view=declare_modal.modal(title, metadata, recent)
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
