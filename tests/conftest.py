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


@pytest.fixture
def emulator():
    from tests.emulator import SlackEmulator

    slack = SlackEmulator().start()
    yield slack
    slack.stop()
    # A refused payload fails the test even where the test did not look at the response.
    assert not slack.refusals, f"Slack would refuse what Klaxon sent: {slack.refusals}"


@pytest.fixture
def daemon_factory(emulator, database_url, tmp_path):
    """Start daemons against the emulator and this test's database; all are stopped after."""
    from tests.daemon import BASE_CONFIG, Daemon

    started = []

    def start(config: str = BASE_CONFIG, env: dict | None = None, wait: bool = True) -> Daemon:
        daemon = Daemon(emulator, database_url, tmp_path, config=config, env=env)
        started.append(daemon)
        return daemon.start(wait=wait)

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def daemon(daemon_factory):
    return daemon_factory()
