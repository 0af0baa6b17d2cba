from __future__ import annotations

import pytest

from store import migrate
from store.db import close, open_database
from tests.postgres import PostgresServer

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    server.wait_ready()
    yield server
    server.stop(remove=True)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'klaxon.db'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture
def db(database_url):
    """A migrated database bound to the models, with a connection open for the test."""
    database = open_database(database_url)
    migrate.apply(database)
    with database.connection_context():
        yield database
    close(database)
