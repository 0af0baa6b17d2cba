"""The pages sent for an incident to PagerDuty or Opsgenie (store/pages.py queries them)."""

from __future__ import annotations

import peewee

from store.fields import UTCDateTimeField, utcnow
from store.models.base import BaseModel
from store.models.incident import Incident


class Page(BaseModel):
    """One paging target of one incident ("pagerduty:payments"): what Klaxon wants the
    provider to know (`wanted`: triggered, acknowledged, resolved) and what the provider
    has accepted (`sent`). A row exists once per target, so a repeating escalation level
    never pages twice; while `sent` lags `wanted` the scheduler tries again at
    `next_attempt_at`, backing off with `attempts`."""

    id = peewee.BigAutoField()
    incident = peewee.ForeignKeyField(Incident, backref="pages", on_delete="CASCADE")
    target = peewee.CharField(max_length=80)
    provider = peewee.CharField(max_length=16)
    wanted = peewee.CharField(max_length=16)
    sent = peewee.CharField(max_length=16, null=True)
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")
    next_attempt_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    paged_at = UTCDateTimeField(null=True)
    changed_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "page"
        indexes = ((("incident", "target"), True),)
