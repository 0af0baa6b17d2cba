"""What the `klaxon` commands share: the usage exit code, the operator's name for the audit
trail, and the store opened only once its migrations are applied."""

from __future__ import annotations

import os

from settings.errors import ConfigError
from settings.sources import database_url

EXIT_USAGE = 2


def operator() -> str:
    """Who ran the command, for the audit trail."""
    return f"cli:{os.environ.get('USER') or os.environ.get('LOGNAME') or 'unknown'}"


def open_store():
    from store import db, migrate

    database = db.open_database(database_url(os.environ))
    database.connect()
    if migrate.pending(database):
        database.close()
        raise ConfigError("database error: migrations are pending; run `klaxon migrate` first")
    return database


def database_failure(error: Exception) -> str:
    """One line for a database that cannot be reached or opened (the drivers' messages run
    over several lines)."""
    from store.db import safe_url

    where = safe_url(database_url(os.environ))
    return f"database error: {where}: {' '.join(str(error).split())}"
