"""Tidy channels ([lifecycle] archive_after, PRODUCT.md §16): a resolved incident's channel
is archived once its follow-ups are done (or `archive_after_max` after resolution), with a
last message; never an open incident's. A refusal from Slack (`already_archived`,
`not_in_channel`…) is recorded once and not retried. Slack removes a bot from the channels
it archives and no bot can unarchive one: when a person unarchives it, Klaxon joins again,
and `/incident status monitoring` there reopens the incident as usual."""

from __future__ import annotations

from datetime import datetime

import structlog

from incident import due_times
from incident.services import Services
from store import audit, followups, incidents
from store.models import Incident

log = structlog.get_logger("klaxon.archiving")


def archive_due(services: Services, incident: Incident, now: datetime) -> dict:
    """The due archiving of the incident's channel; returns the changes to write."""
    archive_after = services.config.archive_after
    if (
        incident.status != "resolved"
        or incident.archived_at is not None
        or not incident.channel_id
        or archive_after is None
    ):
        return {"next_archive_at": None}
    open_items = [item for item in followups.of(incident) if item.done_at is None]
    latest = incident.resolved_at + services.config.archive_after_max
    if open_items and now < latest:
        # Done early once the last follow-up is (incident.followups.mark_done).
        return {"next_archive_at": latest}
    answer = services.surface.archive_channel(incident, open_follow_ups=len(open_items))
    if answer.done:
        incidents.add_event(incident, "archived", "Channel archived", now=now)
        audit.record("incident_channel_archived", actor_id=None, incident=incident)
        log.info("channel_archived", incident_ref=incident.display_ref)
        return {"next_archive_at": None, "archived_at": now, "archive_error": None}
    if answer.refused:
        text = f"Channel not archived: Slack refused ({answer.refused})"
        incidents.add_event(incident, "archive_failed", text, now=now)
        audit.record(
            "incident_channel_archive_refused",
            actor_id=None,
            incident=incident,
            error=answer.refused,
        )
        log.warning("archive_refused", incident_ref=incident.display_ref, error=answer.refused)
        return {"next_archive_at": None, "archive_error": answer.refused}
    return {"next_archive_at": due_times.retry_at(services.config, now)}


def unarchived(services: Services, *, channel_id: str, user_id: str | None) -> None:
    """A person unarchived a channel (`channel_unarchive`): if it is an incident's, Klaxon
    rejoins it; it is not archived again unless the incident is resolved again."""
    incident = incidents.by_channel(channel_id)
    if incident is None:
        return
    rejoined = services.surface.channel_unarchived(incident)
    incidents.update_fields(incident, archived_at=None, next_archive_at=None)
    incidents.add_event(incident, "unarchived", "Channel unarchived", actor_id=user_id)
    audit.record(
        "incident_channel_unarchived", actor_id=user_id, incident=incident, rejoined=rejoined
    )
    log.info("channel_unarchived", incident_ref=incident.display_ref, rejoined=rejoined)
