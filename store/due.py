"""Finding and claiming due timed work.

Each incident carries its own due times; `next_due_at` is the earliest, indexed, so a tick
with nothing due is one index range scan whatever the number of open incidents. A replica
claims an incident with a lease (a conditional UPDATE), works on it, and releases it with
the new due times. A replica that dies mid-work leaves a lease that simply expires: the
work is retried, never lost; two replicas never hold the same incident at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee

from store.models import Incident

DUE_FIELDS = (
    "next_update_nudge_at",
    "next_lead_nudge_at",
    "next_followup_at",
    "next_escalation_at",
    "next_reconcile_at",
)


def earliest(incident: Incident, changes: dict) -> datetime | None:
    """next_due_at for the incident once `changes` are applied."""
    moments = [changes.get(name, getattr(incident, name)) for name in DUE_FIELDS]
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def _unleased(now: datetime):
    return Incident.lease_until.is_null() | (Incident.lease_until < now)


def claim(now: datetime, *, owner: str, lease: timedelta, limit: int = 100) -> list[Incident]:
    """Claim up to `limit` incidents with due work, earliest first."""
    candidates = [
        row.id
        for row in Incident.select(Incident.id)
        .where((Incident.next_due_at <= now) & _unleased(now))
        .order_by(Incident.next_due_at)
        .limit(limit)
    ]
    claimed = []
    for incident_id in candidates:
        won = (
            Incident.update(lease_until=now + lease, lease_owner=owner)
            .where((Incident.id == incident_id) & (Incident.next_due_at <= now) & _unleased(now))
            .execute()
        )
        if won:
            claimed.append(Incident.get_by_id(incident_id))
    return claimed


def _only_while(condition, field, value):
    """`value`, unless a person changed the incident meanwhile so that it no longer applies
    (acknowledged: no more escalation; resolved: no more nudges)."""
    return peewee.Case(None, [(condition, peewee.Value(field.db_value(value), unpack=False))], None)


_STILL_APPLIES = {
    "next_escalation_at": lambda: (
        Incident.acknowledged_at.is_null() & (Incident.status != "resolved")
    ),
    "next_update_nudge_at": lambda: Incident.status != "resolved",
    "next_lead_nudge_at": lambda: Incident.status != "resolved",
}


def release(incident: Incident, *, owner: str, **changes) -> bool:
    """Give the incident back, writing the new due times. False if the lease was lost."""
    changes.update(lease_until=None, lease_owner=None)
    changes["next_due_at"] = earliest(incident, changes)
    guarded = {
        getattr(Incident, name): (
            _only_while(_STILL_APPLIES[name](), getattr(Incident, name), value)
            if name in _STILL_APPLIES and value is not None
            else value
        )
        for name, value in changes.items()
    }
    released = (
        Incident.update(guarded)
        .where((Incident.id == incident.id) & (Incident.lease_owner == owner))
        .execute()
    )
    for name, value in changes.items():
        setattr(incident, name, value)
    return bool(released)
