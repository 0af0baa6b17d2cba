"""Mirroring to a hosted Atlassian Statuspage: due work the scheduler runs when an
incident's `next_status_page_sync_at` comes (set by publishing, incident/status_page.py).
The mirror gets what was published to our own page, through the StatusPageMirror port.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from incident.ports import MirrorUpdate
from incident.services import Services
from store import incidents
from store import status_page as public_store
from store.models import Incident

log = structlog.get_logger("klaxon.status_page")

MIRROR_MAX_RETRY = timedelta(hours=1)


def mirror_retry_at(services: Services, attempts: int, now: datetime) -> datetime:
    """When to push to the mirror again after `attempts` failures in a row: [scheduler].retry
    doubled each time, at most an hour apart (Statuspage allows one request a second)."""
    return now + min(services.config.scheduler_retry * (2 ** min(attempts, 20)), MIRROR_MAX_RETRY)


def mirror(services: Services, incident: Incident, now: datetime) -> dict:
    """Due work: push to the hosted Statuspage what it does not have yet. A failure is a
    timeline event and a retry later (back-off), never an error anyone waits on."""
    port = services.status_page_mirror
    public = public_store.public_of(incident)
    if port is None or public is None:
        return {"next_status_page_sync_at": None}
    updates = public_store.updates_of(public)
    if public.mirrored_updates >= len(updates) and public.mirror_id:
        return {"next_status_page_sync_at": None}
    result = port.push(
        public.title,
        public.mirror_id,
        [MirrorUpdate(u.status, u.body, public_store.components_of(u)) for u in updates],
        public.mirrored_updates,
    )
    failed = result.error is not None
    attempts = public_store.record_mirror(
        public, mirror_id=result.mirror_id, pushed=result.pushed, failed=failed
    )
    if not failed:
        if public.mirror_attempts:
            incidents.add_event(
                incident,
                "status_page_mirrored",
                f"Statuspage mirror caught up after {public.mirror_attempts} failed attempts",
                now=now,
            )
        log.info("status_page_mirrored", incident_ref=incident.display_ref, updates=result.pushed)
        return {"next_status_page_sync_at": None}
    retry = mirror_retry_at(services, attempts, now)
    incidents.add_event(
        incident,
        "status_page_mirror_failed",
        f"Statuspage mirror failed (attempt {attempts}; next try {retry:%H:%M:%S} UTC): "
        f"{result.error}"[:500],
        now=now,
    )
    log.warning(
        "status_page_mirror_failed",
        incident_ref=incident.display_ref,
        attempts=attempts,
        error=result.error,
    )
    return {"next_status_page_sync_at": retry}
