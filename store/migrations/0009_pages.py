"""Paging outside Slack: one row per paged target of an incident, and the incident's due
time for the next paging attempt (one of the due fields of store/due.py)."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    class Incident(peewee.Model):
        id = peewee.UUIDField(primary_key=True)

        class Meta:
            database = db
            table_name = "incident"

    class Page(peewee.Model):
        id = peewee.BigAutoField()
        incident = peewee.ForeignKeyField(Incident, on_delete="CASCADE")
        target = peewee.CharField(max_length=80)
        provider = peewee.CharField(max_length=16)
        wanted = peewee.CharField(max_length=16)
        sent = peewee.CharField(max_length=16, null=True)
        attempts = peewee.IntegerField(default=0)
        last_error = peewee.TextField(default="")
        next_attempt_at = UTCDateTimeField(null=True)
        created_at = UTCDateTimeField()
        paged_at = UTCDateTimeField(null=True)
        changed_at = UTCDateTimeField(null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "page"
            indexes = ((("incident", "target"), True),)

    migrator.migrate(migrator.add_column("incident", "next_page_at", UTCDateTimeField(null=True)))
    db.create_tables([Page])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS page")
    migrator.migrate(migrator.drop_column("incident", "next_page_at"))
