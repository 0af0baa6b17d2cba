"""Stored role grants, the durable record of rate-limited attempts, and incident lookup by
channel name."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class RoleGrant(Base):
        id = peewee.BigAutoField()
        role = peewee.CharField(max_length=64)
        holder = peewee.CharField(max_length=320)
        granted_by = peewee.CharField(max_length=320, null=True)
        granted_at = UTCDateTimeField()

        class Meta:
            table_name = "role_grant"
            indexes = (
                (("role", "holder"), True),
                (("holder",), False),
            )

    class RateAttempt(Base):
        id = peewee.BigAutoField()
        bucket = peewee.CharField(max_length=64)
        actor = peewee.CharField(max_length=320)
        attempted_at = UTCDateTimeField()

        class Meta:
            table_name = "rate_attempt"
            indexes = ((("bucket", "actor", "attempted_at"), False),)

    db.create_tables([RoleGrant, RateAttempt])
    migrator.migrate(migrator.add_index("incident", ("channel_name",), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("incident", "incident_channel_name"))
    for table in ("role_grant", "rate_attempt"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
