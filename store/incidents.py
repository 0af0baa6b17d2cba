"""Queries and updates for incidents and their timeline (declaring one:
store/declarations.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

import peewee

from store import due
from store.db import write_transaction
from store.fields import utcnow
from store.models import Incident, TimelineEvent


def get(incident_id: uuid.UUID | str) -> Incident | None:
    try:
        return Incident.get_or_none(Incident.id == uuid.UUID(str(incident_id)))
    except ValueError:
        return None


def by_ref(ref: int) -> Incident | None:
    return Incident.get_or_none(Incident.ref == ref)


def by_channel(channel_id: str) -> Incident | None:
    return Incident.get_or_none(Incident.channel_id == channel_id)


def by_channel_name(name: str) -> Incident | None:
    return Incident.get_or_none(Incident.channel_name == name)


def reserve_channel_name(incident: Incident, name: str) -> bool:
    """Reserve `name` for the incident's channel unless another incident has (or is
    creating) a channel of that name: one conditional UPDATE, so two declarations of the
    same title at the same moment cannot both take it. True if the incident holds it now."""
    other = Incident.alias()
    taken = other.select(other.id).where((other.channel_name == name) & (other.id != incident.id))
    now = utcnow()
    reserved = (
        Incident.update(channel_name=name, updated_at=now)
        .where((Incident.id == incident.id) & ~peewee.fn.EXISTS(taken))
        .execute()
    )
    if reserved:
        incident.channel_name, incident.updated_at = name, now
    return bool(reserved)


def update_fields(incident: Incident, **changes) -> Incident:
    """Write `changes` to the incident row (and to the in-memory instance)."""
    changes.setdefault("updated_at", utcnow())
    if not any(name in changes for name in due.DUE_FIELDS):
        Incident.update(**changes).where(Incident.id == incident.id).execute()
    else:
        # Due times: next_due_at comes from the row itself, so a concurrent writer of
        # another due time (the scheduler, another person) is never overtaken.
        with write_transaction():
            Incident.update(**changes).where(Incident.id == incident.id).execute()
            due.refresh_next_due(incident.id)
    for name, value in changes.items():
        setattr(incident, name, value)
    return incident


def add_event(
    incident: Incident,
    kind: str,
    text: str,
    actor_id: str | None = None,
    now=None,
    *,
    message_ts: str | None = None,
    permalink: str | None = None,
) -> TimelineEvent:
    return TimelineEvent.create(
        incident=incident,
        kind=kind,
        text=text,
        actor_id=actor_id,
        occurred_at=now or utcnow(),
        message_ts=message_ts,
        permalink=permalink,
    )


def apply_changes(
    incident: Incident,
    changes: dict,
    events: list[tuple[str, str]],
    *,
    actor_id: str,
    now: datetime | None = None,
) -> Incident:
    """Write field changes and their timeline events in one transaction."""
    now = now or utcnow()
    with write_transaction():
        update_fields(incident, **changes, updated_at=now)
        for kind, text in events:
            add_event(incident, kind, text, actor_id=actor_id, now=now)
    return incident


def remove_pin(incident: Incident, message_ts: str) -> int:
    return (
        TimelineEvent.delete()
        .where(
            (TimelineEvent.incident == incident)
            & (TimelineEvent.kind == "pin")
            & (TimelineEvent.message_ts == message_ts)
        )
        .execute()
    )


def timeline(incident: Incident) -> list[TimelineEvent]:
    return list(
        TimelineEvent.select()
        .where(TimelineEvent.incident == incident)
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id)
    )


def declared_since(since: datetime, limit: int = 10) -> list[Incident]:
    """Public incidents declared since `since`, newest first, with what a list of them
    shows (ref, severity, title, channel): loading whole rows cost more CPU than the query,
    on every /incident."""
    return list(
        Incident.select(
            Incident.id,
            Incident.ref,
            Incident.severity,
            Incident.title,
            Incident.channel_id,
            Incident.declared_at,
        )
        .where((Incident.declared_at >= since) & ~Incident.private)
        .order_by(Incident.declared_at.desc())
        .limit(limit)
    )


def acknowledge(
    incident: Incident, *, user_id: str, email: str | None, now: datetime | None = None
) -> bool:
    """Record the acknowledgement if nobody has acknowledged it yet. True for the winner.

    One conditional UPDATE decides: of two acknowledgements racing (two people, two
    replicas), exactly one matches `acknowledged_at IS NULL`. An incident someone already
    moved on to `monitoring` keeps that status.
    """
    now = now or utcnow()
    query = Incident.update(
        status=peewee.Case(None, [(Incident.status == "open", "acknowledged")], Incident.status),
        acknowledged_by_id=user_id,
        acknowledged_by_email=email,
        acknowledged_at=now,
        updated_at=now,
    ).where(
        (Incident.id == incident.id)
        & Incident.acknowledged_at.is_null()
        & (Incident.status != "resolved")
    )
    with write_transaction():
        if query.execute() != 1:
            return False
        # Acknowledged: escalation stops at once, even a level due in this very tick.
        update_fields(Incident.get_by_id(incident.id), next_escalation_at=None, updated_at=now)
        add_event(incident, "acknowledged", "Acknowledged", actor_id=user_id, now=now)
    return True


SEVERITY_ORDER = peewee.Case(
    Incident.severity, [("SEV1", 1), ("SEV2", 2), ("SEV3", 3), ("SEV4", 4)], 5
)


def awaiting_acknowledgement(limit: int = 20) -> list[Incident]:
    """Unresolved incidents nobody has acknowledged: most severe first, then newest. Private
    incidents are never listed (the list is shown outside their channel)."""
    return list(
        Incident.select()
        .where(
            Incident.acknowledged_at.is_null() & (Incident.status != "resolved") & ~Incident.private
        )
        .order_by(SEVERITY_ORDER, Incident.declared_at.desc())
        .limit(limit)
    )


def count_open() -> dict[tuple[str, str], int]:
    """Unresolved incidents by (severity, status)."""
    query = (
        Incident.select(Incident.severity, Incident.status, peewee.fn.COUNT(Incident.id))
        .where(Incident.status != "resolved")
        .group_by(Incident.severity, Incident.status)
        .tuples()
    )
    return {(severity, status): count for severity, status, count in query}
