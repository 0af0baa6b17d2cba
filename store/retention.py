"""Retention: remove resolved incidents (with their timelines and follow-ups) past an age."""

from __future__ import annotations

from datetime import datetime

from store.db import write_transaction
from store.models import FollowUp, Incident, TimelineEvent


def purgeable(resolved_before: datetime) -> list[Incident]:
    """Resolved incidents resolved before the cutoff; open incidents are never included."""
    return list(
        Incident.select()
        .where((Incident.status == "resolved") & (Incident.resolved_at < resolved_before))
        .order_by(Incident.ref)
    )


def purge(doomed: list[Incident]) -> dict[str, int]:
    """Delete the incidents and everything hanging off them, in one transaction."""
    ids = [incident.id for incident in doomed]
    if not ids:
        return {"incidents": 0, "timeline_events": 0, "follow_ups": 0}
    with write_transaction():
        events = TimelineEvent.delete().where(TimelineEvent.incident.in_(ids)).execute()
        items = FollowUp.delete().where(FollowUp.incident.in_(ids)).execute()
        removed = (
            Incident.delete()
            .where(Incident.id.in_(ids) & (Incident.status == "resolved"))
            .execute()
        )
    return {"incidents": removed, "timeline_events": events, "follow_ups": items}
