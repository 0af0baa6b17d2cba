"""The answers to nudges: snooze the next update nudge, take or choose the lead."""

from __future__ import annotations

from dataclasses import dataclass

from incident import due_times, lifecycle
from incident.access import Caller
from incident.acknowledge import AlreadyResolved
from incident.outcomes import NotFound
from incident.services import Services
from incident.vocabulary import Changes, Status
from store import incidents
from store.fields import utcnow
from store.models import Incident

SNOOZE_MINUTES = (30, 120)


@dataclass(frozen=True)
class Snoozed:
    incident: Incident
    minutes: int


def snooze(
    services: Services, caller: Caller, incident_id: str, minutes: int
) -> Snoozed | AlreadyResolved | NotFound:
    """Put the next update nudge `minutes` away (one of SNOOZE_MINUTES)."""
    incident = incidents.get(incident_id)
    if incident is None or minutes not in SNOOZE_MINUTES:
        return NotFound(incident_id)
    if incident.status == Status.RESOLVED:
        return AlreadyResolved(incident)
    now = utcnow()
    incidents.update_fields(incident, **due_times.snoozed(now, minutes))
    incidents.add_event(
        incident,
        "nudge_snoozed",
        f"Update nudges snoozed for {minutes} min",
        actor_id=caller.key,
        now=now,
    )
    return Snoozed(incident, minutes)


def set_lead(
    services: Services, caller: Caller, incident_id: str, lead_id: str
) -> lifecycle.UpdateOutcome:
    """Someone takes or hands the lead from the lead nudge."""
    return lifecycle.update(services, caller, incident_id, Changes(lead_id=lead_id))
