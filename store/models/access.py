"""Who may do what and who tried: the audit trail, roles granted with `klaxon roles`, rate
limits and the ops API's replay guard. None has a foreign key to an incident."""

from __future__ import annotations

import peewee

from store.fields import UTCDateTimeField, utcnow
from store.models.base import BaseModel


class AuditEvent(BaseModel):
    """Who tried what, allowed or not. Outlives the incident it names (no foreign key)."""

    id = peewee.BigAutoField()
    action = peewee.CharField(max_length=64)
    actor_id = peewee.CharField(max_length=320, null=True)
    incident_id = peewee.UUIDField(null=True)
    incident_ref = peewee.IntegerField(null=True)
    detail = peewee.TextField(default="{}")
    request_id = peewee.CharField(max_length=64, null=True)
    occurred_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "audit_event"
        indexes = (
            (("action", "occurred_at"), False),
            (("actor_id", "occurred_at"), False),
            (("incident_id",), False),
        )


class RoleGrant(BaseModel):
    """A role given with `klaxon roles grant`, on top of the holders listed in [roles]."""

    id = peewee.BigAutoField()
    role = peewee.CharField(max_length=64)
    holder = peewee.CharField(max_length=320)
    granted_by = peewee.CharField(max_length=320, null=True)
    granted_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "role_grant"
        indexes = ((("role", "holder"), True), (("holder",), False))


class RateAttempt(BaseModel):
    """One counted attempt (e.g. an acknowledgement) by one actor, for sliding-window limits."""

    id = peewee.BigAutoField()
    bucket = peewee.CharField(max_length=64)
    actor = peewee.CharField(max_length=320)
    attempted_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "rate_attempt"
        indexes = ((("bucket", "actor", "attempted_at"), False),)


class AcceptedSignature(BaseModel):
    """A signed ops API request already accepted: the same signature again is a replay.

    Kept in the database, not in memory, so every replica refuses a request another one has
    already taken; the primary key makes two replicas racing on one signature get one winner.
    """

    signature = peewee.CharField(max_length=64, primary_key=True)
    expires_at = UTCDateTimeField(index=True)

    class Meta:
        table_name = "accepted_signature"
