"""Due times for timed work (nudges, escalation, reminders, reconciliation), a lease so
that of several replicas exactly one works on an incident at a time, and whether the
summary is pinned (so reconciliation can finish a failed pin)."""

import peewee

from store.fields import UTCDateTimeField

DUE_COLUMNS = (
    "last_update_at",
    "next_update_nudge_at",
    "next_lead_nudge_at",
    "next_followup_at",
    "next_escalation_at",
    "next_reconcile_at",
    "next_due_at",
    "lease_until",
)


def up(migrator, db):
    operations = [
        migrator.add_column("incident", name, UTCDateTimeField(null=True)) for name in DUE_COLUMNS
    ]
    operations += [
        migrator.add_column("incident", "lease_owner", peewee.CharField(max_length=64, null=True)),
        migrator.add_column("incident", "reconcile_attempts", peewee.IntegerField(default=0)),
        migrator.add_column("incident", "summary_pinned", peewee.BooleanField(default=False)),
        migrator.add_index("incident", ("next_due_at",), False),
    ]
    migrator.migrate(*operations)


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("incident", "incident_next_due_at"),
        *(migrator.drop_column("incident", name) for name in DUE_COLUMNS),
        migrator.drop_column("incident", "lease_owner"),
        migrator.drop_column("incident", "reconcile_attempts"),
        migrator.drop_column("incident", "summary_pinned"),
    )
