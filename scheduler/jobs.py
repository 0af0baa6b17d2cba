"""The scheduler's jobs: ask the store what is due and hand it to the use cases."""

from __future__ import annotations

import time

import peewee
import structlog

from incident import due_work
from incident.services import Services
from observability import metrics
from store import due, periodic, retention
from store.fields import utcnow

log = structlog.get_logger("klaxon.scheduler")
BATCH = 200
RETENTION_JOB = "retention"
# Who the audit trail names for the runs of the retention job.
RETENTION_ACTOR = "klaxon:retention"


def refresh_usergroups(services: Services) -> None:
    """Keep the members of the @usergroups named in [roles] current."""
    services.people.refresh_groups()


def apply_retention(services: Services, owner: str) -> None:
    """Apply [retention] when its time has come (one schedule in the database for every
    replica: the one that wins the claim runs it, the others find it not due)."""
    policy = services.config.retention
    now = utcnow()
    try:
        with services.database.connection_context():
            if not periodic.claim(RETENTION_JOB, now=now, every=policy.every, owner=owner):
                log.debug("retention_checked", replica=owner, ran=False)
                return
            try:
                removed = retention.run(
                    policy,
                    now=now,
                    rate_window=services.config.ack_rate_window,
                    actor=RETENTION_ACTOR,
                    between=lambda: periodic.renew(RETENTION_JOB, now=utcnow(), owner=owner),
                    replica=owner,
                )
            finally:
                periodic.release(RETENTION_JOB, owner)
    except (peewee.OperationalError, peewee.InterfaceError) as error:
        # What was removed stays removed; the rest waits for the next run.
        log.error("database_unavailable", task="retention", error=str(error).strip()[:200])
        return
    log.debug("retention_checked", replica=owner, ran=True)
    log.info("retention_applied", replica=owner, batches=removed.batches, **removed.counts)


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
