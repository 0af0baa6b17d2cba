"""The PostgreSQL pool lends a connection without a round trip, and still never lends one
the server has ended."""

from __future__ import annotations

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from store.db import close, open_database


class CountingConnection(Connection):
    """A psycopg2 connection that counts the cursors opened on it (every query opens one)."""

    cursors = 0

    def cursor(self, *args, **kwargs):
        CountingConnection.cursors += 1
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
