"""Finding and claiming due timed work.

Each incident carries its own due times; `next_due_at` is the earliest, indexed, so a tick
with nothing due is one index range scan whatever the number of open incidents. A replica
claims an incident with a lease (a conditional UPDATE), works on it, and releases it with
the new due times. A replica that dies mid-work leaves a lease that simply expires: the
work is retried, never lost; two replicas never hold the same incident at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from store.db import write_transaction
from store.models import Incident

# How long a replica may hold an incident's due work without renewing its lease; a replica
# that dies holding it delays that work by at most this much (less on the same host, see
# free_leases_of_dead_replicas).
LEASE = timedelta(seconds=60)

DUE_FIELDS = (
    "next_update_nudge_at",
    "next_lead_nudge_at",
    "next_followup_at",
    "next_escalation_at",
    "next_reconcile_at",
    "next_status_page_sync_at",
    "next_page_at",
    "next_checklist_at",
    "next_archive_at",
)


class HoldLost(Exception):
    """Another replica took the incident over (this one stalled past its lease)."""


@dataclass
class Hold:
    """A replica's lease on one incident's due work, renewed while long work goes on."""

    incident_id: object
    owner: str
    until: datetime
    length: timedelta

    def keep(self, now: datetime) -> bool:
        """Renew the lease once half of it is spent; False if it was lost meanwhile (the
        work must stop: another replica may have taken over)."""
        if now < self.until - self.length / 2:
            return True
        renewed = (
            Incident.update(lease_until=now + self.length)
            .where((Incident.id == self.incident_id) & (Incident.lease_owner == self.owner))
            .execute()
        )
        if renewed:
            self.until = now + self.length
        return bool(renewed)


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


def _unless_changed_meanwhile(incident: Incident, name: str, value):
    """Write `value` only if the column still holds what it held when the incident was
    claimed. A person who acked (escalation cleared), resolved (nudges cleared), snoozed or
    posted an update while this replica worked wins over the scheduler's new time."""
    column = getattr(Incident, name)
    claimed = getattr(incident, name)
    unchanged = column.is_null() if claimed is None else (column == claimed)
    return peewee.Case(
        None, [(unchanged, peewee.Value(column.db_value(value), unpack=False))], column
    )


def refresh_next_due(incident_id) -> None:
    """Recompute next_due_at from the row as it is now (call inside the writing transaction)."""
    row = (
        Incident.select(*(getattr(Incident, name) for name in DUE_FIELDS))
        .where(Incident.id == incident_id)
        .first()
    )
    if row is not None:
        Incident.update(next_due_at=earliest(row, {})).where(Incident.id == incident_id).execute()


def release(incident: Incident, *, owner: str, **changes) -> bool:
    """Give the incident back, writing the new due times. False if the lease was lost."""
    guarded = {
        getattr(Incident, name): (
            _unless_changed_meanwhile(incident, name, value) if name in DUE_FIELDS else value
        )
        for name, value in changes.items()
    }
    guarded.update({Incident.lease_until: None, Incident.lease_owner: None})
    with write_transaction():
        released = (
            Incident.update(guarded)
            .where((Incident.id == incident.id) & (Incident.lease_owner == owner))
            .execute()
        )
        if released:
            refresh_next_due(incident.id)
    return bool(released)


def free_leases_of_dead_replicas(
    owner: str, *, host: str, is_running: Callable[[int], bool]
) -> int:
    """At start-up, free the leases an earlier process on this host left behind.

    Owners are "<host>:<pid>". A lease of this host whose process is gone (killed, crashed),
    or that carries this very owner name (a container restarted with the same pid), can
    belong to nobody alive, so its work need not wait for the lease to expire. Leases of
    other hosts expire by themselves.
    """
    owners = (
        Incident.select(Incident.lease_owner)
        .where(Incident.lease_owner.startswith(f"{host}:"))
        .distinct()
        .tuples()
    )
    freed = 0
    for (lease_owner,) in owners:
        lease_host, _, pid = lease_owner.rpartition(":")
        if lease_host != host:
            continue
        if lease_owner == owner or not (pid.isdecimal() and is_running(int(pid))):
            freed += (
                Incident.update(lease_owner=None, lease_until=None)
                .where(Incident.lease_owner == lease_owner)
                .execute()
            )
    return freed
