"""The scheduler's jobs: ask the store what is due and hand it to the use cases."""

from __future__ import annotations

import time

import peewee
import structlog

from incident import due_work
from incident.services import Services
from observability import metrics
from store import due, ratelimit, signatures
from store.fields import utcnow

log = structlog.get_logger("klaxon.scheduler")
BATCH = 200


def refresh_usergroups(services: Services) -> None:
    """Keep the members of the @usergroups named in [roles] current."""
    services.people.refresh_groups()


def prune_expired(services: Services) -> None:
    """Forget rate-limit attempts no window can reach any more and ops API signatures too
    old to be replayed (both tables stay small)."""
    now = utcnow()
    try:
        with services.database.connection_context():
            attempts = ratelimit.prune(now - services.config.ack_rate_window)
            used_signatures = signatures.prune(now)
    except (peewee.OperationalError, peewee.InterfaceError) as error:
        log.error("database_unavailable", task="prune", error=str(error).strip()[:200])
        return
    if attempts or used_signatures:
        log.info("expired_pruned", rate_attempts=attempts, signatures=used_signatures)


def tick(services: Services, owner: str) -> None:
    """One pass over everything due now (coalesced: overdue work fires once)."""
    started = time.perf_counter()
    now = utcnow()
    try:
        with services.database.connection_context():
            claimed = due.claim(now, owner=owner, lease=due.LEASE, limit=BATCH)
            for incident in claimed:
                _run(services, incident, now, owner)
    except (peewee.OperationalError, peewee.InterfaceError) as error:
        # Nothing is lost: the due times wait in the database for the next tick.
        log.error("database_unavailable", task="tick", error=str(error).strip()[:200])
        return
    metrics.scheduler_tick.observe(time.perf_counter() - started)
    if claimed:
        log.info(
            "scheduler_tick",
            incidents=len(claimed),
            ms=round((time.perf_counter() - started) * 1000, 2),
        )


def _run(services: Services, incident, now, owner: str) -> None:
    try:
        due_work.run_due(services, incident, now, owner=owner)
    except (peewee.OperationalError, peewee.InterfaceError):
        raise
    except Exception:
        # The lease is kept: it expires after LEASE and the work is retried then.
        log.exception("timed_work_failed", incident_ref=incident.display_ref)
