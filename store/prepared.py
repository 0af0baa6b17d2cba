"""The declaration's statements, prepared once per PostgreSQL connection.

psycopg2 sends every statement as text, which the server parses and plans anew each time:
for the incident's INSERT (some 45 columns) that is most of the statement's cost on the
server, and it runs before every declaration's form may close. On PostgreSQL these
statements are prepared once per connection (PREPARE lasts as long as the session and
survives rollbacks) and run with EXECUTE, which saves about half a millisecond of each
declaration's transaction on the benchmark machine (docs/performance.md). SQLite's
driver keeps a statement cache of its own, so there they run as they are.

A pooler that lends one client's session to others between transactions (PgBouncer's
transaction mode) loses prepared statements; Klaxon needs session pooling or none
(README, Deploying).
"""

from __future__ import annotations

import functools
import hashlib

import peewee
import psycopg2.extensions


class PreparingConnection(psycopg2.extensions.connection):
    """A psycopg2 connection that remembers the statements prepared on it, the BEGIN its
    next statement carries (store/db.py PostgreSQLPool.begin), and whether that statement
    goes alone instead (PostgreSQLPool.next_statement_alone)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prepared: set[str] = set()
        self.begin_pending = False
        self.alone_pending = False


def execute(database: peewee.Database, sql: str, params: list | tuple, *, alone: bool = False):
    """Run `sql` (with the driver's placeholders) on the thread's connection; returns the
    cursor. On a PreparingConnection the statement is prepared the first time, and with
    `alone` it commits on its own if it is its transaction's first (store/db.py
    `next_statement_alone`)."""
    connection = database.connection()
    if not isinstance(connection, PreparingConnection):
        return database.execute_sql(sql, params)
    name, prepare, run = _forms(sql)
    if name not in connection.prepared:
        # Outside the transaction (PREPARE is not transactional): the BEGIN still pending
        # travels with the statement, which may go alone.
        with peewee.__exception_wrapper__, connection.cursor() as cursor:
            cursor.execute(prepare)
        connection.prepared.add(name)
    if alone:
        database.next_statement_alone()
    return database.execute_sql(run, params)


@functools.lru_cache(maxsize=64)
def _forms(sql: str) -> tuple[str, str, str]:
    """The statement's name, its PREPARE and its EXECUTE."""
    name = "klaxon_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
    pieces = sql.split("%s")
    numbered = "".join(f"{piece}${n}" for n, piece in enumerate(pieces[:-1], 1)) + pieces[-1]
    count = len(pieces) - 1
    arguments = f" ({', '.join(['%s'] * count)})" if count else ""
    return name, f"PREPARE {name} AS {numbered}", f"EXECUTE {name}{arguments}"
