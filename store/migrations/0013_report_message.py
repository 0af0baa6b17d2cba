"""Where an incident's post-incident report was last posted in Slack (its channel and the
message's ts), so the Home tab links to it (PRODUCT.md §16). Posted when the incident is
resolved; a later `/incident report` becomes the linked one."""

import peewee


def up(migrator, db):
    migrator.migrate(
        migrator.add_column(
            "incident", "report_channel_id", peewee.CharField(max_length=32, null=True)
        ),
        migrator.add_column("incident", "report_ts", peewee.CharField(max_length=32, null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("incident", "report_ts"),
        migrator.drop_column("incident", "report_channel_id"),
    )
