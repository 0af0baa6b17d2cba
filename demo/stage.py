"""The stage: the bundled Slack emulator and the real daemon (`python -m bot`) against it.

The daemon is started exactly as in production, by `tests.daemon.Daemon`, with the
emulator's URL in SLACK_API_URL and its fake tokens, so no Slack workspace is needed.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.daemon import BASE_CONFIG, Daemon
from tests.emulator import SlackEmulator
from tests.ports import free_port

# Bob holds the ack role; nudges wait a day, so nothing interrupts the story or the
# minutes you spend looking around afterwards, and no escalation policy is set.
QUIET = """
[roles]
ops_admin = ["UBOB"]

[nudges]
update_every = { SEV1 = "1d", SEV2 = "1d", SEV3 = "1d", SEV4 = "1d" }
lead_missing_after = "1d"
followup_after = "7d"
"""


def demo_config(http_port: int) -> str:
    """tests.daemon's base config (channel names), the quiet settings, and a health port."""
    return BASE_CONFIG.replace("port = 0", f"port = {http_port}") + QUIET


class DemoFailed(Exception):
    """Klaxon did not do what the demo expects; the message says what."""


@dataclass(frozen=True)
class Stage:
    emulator: SlackEmulator
    daemon: Daemon
    http_port: int


@contextmanager
def stage(database_url: str | None = None):
    """Yield a running Stage; stop both on the way out, the daemon first.

    Without `database_url` the daemon gets a fresh SQLite file in a temporary directory,
    which goes away with the demo (so does the daemon's log beside it)."""
    with tempfile.TemporaryDirectory(prefix="klaxon-demo-") as workdir:
        emulator = SlackEmulator().start()
        url = database_url or f"sqlite:///{Path(workdir) / 'klaxon.db'}"
        http_port = free_port()
        daemon = Daemon(emulator, url, Path(workdir), config=demo_config(http_port))
        try:
            try:
                daemon.start()
            except AssertionError as error:  # it exited, or did not connect in time
                raise DemoFailed(f"Klaxon did not start: {error}") from None
            yield Stage(emulator, daemon, http_port)
        finally:
            daemon.stop()
            emulator.stop()


def database_url_from_environment() -> str | None:
    return os.environ.get("DATABASE_URL", "").strip() or None
