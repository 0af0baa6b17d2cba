"""Timed work in an in-process APScheduler: the tick asks the store what is due and hands it
to incident.due_work, the same use cases the Slack handlers run. No business rules live
here. Beside the tick: applying [retention] (old incidents, audit records, rate-limit
attempts and used signatures), and refreshing the members of the @usergroups named in
[roles]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from incident.services import Services
from scheduler import jobs

USERGROUP_REFRESH_MINUTES = 5
# How often each replica asks the database whether [retention] is due (its `every` decides).
RETENTION_CHECK = timedelta(minutes=5)


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
        jobs.apply_retention,
        "interval",
        seconds=min(services.config.retention.every, RETENTION_CHECK).total_seconds(),
        args=[services, owner],
        id="retention",
        next_run_time=datetime.now(UTC),
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
