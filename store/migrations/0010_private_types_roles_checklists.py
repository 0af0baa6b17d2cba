"""Private incidents, incident types, roles beside the lead, checklists (PRODUCT.md §15):
the incident's privacy, type, checklist message and checklist due time; the checklist items;
who holds which role."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("incident", "private", peewee.BooleanField(default=False)),
        migrator.add_column(
            "incident", "incident_type", peewee.CharField(max_length=32, null=True)
        ),
        migrator.add_column("incident", "checklist_ts", peewee.CharField(max_length=32, null=True)),
        migrator.add_column("incident", "next_checklist_at", UTCDateTimeField(null=True)),
    )

    class Incident(peewee.Model):
        id = peewee.UUIDField(primary_key=True)

        class Meta:
            database = db
            table_name = "incident"

    class ChecklistItem(peewee.Model):
        id = peewee.BigAutoField()
        incident = peewee.ForeignKeyField(Incident, on_delete="CASCADE")
        position = peewee.IntegerField()
        text = peewee.CharField(max_length=200)
        due_at = UTCDateTimeField(null=True)
        done_at = UTCDateTimeField(null=True)
        done_by = peewee.CharField(max_length=32, null=True)
        nudged_at = UTCDateTimeField(null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "checklist_item"
            indexes = ((("incident", "position"), True),)

    class RoleAssignment(peewee.Model):
        id = peewee.BigAutoField()
        incident = peewee.ForeignKeyField(Incident, on_delete="CASCADE")
        role = peewee.CharField(max_length=32)
        holder_id = peewee.CharField(max_length=32)
        assigned_by = peewee.CharField(max_length=320, null=True)
        assigned_at = UTCDateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "role_assignment"
            indexes = ((("incident", "role"), True), (("holder_id",), False))

    db.create_tables([ChecklistItem, RoleAssignment])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS role_assignment")
    db.execute_sql("DROP TABLE IF EXISTS checklist_item")
    migrator.migrate(
        migrator.drop_column("incident", "next_checklist_at"),
        migrator.drop_column("incident", "checklist_ts"),
        migrator.drop_column("incident", "incident_type"),
        migrator.drop_column("incident", "private"),
    )
