"""Database setup from DATABASE_URL.

Connections are per thread (Peewee's default): Bolt's workers, the background executor and
the scheduler each get their own. Units of work wrap themselves in `connection_context()`,
which on PostgreSQL borrows from a pool and on SQLite opens a cheap file handle.
"""

from __future__ import annotations

import contextlib
import functools
import re
import select
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

import peewee
import psycopg2
from playhouse.pool import PooledPostgresqlDatabase
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, make_dsn, parse_dsn

from store.fields import DATABASE_TYPES, FIELD_TYPE
from store.models import MODELS
from store.prepared import PreparingConnection

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10_000,
    "foreign_keys": 1,
    "synchronous": "normal",
}


class DatabaseURLError(ValueError):
    """DATABASE_URL cannot be used."""


class PostgreSQLPool(PooledPostgresqlDatabase):
    """Peewee's pool, without a round trip each time it lends a connection, nor one for
    each transaction's BEGIN.

    Peewee checks an idle pooled connection with `SELECT 1` before lending it: a round trip
    before every unit of work, the declaration's transaction (committed before its form
    closes) among them. A server that ended an idle connection (a restart, an idle timeout,
    pg_terminate_backend) has sent its reason and closed the socket, so the socket is
    readable: only then is the round trip made, and a dead connection is still replaced
    before anyone uses it.
    """

    def _is_closed(self, conn) -> bool:
        if conn.closed:
            return True
        if conn.get_transaction_status() == TRANSACTION_STATUS_IDLE and not _readable(conn):
            return False
        return super()._is_closed(conn)

    # BEGIN travels with the transaction's first statement, in the same message: Peewee
    # sends it as a round trip of its own before every transaction (the declaration's,
    # committed before its form may close, among them). A transaction that sends nothing
    # costs no round trip at all.

    def begin(self, isolation_level=None) -> None:
        connection = self.connection()
        if (
            isolation_level
            or self._isolation_level
            or not isinstance(connection, PreparingConnection)
        ):
            super().begin(isolation_level)
        else:
            connection.begin_pending = True
            connection.alone_pending = False

    def _execute_cursor(self, sql, params, **cursor_options):
        connection = self._state.conn
        if getattr(connection, "alone_pending", False):
            connection.alone_pending = False  # its BEGIN stays pending for what follows
            return super()._execute_cursor(sql, params, **cursor_options)
        if self._take_pending_begin():
            sql = f"BEGIN; {sql}"
        return super()._execute_cursor(sql, params, **cursor_options)

    def next_statement_alone(self) -> None:
        """If this thread's transaction has sent nothing yet, its next statement is sent
        without BEGIN: the server runs it as a transaction of its own, and commits it (the
        flush included) before it answers, one round trip where BEGIN…COMMIT takes two.
        What the transaction sends after it commits apart, when the transaction ends; so
        this is asked only for a statement that may commit on its own."""
        connection = None if self.is_closed() else self._state.conn
        if getattr(connection, "begin_pending", False):
            connection.alone_pending = True

    def commit(self) -> None:
        if self._take_pending_begin():
            return  # nothing was sent: nothing to commit
        super().commit()

    def rollback(self) -> None:
        if self._take_pending_begin():
            return
        super().rollback()

    def _take_pending_begin(self) -> bool:
        """Whether this thread's transaction still has its BEGIN to send; the caller
        sends it or drops it."""
        connection = None if self.is_closed() else self._state.conn
        if not getattr(connection, "begin_pending", False):
            return False
        connection.begin_pending = False
        return True


