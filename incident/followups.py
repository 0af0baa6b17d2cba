"""Follow-ups: add them (command, button), mark them done (button)."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import due_times
from incident.access import Caller
from incident.outcomes import NotFound
from incident.services import Services
from store import audit, followups, incidents
from store.fields import utcnow
from store.models import FollowUp, Incident

log = structlog.get_logger("klaxon.followups")


@dataclass(frozen=True)
class Added:
    incident: Incident
    item: FollowUp


@dataclass(frozen=True)
class MarkedDone:
    item: FollowUp


@dataclass(frozen=True)
class AlreadyDone:
    item: FollowUp


def add(
    services: Services,
    caller: Caller,
    incident: Incident | str,
    *,
    text: str,
    owner_id: str | None = None,
) -> Added | NotFound:
    """Add a follow-up to the incident (or the incident with that id)."""
    found = incidents.get(incident) if isinstance(incident, str) else incident
    if found is None:
        return NotFound(str(incident))
    item = followups.add(found, text, owner_id=owner_id, created_by=caller.key)
    audit.record(
        "followup_added",
        actor_id=caller.key,
        incident=found,
        request_id=caller.request_id,
        followup_id=item.id,
    )
    log.info("followup_added", incident_ref=found.display_ref, followup_id=item.id)
    services.surface.follow_up_added(found, item, caller.key)
    return Added(found, item)


def mark_done(
    services: Services, caller: Caller, follow_up_id: str
) -> MarkedDone | AlreadyDone | NotFound:
    item = followups.get(follow_up_id)
    if item is None:
        return NotFound(follow_up_id)
    if not followups.mark_done(item, by=caller.key):
        return AlreadyDone(item)
    audit.record("followup_done", actor_id=caller.key, incident=item.incident, followup_id=item.id)
    log.info("followup_done", incident_ref=item.incident.display_ref, followup_id=item.id)
    if not any(other.done_at is None for other in followups.of(item.incident)):
        archive = due_times.archive_once_follow_ups_done(services.config, item.incident, utcnow())
        if archive:
            incidents.update_fields(item.incident, **archive)
    services.surface.refreshed(item.incident)
    return MarkedDone(item)
