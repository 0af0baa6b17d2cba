"""Timed work on one claimed incident: reconcile a half-done declaration, escalate, nudge
for a lead or an update, remind about follow-ups, archive the channel. Every rule about
*when* lives in incident/due_times.py; this module decides nothing about time, it carries
the work out through the surface (`services.surface`).

Each piece returns the due times to write back. A failed delivery returns a retry time
instead, so the work is tried again on a later tick, never lost and never doubled.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from incident import archiving, checklists, due_times, paging, status_page_mirror
from incident.ports import Escalation
from incident.services import Services
from incident.vocabulary import is_slack_user
from observability import metrics
from settings.durations import humanize
from store import audit, due, followups, incidents
from store.models import Incident

log = structlog.get_logger("klaxon.timed")


def _is_due(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def run_due(services: Services, incident: Incident, now: datetime, *, owner: str) -> None:
    changes: dict = {}
    if _is_due(incident.next_reconcile_at, now):
        try:
            changes.update(_reconcile(services, incident, now, owner))
        except due.HoldLost:
            log.warning("lease_lost", incident_ref=incident.display_ref)
            return
    if _is_due(incident.next_escalation_at, now):
        changes.update(_escalate(services, incident, now))
    if _is_due(incident.next_lead_nudge_at, now):
        changes.update(_lead_nudge(services, incident, now))
    if _is_due(incident.next_update_nudge_at, now):
        changes.update(_update_nudge(services, incident, now))
    if _is_due(incident.next_followup_at, now):
        changes.update(_followup_reminder(services, incident, now))
    if _is_due(incident.next_status_page_sync_at, now):
        changes.update(status_page_mirror.mirror(services, incident, now))
    if _is_due(changes.get("next_page_at", incident.next_page_at), now):
        changes.update(paging.deliver_due(services, incident, now))
    if _is_due(incident.next_checklist_at, now):
        changes.update(checklists.nudge_overdue(services, incident, now))
    if _is_due(incident.next_archive_at, now):
        changes.update(archiving.archive_due(services, incident, now))
    if not due.release(incident, owner=owner, **changes):
        log.warning("lease_lost", incident_ref=incident.display_ref)


def _retry(services: Services, name: str, now: datetime) -> dict:
    return {name: due_times.retry_at(services.config, now)}


def _reconcile(services: Services, incident: Incident, now: datetime, owner: str) -> dict:
    hold = due.Hold(incident.id, owner, incident.lease_until, due.LEASE)
    failures = services.surface.build_place(incident, hold, resuming=True)
    if failures:
        attempts = incident.reconcile_attempts + 1
        log.warning(
            "reconcile_incomplete",
            incident_ref=incident.display_ref,
            attempts=attempts,
            failures=failures,
        )
        if attempts >= due_times.RECONCILE_ATTEMPTS:
            return _give_up_reconciling(services, incident, failures, now)
        return {
            "reconcile_attempts": attempts,
            "next_reconcile_at": due_times.next_reconcile(services.config, attempts, now),
        }
    incidents.add_event(
        incident, "reconciled", "Declaration completed after a Slack failure", now=now
    )
    log.info("incident_reconciled", incident_ref=incident.display_ref)
    if is_slack_user(incident.reporter_id):
        services.surface.declaration_completed(incident)
    return {"reconcile_attempts": 0, "next_reconcile_at": None}


def _give_up_reconciling(services: Services, incident: Incident, failures, now) -> dict:
    """Slack keeps refusing (a permission, a deleted channel): stop, and say what is left."""
    listed = "; ".join(failures)
    incidents.add_event(incident, "reconcile_failed", f"Gave up completing: {listed}", now=now)
    log.error("reconcile_gave_up", incident_ref=incident.display_ref, failures=failures)
    if is_slack_user(incident.reporter_id):
        services.surface.declaration_abandoned(incident, failures)
    return {"reconcile_attempts": due_times.RECONCILE_ATTEMPTS, "next_reconcile_at": None}


def _escalate(services: Services, incident: Incident, now: datetime) -> dict:
    if incident.acknowledged_at is not None or incident.status == "resolved":
        return {"next_escalation_at": None}
    step = due_times.escalation_step(services.config, incident, now)
    if step is None:
        return {"next_escalation_at": due_times.resume_escalation_at(services.config, incident)}
    escalation = Escalation(
        level=step.level,
        skipped=tuple(step.skipped),
        repeat=step.repeat,
        waited=humanize(now - incident.declared_at),
    )
    slack_targets, page_targets = paging.split(step.targets)
    delivered = [
        target
        for target in slack_targets
        if services.surface.escalate(incident, target, escalation)
    ]
    paged = paging.request(incident, page_targets, now)
    pages_due = {"next_page_at": now} if paged else {}
    if slack_targets and not delivered:
        return {**_retry(services, "next_escalation_at", now), **pages_due}
    delivered += paged
    if not delivered:  # a repeat of pages already sent: a page never goes out twice
        return {"escalation_level": step.level, "next_escalation_at": step.next_at}
    skipped = f" (skipped level {', '.join(map(str, step.skipped))})" if step.skipped else ""
    text = f"Escalation level {step.level}{skipped}: notified {', '.join(delivered)}"
    incidents.add_event(incident, "escalated", text, now=now)
    audit.record(
        "incident_escalated",
        actor_id=None,
        incident=incident,
        level=step.level,
        skipped=list(step.skipped),
        targets=delivered,
        repeat=step.repeat,
    )
    metrics.escalations.labels(str(step.level)).inc()
    log.info(
        "incident_escalated",
        incident_ref=incident.display_ref,
        escalation_level=step.level,
        skipped=list(step.skipped),
        targets=delivered,
    )
    if step.level != incident.escalation_level:
        incident.escalation_level = step.level
        services.surface.refreshed(incident)
    return {"escalation_level": step.level, "next_escalation_at": step.next_at, **pages_due}


def _lead_nudge(services: Services, incident: Incident, now: datetime) -> dict:
    if incident.lead_id or incident.status == "resolved" or not incident.channel_id:
        return {"next_lead_nudge_at": None}
    waited = humanize(now - incident.declared_at)
    if not services.surface.nudge_lead(incident, waited):
        return _retry(services, "next_lead_nudge_at", now)
    incidents.add_event(incident, "nudge", f"Lead nudge after {waited}", now=now)
    metrics.nudges.labels("lead").inc()
    log.info("lead_nudged", incident_ref=incident.display_ref)
    return {"next_lead_nudge_at": None}


def _update_nudge(services: Services, incident: Incident, now: datetime) -> dict:
    if incident.status == "resolved" or not incident.channel_id:
        return {"next_update_nudge_at": None}
    silence = humanize(now - (incident.last_update_at or incident.declared_at))
    if not services.surface.nudge_update(incident, silence):
        return _retry(services, "next_update_nudge_at", now)
    incidents.add_event(incident, "nudge", f"Update nudge after {silence} without one", now=now)
    metrics.nudges.labels("update").inc()
    log.info("update_nudged", incident_ref=incident.display_ref, silence=silence)
    return due_times.after_update_nudge(services.config, incident, now)


def _followup_reminder(services: Services, incident: Incident, now: datetime) -> dict:
    if incident.status != "resolved":
        return {"next_followup_at": None}
    open_items = [item for item in followups.of(incident) if item.done_at is None]
    if not services.surface.remind_follow_ups(incident, open_items):
        return _retry(services, "next_followup_at", now)
    incidents.add_event(incident, "nudge", "Follow-up reminder sent", now=now)
    metrics.nudges.labels("followup").inc()
    log.info("followup_reminded", incident_ref=incident.display_ref, open=len(open_items))
    return {"next_followup_at": None}
