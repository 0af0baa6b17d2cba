"""Declare: persist the incident, then build its place (through the surface).

The incident row is committed before any Slack call, with a reconciliation due time and a
lease held by the replica that goes on to build it; so no failure, timeout or crash can lose
it or leave it half-built: if the builder does not finish and clear the due time, the
scheduler carries on once the lease is free. What the Slack steps achieved (channel,
summary, announcement) is recorded on the row as they end, and a step whose answer may have
been lost (a timeout, a crash) is looked up in Slack before it is done again, so nothing
appears twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from incident import due_times, types
from incident.access import Caller
from incident.services import Services
from store import audit, declarations, due, incidents
from store.db import in_write_transaction
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.declare")
# The declare form lists incidents this recent, so nobody declares the same one twice.
RECENT_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class DeclareForm:
    """What a declaration says (from the declare modal, or composed from an alert)."""

    title: str
    severity: str
    impact: str
    description: str
    lead_id: str | None
    # [types.<name>] chosen on the form, and the Private box (a private type forces it).
    incident_type: str | None = None
    private: bool = False


@dataclass(frozen=True)
class Declared:
    """The declaration ran; `failures` lists the steps that did not work (kept due for
    reconciliation), in words the reporter understands."""

    incident: Incident
    failures: list[str]


@dataclass(frozen=True)
class TakenOver:
    """Another replica took the declaration over (this one stalled past its lease)."""

    incident: Incident


def declare(
    services: Services,
    caller: Caller,
    form: DeclareForm,
    *,
    declaration_key: str | None = None,
    incident_key: str | None = None,
    route: str | None = None,
) -> Incident:
    """Record the incident and build its place, in the caller's thread."""
    incident, hold = record(
        services,
        caller,
        form,
        declaration_key=declaration_key,
        incident_key=incident_key,
        route=route,
    )
    if hold is not None:
        build(services, incident, hold)
    return incident


@in_write_transaction  # the incident, its timeline and its audit line commit together, once
def record(
    services: Services,
    caller: Caller,
    form: DeclareForm,
    *,
    declaration_key: str | None = None,
    incident_key: str | None = None,
    route: str | None = None,
) -> tuple[Incident, due.Hold | None]:
    """Persist the incident the caller reports, leased to this replica for `build`.

    The hold is None when the declaration was seen before (a redelivery): whoever recorded
    it first builds it.
    """
    reporter_id, request_id = caller.key, caller.request_id
    now = utcnow()
    hold = due.Hold(None, services.replica, now + due.LEASE, due.LEASE)
    kind = types.chosen(services.config, form.incident_type)
    checklist = types.checklist_due(kind, now)
    incident, created = declarations.declare(
        declarations.NewIncident(
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
            private=form.private or bool(kind and kind.private),
            incident_type=kind.name if kind else None,
            checklist=checklist,
        ),
        now=now,
        schedule={
            **due_times.on_declared(
                services.config, form.severity, form.lead_id, now, kind=kind and kind.name
            ),
            "next_reconcile_at": due_times.next_reconcile(services.config, 0, now),
            "next_checklist_at": min((d for _, d in checklist if d), default=None),
        },
        held_by=hold,
        channel_name=services.surface.place_name,
        audited=lambda incident: audit.entry(
            "incident_declared",
            actor_id=reporter_id,
            incident=incident,
            request_id=request_id,
            severity=incident.severity,
        ),
        # What may follow (another name, when the first was taken) commits apart: a lost
        # reservation costs nothing, as the channel's creation reserves names again.
        alone=True,
    )
    if not created:
        log.info("declaration_redelivered", incident_ref=incident.display_ref)
        return incident, None
    hold.incident_id = incident.id
    services.surface.name_place(incident)  # no query when the first name was free
    log.info(
        "incident_declared",
        incident_id=str(incident.id),
        incident_ref=incident.display_ref,
        severity=incident.severity,
        reporter=reporter_id,
        lead=incident.lead_id,
    )
    return incident, hold


def build(services: Services, incident: Incident, hold: due.Hold) -> Declared | TakenOver:
    """Create the incident's place (through the surface) and release the hold.

    Whatever fails stays due for reconciliation (backing off); when everything is done the
    reconciliation due time is cleared.
    """
    try:
        failures = services.surface.build_place(incident, hold, resuming=False)
    except due.HoldLost:
        log.warning("declaration_taken_over", incident_ref=incident.display_ref)
        return TakenOver(incident)
    now = utcnow()
    next_try = due_times.next_reconcile(services.config, 0, now) if failures else None
    if not due.release(incident, owner=hold.owner, next_reconcile_at=next_try):
        log.warning("lease_lost", incident_ref=incident.display_ref)
    return Declared(incident, failures)


def recent(before: datetime | None = None) -> list[Incident]:
    """Incidents declared lately (the declare form offers to join one instead), up to
    `before`: a form never lists the incident its own submission declared meanwhile."""
    now = utcnow()
    listed = incidents.declared_since(now - RECENT_WINDOW)
    return [i for i in listed if before is None or i.declared_at <= before]
