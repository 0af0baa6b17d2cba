"""Update and resolve: check a change, persist it with its timeline events, then tell the
world through `services.surface.updated`.

A change is checked as a whole before anything is written: a forbidden transition, a value
out of bounds or a missing permission changes nothing and is returned as a value.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import structlog

from incident import acknowledge, due_times, paging, report, timeline
from incident.access import Caller, Denied, check
from incident.outcomes import NotFound
from incident.ports import Change
from incident.services import Services
from incident.vocabulary import (
    FIELD_INPUTS,
    LIMITS,
    SEVERITIES,
    Changes,
    Permission,
    Reason,
    Refused,
    Status,
    fit,
    permission_for,
    transition_refusal,
)
from store import audit, incidents
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.lifecycle")
CHECKED_LENGTHS = ("title", "impact", "description", "root_cause")


@dataclass(frozen=True)
class Updated:
    incident: Incident
    change: Change


@dataclass(frozen=True)
class Unchanged:
    """Everything asked for was already so."""

    incident: Incident


@dataclass(frozen=True)
class Blocked:
    """Nothing changed: `why` is the refusal, the missing permission, or what stopped the
    acknowledgement a status change to acknowledged needed."""

    incident: Incident
    why: Refused | Denied | acknowledge.AckOutcome


@dataclass(frozen=True)
class Editable:
    """A form may open on this incident."""

    incident: Incident


UpdateOutcome = Updated | Unchanged | Blocked | NotFound


def _effective(incident: Incident, changes: Changes) -> dict:
    """Only the fields whose value really changes."""
    effective = {}
    for item in fields(changes):
        if item.name in ("note", "resolution"):
            continue
        value = getattr(changes, item.name)
        if value is not None and value != getattr(incident, item.name):
            effective[item.name] = value
    return effective


def _refusal(
    services: Services, caller: Caller, incident: Incident, effective: dict, system: bool
) -> Refused | Denied | None:
    if "status" in effective:
        refused = transition_refusal(incident.status, effective["status"])
        if refused:
            return refused
    if "severity" in effective and effective["severity"] not in SEVERITIES:
        return Refused(Reason.BAD_SEVERITY, "severity")
    for name in CHECKED_LENGTHS:
        if len(effective.get(name, "")) > LIMITS[name]:
            return Refused(Reason.TOO_LONG, name)
    if "impact_started_at" in effective:
        refused = timeline.time_refusal(
            incident, effective["impact_started_at"], "impact_started", utcnow()
        )
        if refused:
            return refused
    if system or not effective:  # nothing changes, so there is nothing to allow
        return None
    needs = permission_for(effective.keys(), lead_seat_empty=incident.lead_id is None)
    steering = next((f for f in ("status", "severity", "lead_id") if f in effective), "status")
    denied = check(
        services,
        caller,
        incident=incident,
        needs=needs,
        fields=tuple(sorted(effective)),
        field=FIELD_INPUTS.get(steering, steering),
    )
    if denied or "impact_started_at" not in effective:
        return denied
    # When impact started moves the report's times: it is a timeline edit.
    return check(
        services,
        caller,
        incident=incident,
        needs=Permission.EDIT_TIMELINE,
        fields=tuple(sorted(effective)),
        field=FIELD_INPUTS["impact_started_at"],
    )


def _find(incident: Incident | str) -> Incident | None:
    return incidents.get(incident) if isinstance(incident, str) else incident


def in_channel(channel_id: str) -> Incident | None:
    """The incident whose channel this is, if any."""
    return incidents.by_channel(channel_id)


def refusal(
    services: Services, caller: Caller, incident: Incident | str, changes: Changes
) -> Refused | Denied | NotFound | None:
    """What would refuse `changes` (audited like a real attempt), or None."""
    found = _find(incident)
    if found is None:
        return NotFound(str(incident))
    return _refusal(services, caller, found, _effective(found, changes), system=False)


def editable(
    services: Services, caller: Caller, incident_id: str, *, resolving: bool = False
) -> Editable | NotFound | Blocked:
    """The incident a form is about to edit, or why the form should not open. Resolving is
    refused before the form opens, with the same rule (and audit) as a submission."""
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    if not resolving:
        return Editable(incident)
    if incident.status == Status.RESOLVED:
        return Blocked(incident, acknowledge.AlreadyResolved(incident))
    refused = _refusal(
        services, caller, incident, _effective(incident, Changes(status=Status.RESOLVED)), False
    )
    return Blocked(incident, refused) if refused else Editable(incident)


def update(
    services: Services,
    caller: Caller,
    incident: Incident | str,
    changes: Changes,
    *,
    system: bool = False,
) -> UpdateOutcome:
    """Apply `changes` to the incident (or the incident with that id). `system` is set
    when Klaxon itself changes it (an alert resolved): no permission applies then."""
    found = _find(incident)
    if found is None:
        return NotFound(str(incident))
    incident = found
    effective = _effective(incident, changes)
    refused = _refusal(services, caller, incident, effective, system)
    if refused:
        return Blocked(incident, refused)
    if effective.get("status") == Status.ACKNOWLEDGED and incident.acknowledged_at is None:
        acked = acknowledge.acknowledge(
            services,
            Caller(caller.actor, Permission.ACKNOWLEDGE, caller.request_id),
            str(incident.id),
        )
        if not isinstance(acked, (acknowledge.Acknowledged, acknowledge.AlreadyAcknowledged)):
            return Blocked(incident, acked)
        incident = incidents.get(incident.id)
        effective = _effective(incident, changes)
    note = (changes.note or "").strip()
    if not effective and not note:
        return Unchanged(incident)
    return Updated(incident, _apply(services, caller, incident, effective, changes, note))


def _apply(
    services: Services,
    caller: Caller,
    incident: Incident,
    effective: dict,
    changes: Changes,
    note: str,
) -> Change:
    actor_id = caller.key
    now = utcnow()
    events = timeline.events(incident, effective, note)
    before = {name: getattr(incident, name) for name in effective}
    after = dict(effective)
    if note:
        effective["latest_update"] = fit(note, "note")
    if effective.get("status") == Status.MONITORING and incident.mitigated_at is None:
        effective["mitigated_at"] = now  # the first monitoring: time to mitigate
    if effective.get("status") == Status.RESOLVED:
        effective["resolved_at"] = now
        effective["resolution"] = (changes.resolution or "").strip()
    elif "status" in effective and before["status"] == Status.RESOLVED:
        effective["resolved_at"] = None
    timers = due_times.on_changed(services.config, incident, effective, now)
    incidents.apply_changes(incident, {**effective, **timers}, events, actor_id=actor_id, now=now)
    audit.record(
        "incident_updated",
        actor_id=actor_id,
        incident=incident,
        request_id=caller.request_id,
        fields=sorted(effective),
    )
    log.info(
        "incident_updated",
        incident_ref=incident.display_ref,
        user=actor_id,
        fields=sorted(effective),
    )
    change = Change(before=before, after=after, note=note, actor_id=actor_id)
    services.surface.updated(incident, change)
    if effective.get("status") == Status.RESOLVED:
        paging.incident_resolved(services, incident)
        report.post(services, incident)  # once per resolution, after "resolved by …"
    return change
