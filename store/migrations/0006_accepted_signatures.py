"""Signed ops API requests already accepted, so a replay is refused on every replica."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    class AcceptedSignature(peewee.Model):
        signature = peewee.CharField(max_length=64, primary_key=True)
        expires_at = UTCDateTimeField(index=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "accepted_signature"

    db.create_tables([AcceptedSignature])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS accepted_signature")
