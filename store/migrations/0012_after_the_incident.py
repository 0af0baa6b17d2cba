"""After the incident (PRODUCT.md §16): when impact started and when it was first mitigated
(the report's times to detect, acknowledge, mitigate and resolve), the root cause, the
display names of people as Slack last gave them (the report names people, never ids), and
the archiving of the channel ([lifecycle]: when it is due, when it was done, or what Slack
answered when it refused)."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("incident", "impact_started_at", UTCDateTimeField(null=True)),
        migrator.add_column("incident", "mitigated_at", UTCDateTimeField(null=True)),
        migrator.add_column("incident", "root_cause", peewee.TextField(default="")),
        migrator.add_column("incident", "next_archive_at", UTCDateTimeField(null=True)),
        migrator.add_column("incident", "archived_at", UTCDateTimeField(null=True)),
        migrator.add_column(
            "incident", "archive_error", peewee.CharField(max_length=64, null=True)
        ),
    )

    class PersonName(peewee.Model):
        user_id = peewee.CharField(max_length=32, primary_key=True)
        display_name = peewee.CharField(max_length=200)
        fetched_at = UTCDateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "person_name"

    db.create_tables([PersonName])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS person_name")
    migrator.migrate(
        migrator.drop_column("incident", "archive_error"),
        migrator.drop_column("incident", "archived_at"),
        migrator.drop_column("incident", "next_archive_at"),
        migrator.drop_column("incident", "root_cause"),
        migrator.drop_column("incident", "mitigated_at"),
        migrator.drop_column("incident", "impact_started_at"),
    )
