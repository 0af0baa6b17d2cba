"""The declaration's branches: once the channel exists, the invitation, the summary (post,
then pin), the announcement and the checklist do not depend on each other, so they run at
once; and what they made is recorded on the incident's row as they end.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from store import db
from store.models import Incident

# What the Slack steps make, kept on the incident's row so that no try makes it twice.
MADE_IN_SLACK = (
    "channel_id",
    "summary_ts",
    "summary_pinned",
    "announcement_channel_id",
    "announcement_ts",
)


class Records:
    """What the declaration's branches made, written to the incident's row as they end.

    The summary's pin is the last call people wait for, and its record already waits for
    it (the post is recorded with its pin). A branch that ends while the summary's branch
    still runs leaves its record to that branch's write instead of writing beside the pin;
    a branch that ends after it writes its own. A write lost meanwhile (a crash) makes
    nothing twice: the channel is adopted under the name reserved on the row, and posts are
    found again by their metadata.
    """

    def __init__(self, incident: Incident) -> None:
        self._incident = incident
        self._written = {name: getattr(incident, name) for name in MADE_IN_SLACK}
        self._lock = threading.Lock()
        self._summary_running = False

    def summary_starts(self) -> None:
        self._summary_running = True

    def to_write(self, *, summary: bool = False) -> dict:
        """What the ending branch writes ({} when the summary's branch will)."""
        with self._lock:
            if summary:
                self._summary_running = False
            elif self._summary_running:
                return {}
            made = {
                name: getattr(self._incident, name)
                for name in MADE_IN_SLACK
                if getattr(self._incident, name) != self._written[name]
            }
            self._written.update(made)
            return made


# The declaration's branches that run beside the declaring thread. Bounded: a burst of
# declarations queues here instead of opening a connection to Slack per step.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="klaxon-declare")


def together(database, branches: list) -> None:
    """Run the branches at once (the first in this thread), each with a database
    connection of its own (opened when it first queries) and the caller's log context;
    re-raise what a branch raised."""
    if not branches:
        return

    def in_connection(branch) -> None:
        with db.lazy_connection(database):
            branch()

    futures = [
        _POOL.submit(contextvars.copy_context().run, in_connection, branch)
        for branch in branches[1:]
    ]
    try:
        branches[0]()
    finally:
        raised = [future.exception() for future in futures]
    for error in raised:
        if error is not None:
            raise error
