"""Resolution text, follow-ups, and pinned messages on the timeline."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Incident(Base):
        id = peewee.UUIDField(primary_key=True)

        class Meta:
            table_name = "incident"

    class FollowUp(Base):
        id = peewee.BigAutoField()
        incident = peewee.ForeignKeyField(Incident, on_delete="CASCADE")
        text = peewee.TextField()
        owner_id = peewee.CharField(max_length=32, null=True)
        created_by = peewee.CharField(max_length=32, null=True)
        created_at = UTCDateTimeField()
        done_at = UTCDateTimeField(null=True)
        done_by = peewee.CharField(max_length=32, null=True)

        class Meta:
            table_name = "follow_up"
            indexes = ((("incident", "created_at"), False),)

    db.create_tables([FollowUp])
    migrator.migrate(
        migrator.add_column("incident", "resolution", peewee.TextField(default="")),
        migrator.add_column(
            "timeline_event", "message_ts", peewee.CharField(max_length=32, null=True)
        ),
        migrator.add_column("timeline_event", "permalink", peewee.TextField(null=True)),
        migrator.add_index("timeline_event", ("incident_id", "message_ts"), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("timeline_event", "timeline_event_incident_id_message_ts"),
        migrator.drop_column("timeline_event", "permalink"),
        migrator.drop_column("timeline_event", "message_ts"),
        migrator.drop_column("incident", "resolution"),
    )
    db.execute_sql("DROP TABLE IF EXISTS follow_up")
