from __future__ import annotations

import compileall
import os
import tomllib
from pathlib import Path

import pytest

from store import migrate
from store.db import close, open_database
from tests.postgres import PostgresServer, stop_abandoned
from tests.reaper import Reaper

BACKENDS = ("sqlite", "postgresql")
# The modules whose tests take tens of seconds each (schemathesis runs, timed work that
# waits for real seconds to pass).
SLOWEST = ("test_openapi.py", "test_timed_e2e.py")


ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Compile the product once, before any test daemon starts. Every daemon is a fresh
    interpreter; where PYTHONDONTWRITEBYTECODE is set, each would otherwise compile every
    module it imports (about 0.2 s of CPU per start, hundreds of starts per run). The flag
    only stops Python from writing what it compiled: it still reads what is there."""
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller has done it
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in project["tool"]["importlinter"]["root_packages"]:
        compileall.compile_dir(ROOT / package, quiet=1)


def pytest_collection_modifyitems(items):
    """Longest first, so parallel workers (`make test`) start on them at once and end
    together on short tests rather than one worker finishing a long test alone."""

    def cost(item) -> int:
        if item.path.name in SLOWEST:
            return 0
        return 1 if item.get_closest_marker("e2e") else 2

    items.sort(key=cost)


@pytest.fixture(scope="session")
def reaper():
    """Waits, off the test's clock, for the daemons each test told to stop (tests/reaper.py)."""
    reaper = Reaper()
    yield reaper
    reaper.finish()


@pytest.fixture(scope="session")
def postgres_server(reaper):
    """One server per session; under pytest-xdist, one per worker, each on its own port."""
    stop_abandoned()
    server = PostgresServer()
    try:
        server.start()
        server.wait_ready()
        yield server
    finally:
        reaper.wait()  # daemons still stopping hold connections to this server
        server.stop(remove=True)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, reaper):
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'klaxon.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    # Dropped off the test's clock once its daemons have let go of it: a worker's server
    # keeps a few databases, not hundreds, whose files took 15-20 s to remove at the end.
    reaper.then(lambda: server.drop_database(url))


@pytest.fixture
def db(database_url):
    """A migrated database bound to the models, with a connection open for the test."""
    database = open_database(database_url)
    migrate.apply(database)
    with database.connection_context():
        yield database
    close(database)


@pytest.fixture
def emulator(reaper):
    from tests.emulator import SlackEmulator

    slack = SlackEmulator().start()
    yield slack
    reaper.stop_emulator(slack)
    # A refused payload fails the test even where the test did not look at the response.
    assert not slack.refusals, f"Slack would refuse what Klaxon sent: {slack.refusals}"


@pytest.fixture(scope="session")
def launcher():
    """Forks the test daemons with their imports done (tests/launcher.py), one per worker;
    None with KLAXON_TEST_FRESH_DAEMONS=1 (each daemon a fresh `python -m bot`)."""
    if os.environ.get("KLAXON_TEST_FRESH_DAEMONS") == "1":
        yield None
        return
    from tests.launcher import Launcher

    launcher = Launcher()
    yield launcher
    launcher.close()


@pytest.fixture
def daemon_factory(emulator, database_url, tmp_path, reaper, launcher, request):
    """Start daemons against the emulator and this test's database; all are stopped after."""
    from tests.daemon import BASE_CONFIG, Daemon

    started = []

    def start(config: str = BASE_CONFIG, env: dict | None = None, wait: bool = True) -> Daemon:
        daemon = Daemon(emulator, database_url, tmp_path, config=config, env=env, launcher=launcher)
        started.append(daemon)
        return daemon.start(wait=wait)

    yield start
    reaper.retire(request.node.nodeid, started, emulator)


@pytest.fixture
def daemon(daemon_factory):
    return daemon_factory()
