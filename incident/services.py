"""What the workflows need at run time, built once by the composition root."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import peewee
import structlog
from slack_sdk import WebClient

from integrations.slack.people import People
from integrations.slack.roles import RoleDirectory
from settings.config import Config

log = structlog.get_logger("klaxon")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class Background:
    """Slow work that must not hold up the 3-second acknowledgement to Slack.

    Listeners `ack()` and hand the rest here. Each task runs in a database connection of
    its own, with the caller's log context (request id, user), and never raises: a failure
    is logged with its traceback and the pool keeps going.
    """

    def __init__(
        self,
        database: peewee.Database,
        workers: int,
        on_database_error: Callable[[dict], None] | None = None,
    ) -> None:
        self._database = database
        self._on_database_error = on_database_error
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="klaxon-work")

    def submit(self, name: str, task: Callable[..., object], *args, **kwargs) -> None:
        context = structlog.contextvars.get_contextvars()

        def run() -> None:
            with structlog.contextvars.bound_contextvars(**context):
                try:
                    with self._database.connection_context():
                        task(*args, **kwargs)
                except (peewee.OperationalError, peewee.InterfaceError) as error:
                    # The database is away (restarting, failing over). Nothing was
                    # half-written: each unit of work is one transaction.
                    log.error("database_unavailable", task=name, error=str(error).strip()[:200])
                    if self._on_database_error:
                        self._on_database_error(kwargs)
                except Exception:
                    log.exception("background_task_failed", task=name)

        self._pool.submit(run)

    def shutdown(self, timeout: float) -> bool:
        """Finish what was accepted, for at most `timeout` seconds; False if work was still
        running then. What is abandoned is not lost: declarations are persisted before they
        are handed here and completed by reconciliation, other work by its due times."""
        drain = threading.Thread(target=self._pool.shutdown, name="klaxon-drain", daemon=True)
        drain.start()
        drain.join(timeout)
        return not drain.is_alive()


@dataclass
class Services:
    config: Config
    slack: WebClient
    database: peewee.Database
    background: Background
    people: People
    roles: RoleDirectory
    # This process's name in the leases it takes ("<host>:<pid>").
    replica: str = "local:0"

    @cached_property
    def bot_user_id(self) -> str:
        """Klaxon's own Slack user, to recognise what it created (asked once, when needed)."""
        return self.slack.auth_test()["user_id"]
