"""Incidents, their timeline, the audit trail and the ref counter."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Incident(Base):
        id = peewee.UUIDField(primary_key=True)
        ref = peewee.IntegerField(unique=True)
        title = peewee.CharField(max_length=200)
        description = peewee.TextField(default="")
        impact = peewee.TextField(default="")
        severity = peewee.CharField(max_length=4)
        status = peewee.CharField(max_length=16, default="open")
        lead_id = peewee.CharField(max_length=32, null=True)
        reporter_id = peewee.CharField(max_length=32)
        channel_id = peewee.CharField(max_length=32, null=True, index=True)
        channel_name = peewee.CharField(max_length=80, null=True)
        summary_ts = peewee.CharField(max_length=32, null=True)
        announcement_channel_id = peewee.CharField(max_length=32, null=True)
        announcement_ts = peewee.CharField(max_length=32, null=True)
        incident_key = peewee.CharField(max_length=255, null=True, index=True)
        declaration_key = peewee.CharField(max_length=255, null=True, unique=True)
        escalation_level = peewee.IntegerField(default=0)
        latest_update = peewee.TextField(default="")
        declared_at = UTCDateTimeField()
        updated_at = UTCDateTimeField()
        acknowledged_at = UTCDateTimeField(null=True)
        acknowledged_by_id = peewee.CharField(max_length=32, null=True)
        acknowledged_by_email = peewee.CharField(max_length=320, null=True)
        resolved_at = UTCDateTimeField(null=True)

        class Meta:
            table_name = "incident"
            indexes = ((("status", "declared_at"), False),)

    class TimelineEvent(Base):
        id = peewee.BigAutoField()
        incident = peewee.ForeignKeyField(Incident, on_delete="CASCADE")
        kind = peewee.CharField(max_length=32)
        actor_id = peewee.CharField(max_length=32, null=True)
        text = peewee.TextField(default="")
        occurred_at = UTCDateTimeField()

        class Meta:
            table_name = "timeline_event"
            indexes = ((("incident", "occurred_at"), False),)

    class AuditEvent(Base):
        id = peewee.BigAutoField()
        action = peewee.CharField(max_length=64)
        actor_id = peewee.CharField(max_length=320, null=True)
        incident_id = peewee.UUIDField(null=True)
        incident_ref = peewee.IntegerField(null=True)
        detail = peewee.TextField(default="{}")
        request_id = peewee.CharField(max_length=64, null=True)
        occurred_at = UTCDateTimeField()

        class Meta:
            table_name = "audit_event"
            indexes = (
                (("action", "occurred_at"), False),
                (("actor_id", "occurred_at"), False),
                (("incident_id",), False),
            )

    class Counter(Base):
        name = peewee.CharField(max_length=64, primary_key=True)
        value = peewee.BigIntegerField(default=0)

        class Meta:
            table_name = "counter"

    db.create_tables([Incident, TimelineEvent, AuditEvent, Counter])
    Counter.insert(name="incident_ref", value=0).execute()


def down(migrator, db):
    for table in ("timeline_event", "audit_event", "incident", "counter"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
