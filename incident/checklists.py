"""Checklists: ticking and unticking items in the channel, and the one nudge for an item
still open past its `within` (run from incident/due_work.py under the incident's lease)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from incident import access
from incident.access import Caller, Denied
from incident.outcomes import NotFound
from incident.services import Services
from observability import metrics
from store import audit, checklists, incidents
from store.models import ChecklistItem, Incident

log = structlog.get_logger("klaxon.checklists")
# Each checkboxes element of the checklist message holds this many items (Slack's limit).
PER_GROUP = 10


@dataclass(frozen=True)
class Ticked:
    incident: Incident
    ticked: list[ChecklistItem]
    unticked: list[ChecklistItem]


def tick(
    services: Services, caller: Caller, incident_id: str, group: int, selected: set[str]
) -> Ticked | Denied | NotFound:
    """The checkboxes of one group now show `selected` (item ids): tick what was newly
    selected, untick what was cleared, each on the timeline with who and when."""
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    denied = access.check(services, caller, incident=incident, field="checklist")
    if denied:
        return denied
    shown = checklists.of(incident)[group * PER_GROUP : (group + 1) * PER_GROUP]
    ticked, unticked = [], []
    for item in shown:
        wanted = str(item.id) in selected
        if wanted == (item.done_at is not None):
            continue
        if checklists.set_done(item, done=wanted, by=caller.key):
            (ticked if wanted else unticked).append(item)
            verb = "Ticked" if wanted else "Unticked"
            incidents.add_event(incident, "checklist", f"{verb}: {item.text}", actor_id=caller.key)
    if ticked or unticked:
        incidents.update_fields(incident, next_checklist_at=checklists.next_due(incident))
        audit.record(
            "checklist_changed",
            actor_id=caller.key,
            incident=incident,
            request_id=caller.request_id,
            ticked=[i.id for i in ticked],
            unticked=[i.id for i in unticked],
        )
        log.info(
            "checklist_changed",
            incident_ref=incident.display_ref,
            ticked=len(ticked),
            unticked=len(unticked),
        )
    services.surface.checklist_changed(incident)
    return Ticked(incident, ticked, unticked)


def nudge_overdue(services: Services, incident: Incident, now: datetime) -> dict:
    """Nudge once, in the channel, for the open items past their due time; the due times to
    write back (a failed post is retried, an item nudged is never nudged again)."""
    if incident.status == "resolved" or not incident.channel_id:
        return {"next_checklist_at": None}
    items = checklists.overdue(incident, now)
    if items:
        if not services.surface.nudge_checklist(incident, items):
            return {"next_checklist_at": now + services.config.scheduler_retry}
        checklists.mark_nudged(items, now)
        names = "; ".join(item.text for item in items)
        incidents.add_event(incident, "nudge", f"Checklist nudge: {names}", now=now)
        metrics.nudges.labels("checklist").inc()
        log.info("checklist_nudged", incident_ref=incident.display_ref, items=len(items))
    return {"next_checklist_at": checklists.next_due(incident)}
