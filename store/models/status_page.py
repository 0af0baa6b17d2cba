"""What the public status page shows: only what a person published (read and written
through store/status_page.py)."""

from __future__ import annotations

import peewee

from store.fields import UTCDateTimeField, utcnow
from store.models.base import BaseModel
from store.models.incident import Incident


class PublicIncident(BaseModel):
    """An incident as the public status page shows it: only what a person published."""

    id = peewee.BigAutoField()
    public_id = peewee.CharField(max_length=16, unique=True)
    incident = peewee.ForeignKeyField(Incident, unique=True, backref="public", on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    status = peewee.CharField(max_length=16)
    # JSON: {component name: impact} as last published.
    components = peewee.TextField(default="{}")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    resolved_at = UTCDateTimeField(null=True)
    # Its mirror on a hosted Statuspage page: the incident id there, how many of its updates
    # went out, and how many attempts in a row failed (for the back-off).
    mirror_id = peewee.CharField(max_length=64, null=True)
    mirrored_updates = peewee.IntegerField(default=0)
    mirror_attempts = peewee.IntegerField(default=0)

    class Meta:
        table_name = "public_incident"
        indexes = ((("resolved_at", "created_at"), False),)


class PublicUpdate(BaseModel):
    """One update published to the status page, with the components it affected then."""

    id = peewee.BigAutoField()
    public_incident = peewee.ForeignKeyField(PublicIncident, backref="updates", on_delete="CASCADE")
    status = peewee.CharField(max_length=16)
    body = peewee.TextField()
    components = peewee.TextField(default="{}")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "public_update"
        indexes = ((("public_incident", "created_at"), False), (("created_at",), False))
