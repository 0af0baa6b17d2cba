"""Incident types ([types.<name>]): what a type brings at declaration (severity, privacy,
invitees, escalation policy, checklist), and `/incident type <name>` to change it later.

Privacy is decided at declaration: Slack cannot turn a public channel private, so a public
incident is never moved to a private type, and a private incident stays private whatever
its type becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from incident import access
from incident.access import Caller, Denied
from incident.outcomes import NotFound
from incident.services import Services
from incident.vocabulary import Reason, Refused
from settings.config import Config
from settings.types import IncidentType
from store import audit, checklists, incidents
from store.db import write_transaction
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.types")


def chosen(config: Config, name: str | None) -> IncidentType | None:
    return config.types.get(name) if name else None


def of(config: Config, incident: Incident) -> IncidentType | None:
    return chosen(config, incident.incident_type)


def checklist_due(kind: IncidentType | None, start: datetime) -> tuple:
    """The type's checklist as (item, due time) from `start`."""
    if kind is None:
        return ()
    return tuple(
        (entry.item, start + entry.within if entry.within else None) for entry in kind.checklist
    )


def unknown_type(config: Config, name: str) -> Refused:
    return Refused(Reason.UNKNOWN_TYPE, "type", (name, tuple(config.types)))


@dataclass(frozen=True)
class TypeChanged:
    incident: Incident
    kind: IncidentType
    before: IncidentType | None
    checklist_added: bool


@dataclass(frozen=True)
class SameType:
    incident: Incident
    kind: IncidentType


def change(
    services: Services, caller: Caller, incident_id: str, name: str
) -> TypeChanged | SameType | Refused | Denied | NotFound:
    """Give the incident another type: its invitees are invited, its checklist posted if
    the incident has none yet. A public incident cannot become a private type."""
    config = services.config
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    kind = chosen(config, name.lower())
    if kind is None:
        return unknown_type(config, name)
    denied = access.check(services, caller, incident=incident, target=name, field="type")
    if denied:
        return denied
    if kind.name == incident.incident_type:
        return SameType(incident, kind)
    if kind.private and not incident.private:
        return Refused(Reason.PRIVACY_FIXED, "type", (kind.label,))
    before = of(config, incident)
    now = utcnow()
    added = False
    with write_transaction():
        if not checklists.of(incident) and kind.checklist:
            checklists.add(incident, list(checklist_due(kind, now)))
            added = True
        incidents.update_fields(
            incident, incident_type=kind.name, next_checklist_at=checklists.next_due(incident)
        )
        was = f" (was {before.label})" if before else ""
        incidents.add_event(
            incident, "type_changed", f"Type: {kind.label}{was}", actor_id=caller.key, now=now
        )
    audit.record(
        "incident_type_changed",
        actor_id=caller.key,
        incident=incident,
        request_id=caller.request_id,
        incident_type=kind.name,
    )
    log.info("incident_type_changed", incident_ref=incident.display_ref, incident_type=kind.name)
    services.surface.type_changed(incident, kind, caller.key, checklist_added=added)
    return TypeChanged(incident, kind, before, added)
