"""Timed work in an in-process APScheduler: the tick asks the store what is due and hands it
to incident.due_work, the same use cases the Slack handlers run. No business rules live
here. Beside the tick: pruning expired rate-limit attempts and used signatures, and
refreshing the members of the @usergroups named in [roles]."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from incident.services import Services
from scheduler import jobs

USERGROUP_REFRESH_MINUTES = 5
PRUNE_MINUTES = 10


def start(services: Services, owner: str) -> BackgroundScheduler:
    """Start the jobs; `owner` names this replica in the leases it takes."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        # A job that missed its time (the process was busy or stopped) runs once, not once
        # per missed run, and never twice at the same time.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    scheduler.add_job(
        jobs.tick,
        "interval",
        seconds=services.config.scheduler_tick.total_seconds(),
        args=[services, owner],
        id="tick",
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        jobs.prune_expired,
        "interval",
        minutes=PRUNE_MINUTES,
        args=[services],
        id="prune_expired",
    )
    if services.roles.uses_groups:
        scheduler.add_job(
            jobs.refresh_usergroups,
            "interval",
            minutes=USERGROUP_REFRESH_MINUTES,
            args=[services],
            id="refresh_usergroups",
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    return scheduler
