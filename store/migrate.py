"""Versioned schema migrations (Peewee's migration runner over store/migrations/)."""

from __future__ import annotations

from pathlib import Path

import peewee
from playhouse.migrations import Runner

from store.db import is_postgresql

MIGRATIONS = Path(__file__).parent / "migrations"
# Replicas starting together on one PostgreSQL take turns through this advisory lock.
_ADVISORY_LOCK = 0x6B6C61786F6E  # "klaxon"


def _runner(database: peewee.Database) -> Runner:
    return Runner(database, str(MIGRATIONS), table_name="schema_migration")


def pending(database: peewee.Database) -> list[str]:
    """Names of the migrations not yet applied."""
    with database.connection_context():
        return [m.name for m in _runner(database).status() if not m.applied]


def apply(database: peewee.Database) -> list[str]:
    """Apply every pending migration in order; returns the names applied."""
    with database.connection_context():
        if not is_postgresql(database):
            return _runner(database).up()
        database.execute_sql("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK,))
        try:
            return _runner(database).up()
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK,))