def _readable(conn) -> bool:
    """Whether the server sent anything to an idle connection (Klaxon asks it for no
    notifications, so it writes only when it ends the connection)."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def open_database(url: str) -> peewee.Database:
    """Create (but do not connect) the database named by `url` and bind the models to it."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:] if parsed.netloc == "" else parsed.netloc + parsed.path)
        if not path:
            raise DatabaseURLError("DATABASE_URL: sqlite URLs look like sqlite:///klaxon.db")
        _check_sqlite_path(path)
        database = peewee.SqliteDatabase(
            path,
            pragmas=SQLITE_PRAGMAS,
            field_types={FIELD_TYPE: DATABASE_TYPES["sqlite"]},
        )
    elif parsed.scheme in ("postgres", "postgresql"):
        if not parsed.path[1:]:
            raise DatabaseURLError("DATABASE_URL: name the database, postgresql://host/NAME")
        try:
            port = parsed.port
        except ValueError:
            raise DatabaseURLError(
                "DATABASE_URL: the port must be a number from 1 to 65535"
            ) from None
        options = dict(parse_qsl(parsed.query))
        max_connections = _whole_number(options, "max_connections", 32)
        connect_timeout = _whole_number(options, "connect_timeout", 5)
        _check_libpq_options(options)
        database = PostgreSQLPool(
            unquote(parsed.path[1:]),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=port,
            max_connections=max_connections,
            stale_timeout=300,
            timeout=10,
            field_types={FIELD_TYPE: DATABASE_TYPES["postgresql"]},
            connect_timeout=connect_timeout,
            connection_factory=PreparingConnection,
            **options,
        )
    else:
        raise DatabaseURLError(
            f"DATABASE_URL: unsupported scheme {parsed.scheme!r}; use sqlite:/// or postgresql://"
        )
    database.bind(MODELS, bind_refs=False, bind_backrefs=False)
    return database


def _check_sqlite_path(path: str) -> None:
    """SQLite only says "unable to open database file"; say which part is wrong."""
    file = Path(path)
    if file.is_dir():
        raise DatabaseURLError(f"DATABASE_URL: {path} is a directory; name a file in it")
    if not file.parent.is_dir():
        raise DatabaseURLError(
            f"DATABASE_URL: the directory {file.parent} does not exist; create it first"
        )


def _whole_number(options: dict, name: str, default: int) -> int:
    text = options.pop(name, str(default))
    if not re.fullmatch(r"[0-9]{1,5}", text) or not 1 <= int(text) <= 10_000:
        raise DatabaseURLError(
            f"DATABASE_URL: ?{name} must be a whole number from 1 to 10000, got {text!r}"
        )
    return int(text)


def _check_libpq_options(options: dict) -> None:
    """Query parameters go to libpq as connection options; refuse unknown ones now rather
    than at the first connection."""
    try:
        parse_dsn(make_dsn(**options))
    except psycopg2.ProgrammingError as error:
        raise DatabaseURLError(f"DATABASE_URL: {str(error).strip()}") from None


def is_postgresql(database: peewee.Database) -> bool:
    return isinstance(database, peewee.PostgresqlDatabase)


def current() -> peewee.Database:
    """The database the models are bound to (set by `open_database`)."""
    database = MODELS[0]._meta.database
    if database is None:
        raise RuntimeError("store.db.open_database() has not been called")
    return database


def write_transaction():
    """A transaction that takes the write lock up front.

    SQLite's default deferred transaction fails with SQLITE_BUSY, without waiting, when a
    reader tries to upgrade to a writer; IMMEDIATE waits on busy_timeout instead.
    """
    database = current()
    if isinstance(database, peewee.SqliteDatabase):
        return database.atomic("IMMEDIATE")
    return database.atomic()


def joined_write_transaction():
    """The caller's transaction when there is one, else a write_transaction of its own.

    For writes that commit together and never roll back alone: joining needs no savepoint,
    which is two round trips (SAVEPOINT, RELEASE) on PostgreSQL.
    """
    database = current()
    if database.in_transaction():
        return contextlib.nullcontext()
    return write_transaction()


def in_write_transaction(function):
    """`function` run in one write_transaction: what it writes commits once, together (a
    commit is a round trip and, on PostgreSQL, a flush to disk)."""

    @functools.wraps(function)
    def inner(*args, **kwargs):
        with write_transaction():
            return function(*args, **kwargs)

    return inner


@contextlib.contextmanager
def lazy_connection(database: peewee.Database) -> Iterator[None]:
    """The block connects at its first query (Peewee's autoconnect), and the connection is
    closed at the end if one was opened: work that never queries (a modal to open, a reply)
    costs no connection, which on SQLite is a file opened with its pragmas and on
    PostgreSQL a round trip to check a pooled one."""
    try:
        yield
    finally:
        if not database.is_closed():
            database.close()


def close(database: peewee.Database) -> None:
    """Close this thread's connection and, for a pool, every idle pooled connection."""
    if not database.is_closed():
        database.close()
    if isinstance(database, PooledPostgresqlDatabase):
        database.close_all()


def safe_url(url: str) -> str:
    """The URL without its password, fit for logs and messages."""
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url
