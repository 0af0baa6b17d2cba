"""What Klaxon keeps for its own running: named sequences, the periodic jobs' schedule and
people's display names as Slack last gave them."""

from __future__ import annotations

import peewee

from store.fields import UTCDateTimeField, utcnow
from store.models.base import BaseModel


class Counter(BaseModel):
    """Named sequences that work the same on SQLite and PostgreSQL (incident refs)."""

    name = peewee.CharField(max_length=64, primary_key=True)
    value = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "counter"


class PeriodicRun(BaseModel):
    """When a periodic job (retention) next runs, and which replica holds it until when."""

    name = peewee.CharField(max_length=64, primary_key=True)
    next_run_at = UTCDateTimeField()
    lease_owner = peewee.CharField(max_length=64, null=True)
    lease_until = UTCDateTimeField(null=True)

    class Meta:
        table_name = "periodic_run"


class PersonName(BaseModel):
    """A person's display name as Slack last gave it, so reports name people (also
    `klaxon report`, which runs without Slack). Refreshed when older than a day."""

    user_id = peewee.CharField(max_length=32, primary_key=True)
    display_name = peewee.CharField(max_length=200)
    fetched_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "person_name"
