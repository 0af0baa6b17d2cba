"""When each periodic job (retention) next runs, and which replica holds it meanwhile, so
replicas share one schedule and never run the same job at once."""

import peewee

from store.fields import UTCDateTimeField


def up(migrator, db):
    class PeriodicRun(peewee.Model):
        name = peewee.CharField(max_length=64, primary_key=True)
        next_run_at = UTCDateTimeField()
        lease_owner = peewee.CharField(max_length=64, null=True)
        lease_until = UTCDateTimeField(null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "periodic_run"

    db.create_tables([PeriodicRun])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS periodic_run")
