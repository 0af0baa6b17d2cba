"""The public status page: what people published about an incident, and when its mirror on
a hosted Statuspage is due to be brought up to date.

`public_incident` is one incident as the public sees it (a public id, never the internal
uuid or ref); `public_update` every update published to it, with the components it affected
then (the uptime bars are drawn from those). Nothing internal is copied here.
"""

import peewee

from store.fields import UTCDateTimeField


def _tables(db):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Incident(Base):
        id = peewee.UUIDField(primary_key=True)

        class Meta:
            table_name = "incident"

    class PublicIncident(Base):
        id = peewee.BigAutoField()
        public_id = peewee.CharField(max_length=16, unique=True)
        incident = peewee.ForeignKeyField(Incident, unique=True, on_delete="CASCADE")
        title = peewee.CharField(max_length=200)
        status = peewee.CharField(max_length=16)
        components = peewee.TextField(default="{}")
        created_at = UTCDateTimeField()
        updated_at = UTCDateTimeField()
        resolved_at = UTCDateTimeField(null=True)
        mirror_id = peewee.CharField(max_length=64, null=True)
        mirrored_updates = peewee.IntegerField(default=0)
        mirror_attempts = peewee.IntegerField(default=0)

        class Meta:
            table_name = "public_incident"
            indexes = ((("resolved_at", "created_at"), False),)

    class PublicUpdate(Base):
        id = peewee.BigAutoField()
        public_incident = peewee.ForeignKeyField(PublicIncident, on_delete="CASCADE")
        status = peewee.CharField(max_length=16)
        body = peewee.TextField()
        components = peewee.TextField(default="{}")
        created_at = UTCDateTimeField()

        class Meta:
            table_name = "public_update"
            indexes = ((("public_incident", "created_at"), False), (("created_at",), False))

    return PublicIncident, PublicUpdate


def up(migrator, db):
    db.create_tables(_tables(db))
    migrator.migrate(
        migrator.add_column("incident", "next_status_page_sync_at", UTCDateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("incident", "next_status_page_sync_at"))
    db.drop_tables(list(reversed(_tables(db))))
