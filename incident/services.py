"""What the use cases need at run time, built once by the composition root."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import peewee
import structlog

from settings.config import Config
from store import db

if TYPE_CHECKING:  # built by the composition root; the core only calls them
    from slack_sdk import WebClient

    from incident.ports import IncidentSurface, Pager, StatusPageMirror
    from integrations.slack.people import People
    from integrations.slack.roles import RoleDirectory

log = structlog.get_logger("klaxon")


# Threads for work that must start at once (see Background.submit's `right_away`).
RIGHT_AWAY_WORKERS = 4


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class Background:
    """Slow work that must not hold up the 3-second acknowledgement to Slack.

    Listeners `ack()` and hand the rest here. Each task runs with a database connection of
    its own (opened at its first query, closed when it ends), with the caller's log
    context (request id, user), and never raises: a failure is logged with its traceback
    and the pool keeps going.
    """

    def __init__(self, database: peewee.Database, workers: int) -> None:
        self._database = database
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="klaxon-work")
        self._right_away = ThreadPoolExecutor(
            max_workers=RIGHT_AWAY_WORKERS, thread_name_prefix="klaxon-now"
        )
        self._holding = threading.local()

    def submit(
        self,
        name: str,
        task: Callable[..., object],
        *args,
        on_database_error: Callable[[], None] | None = None,
        right_away: bool = False,
        **kwargs,
    ) -> None:
        """Run `task(*args, **kwargs)` on the pool. `on_database_error` is called when the
        database is away, so the caller can tell the person to try again. `right_away` work
        (a modal to open while its trigger_id lives) has a small pool of its own, so it
        never waits behind declarations and alerts."""
        context = structlog.contextvars.get_contextvars()

        def run() -> None:
            with structlog.contextvars.bound_contextvars(**context):
                try:
                    with db.lazy_connection(self._database):
                        task(*args, **kwargs)
                except (peewee.OperationalError, peewee.InterfaceError) as error:
                    # The database is away (restarting, failing over). Nothing was
                    # half-written: each unit of work is one transaction.
                    log.error("database_unavailable", task=name, error=str(error).strip()[:200])
                    if on_database_error:
                        on_database_error()
                except Exception:
                    log.exception("background_task_failed", task=name)

        pool = self._right_away if right_away else self._pool
        held = getattr(self._holding, "tasks", None)
        if held is None:
            pool.submit(run)
        else:
            held.append((pool, run))

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Start what this thread submits inside the block only when the block ends, in
        the order submitted (also when it ends by an exception: the work was accepted).

        The Socket Mode adapter holds an interaction's work until its ack is written: a
        pool thread woken earlier would take the interpreter lock from the thread writing
        the ack (which lets go of it to draw the frame's mask from the kernel) and keep it
        for a switch interval, 5 ms, while it builds a modal or calls Slack.
        """
        if getattr(self._holding, "tasks", None) is not None:  # already holding
            yield
            return
        self._holding.tasks = held = []
        try:
            yield
        finally:
            self._holding.tasks = None
            for pool, run in held:
                pool.submit(run)

    def shutdown(self, timeout: float) -> bool:
        """Finish what was accepted, for at most `timeout` seconds; False if work was still
        running then. What is abandoned is not lost: declarations are persisted before they
        are handed here and completed by reconciliation, other work by its due times."""

        def drain_both() -> None:
            self._right_away.shutdown()
            self._pool.shutdown()

        drain = threading.Thread(target=drain_both, name="klaxon-drain", daemon=True)
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
    # How the world hears about incidents (`surface`), built from these services.
    make_surface: Callable[[Services], IncidentSurface]
    # This process's name in the leases it takes ("<host>:<pid>").
    replica: str = "local:0"
    # A hosted status page mirroring the public one ([status_page.atlassian]), if any.
    status_page_mirror: StatusPageMirror | None = None
    # Paging providers by name ("pagerduty", "opsgenie"): those configured.
    pagers: Mapping[str, Pager] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.surface: IncidentSurface = self.make_surface(self)

    @cached_property
    def bot_user_id(self) -> str:
        """Klaxon's own Slack user, to recognise what it created (asked once, when needed)."""
        return self.slack.auth_test()["user_id"]
