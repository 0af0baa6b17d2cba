"""The PostgreSQL pool lends a connection without a round trip, and still never lends one
the server has ended; a transaction's BEGIN travels with its first statement."""

from __future__ import annotations

import peewee
import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from store.db import close, open_database
from store.prepared import PreparingConnection


class CountingConnection(Connection):
    """A psycopg2 connection that counts the cursors opened on it (every query opens one)."""

    cursors = 0

    def cursor(self, *args, **kwargs):
        CountingConnection.cursors += 1
        return super().cursor(*args, **kwargs)


class CountingPreparingConnection(PreparingConnection):
    """The daemon's connection, counting the cursors opened on it."""

    cursors = 0

    def cursor(self, *args, **kwargs):
        CountingPreparingConnection.cursors += 1
        return super().cursor(*args, **kwargs)


@pytest.fixture
def url(postgres_server):
    return postgres_server.create_database()


@pytest.fixture
def pool(url):
    database = open_database(url)
    database.connect_params["connection_factory"] = CountingConnection
    yield database
    close(database)


def test_a_pooled_connection_is_lent_without_a_query(pool):
    with pool.connection_context():
        pool.execute_sql("SELECT 1")
    CountingConnection.cursors = 0
    with pool.connection_context():
        pass
    assert CountingConnection.cursors == 0


def test_a_connection_the_server_ended_is_replaced_before_it_is_lent(pool, url):
    with pool.connection_context():
        [(ended,)] = pool.execute_sql("SELECT pg_backend_pid()").fetchall()
    other = psycopg2.connect(url)
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (ended,))  # waits for it
    finally:
        other.close()
    with pool.connection_context():
        [(now,)] = pool.execute_sql("SELECT pg_backend_pid()").fetchall()
    assert now != ended


@pytest.fixture
def transactions(url):
    database = open_database(url)
    database.connect_params["connection_factory"] = CountingPreparingConnection
    with database.connection_context():
        database.execute_sql("CREATE TEMPORARY TABLE written (x integer)")
    yield database
    close(database)


def written(database) -> list[int]:
    return [x for (x,) in database.execute_sql("SELECT x FROM written ORDER BY x").fetchall()]


def test_a_transaction_sends_its_begin_with_its_first_statement(transactions):
    with transactions.connection_context():
        CountingPreparingConnection.cursors = 0
        with transactions.atomic():
            transactions.execute_sql("INSERT INTO written VALUES (1)")
            transactions.execute_sql("INSERT INTO written VALUES (2)")
        assert CountingPreparingConnection.cursors == 3  # the two INSERTs and the COMMIT
        with pytest.raises(RuntimeError), transactions.atomic():
            transactions.execute_sql("INSERT INTO written VALUES (3)")
            raise RuntimeError("the unit of work failed")
        assert written(transactions) == [1, 2]  # the BEGIN took: 3 was rolled back


def test_a_transaction_that_sends_nothing_costs_no_round_trip(transactions):
    with transactions.connection_context():
        CountingPreparingConnection.cursors = 0
        with transactions.atomic():
            pass
        with pytest.raises(RuntimeError), transactions.atomic():
            raise RuntimeError("failed before its first statement")
        assert CountingPreparingConnection.cursors == 0


def test_a_failed_first_statement_rolls_back_and_the_connection_goes_on(transactions):
    with transactions.connection_context():
        with pytest.raises(peewee.ProgrammingError), transactions.atomic():
            transactions.execute_sql("INSERT INTO missing VALUES (1)")
        with transactions.atomic():
            transactions.execute_sql("INSERT INTO written VALUES (4)")
        assert written(transactions) == [4]


def test_a_statement_sent_alone_commits_by_itself_and_what_follows_apart(transactions):
    with transactions.connection_context():
        CountingPreparingConnection.cursors = 0
        with transactions.atomic():
            transactions.next_statement_alone()
            transactions.execute_sql("INSERT INTO written VALUES (5)")
        assert CountingPreparingConnection.cursors == 1  # neither BEGIN nor COMMIT
        with pytest.raises(RuntimeError), transactions.atomic():
            transactions.next_statement_alone()
            transactions.execute_sql("INSERT INTO written VALUES (6)")
            transactions.execute_sql("INSERT INTO written VALUES (7)")
            raise RuntimeError("the unit of work failed after its first statement")
        assert written(transactions) == [5, 6]  # 6 committed alone, 7 rolled back


def test_a_statement_after_the_first_is_never_sent_alone(transactions):
    with transactions.connection_context():
        with pytest.raises(RuntimeError), transactions.atomic():
            transactions.execute_sql("INSERT INTO written VALUES (8)")
            transactions.next_statement_alone()
            transactions.execute_sql("INSERT INTO written VALUES (9)")
            raise RuntimeError("the unit of work failed")
        assert written(transactions) == []
