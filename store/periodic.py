"""One schedule for a periodic job, shared by every replica through the database.

A replica runs the job only after winning one conditional UPDATE: the run must be due and
nobody else's lease current. Winning moves the next run a period ahead at once, so a second
replica checking a moment later finds nothing due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from store.db import write_transaction
from store.models import PeriodicRun

LEASE = timedelta(minutes=15)


def claim(name: str, *, now: datetime, every: timedelta, owner: str) -> bool:
    """True when this replica may run `name` now (and holds it for LEASE)."""
    with write_transaction():
        PeriodicRun.insert(name=name, next_run_at=now).on_conflict_ignore().execute()
        won = (
            PeriodicRun.update(next_run_at=now + every, lease_owner=owner, lease_until=now + LEASE)
            .where(
                (PeriodicRun.name == name)
                & (PeriodicRun.next_run_at <= now)
                & (PeriodicRun.lease_until.is_null() | (PeriodicRun.lease_until < now))
            )
            .execute()
        )
    return won == 1


def renew(name: str, *, now: datetime, owner: str) -> None:
    """Keep holding `name` while a long run goes on."""
    PeriodicRun.update(lease_until=now + LEASE).where(
        (PeriodicRun.name == name) & (PeriodicRun.lease_owner == owner)
    ).execute()


def release(name: str, owner: str) -> None:
    PeriodicRun.update(lease_owner=None, lease_until=None).where(
        (PeriodicRun.name == name) & (PeriodicRun.lease_owner == owner)
    ).execute()
