"""How the daemon stops: SIGTERM or SIGINT sets an event the main thread waits on, then
everything closes in order within STOP_BOUND seconds."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

import structlog
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler

from incident.services import Services
from store import db

log = structlog.get_logger("klaxon")

SOCKET_CLOSE_GRACE = 0.5
# From SIGTERM to exit, at most about this long (socket close, the scheduler's current
# tick and accepted work share it). deploy/kubernetes.yaml's terminationGracePeriodSeconds
# must stay above it. Retry waits end at once when stopping, so only a Slack or database
# call already in flight can use it up; whatever is still running then is abandoned, and
# completed after the restart by reconciliation and the due times kept in the database.
STOP_BOUND = 10.0
SIGNAL_CHECK = 0.5


def stop_on_signal(stopping: threading.Event) -> None:
    """SIGTERM and SIGINT set `stopping`."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: _set_from_another_thread(stopping))


def wait_until(stopping: threading.Event) -> None:
    # Wake up now and then: the kernel may deliver SIGTERM to any thread, and CPython runs
    # the Python handler only when the main thread next executes bytecode; a bare
    # stopping.wait() could sleep through the signal for good.
    while not stopping.wait(SIGNAL_CHECK):
        pass


def _set_from_another_thread(event: threading.Event) -> None:
    """Set `event` from a signal handler. The handler runs in the main thread, possibly
    while that thread holds the event's own lock inside `event.wait()`: setting it there
    would deadlock, so a short-lived thread sets it once the lock is free."""
    threading.Thread(target=event.set, name="klaxon-signal", daemon=True).start()


def _close_socket(handler: SocketModeHandler) -> threading.Thread:
    """Start closing Socket Mode (the close frame goes out at once), in the background.

    websocket-client's close then waits for the reader thread, which may sit in a blocking
    read for up to its ping interval (10 s). Envelopes not yet acknowledged are redelivered
    by Slack to another connection, so nothing is lost by not waiting for it.
    """
    closer = threading.Thread(target=handler.close, name="socket-close", daemon=True)
    closer.start()
    return closer


def stop(services: Services, handler, scheduler, http, status_page=None) -> int:
    """Stop within STOP_BOUND seconds of the signal (see STOP_BOUND)."""
    deadline = time.monotonic() + STOP_BOUND
    log.info("klaxon_stopping")
    closer = _close_socket(handler)
    if http:
        http.close()
    if status_page:
        status_page.close()
    scheduler.shutdown(wait=False)
    finished = services.background.shutdown(timeout=max(0.0, deadline - time.monotonic()))
    if not finished:
        log.warning("klaxon_stop_abandoned_work", bound_seconds=STOP_BOUND)
    closer.join(min(SOCKET_CLOSE_GRACE, max(0.0, deadline - time.monotonic())))
    db.close(services.database)
    log.info("klaxon_stopped", seconds=round(STOP_BOUND - (deadline - time.monotonic()), 2))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Threads still inside a Slack or database call (the scheduler's tick, abandoned work)
    # would hold the interpreter's exit; everything they did is committed or due again.
    os._exit(0)
