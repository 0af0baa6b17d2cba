"""Alert ingestion: the route an alert came from and how many times it has fired."""

import peewee


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("incident", "route", peewee.CharField(max_length=255, null=True)),
        migrator.add_column("incident", "alert_count", peewee.IntegerField(default=0)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("incident", "alert_count"),
        migrator.drop_column("incident", "route"),
    )
