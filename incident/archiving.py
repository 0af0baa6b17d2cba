"""Tidy channels ([lifecycle] archive_after, PRODUCT.md §16): a resolved incident's channel
is archived once its follow-ups are done (or `archive_after_max` after resolution), with a
last message; never an open incident's. A refusal from Slack (`already_archived`,
`not_in_channel`…) is recorded once and not retried. Slack removes a bot from the channels
it archives and no bot can unarchive one: when a person unarchives a public channel, Klaxon
joins again; a private one, a person invites it back (a bot cannot join it, and is not
told it was unarchived), and until then `/incident …` there says how. Either way
`/incident status monitoring` there then reopens the incident as usual."""

from __future__ import annotations

from datetime import datetime

import structlog

from incident import due_times
from incident.privacy import is_private
from incident.services import Services
from store import archive, audit, followups, incidents
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
    """A person unarchived a public channel (`channel_unarchive`): if it is an incident's,
    Klaxon rejoins it; it is not archived again unless the incident is resolved again."""
    incident = incidents.by_channel(channel_id)
    if incident is None:
        return
    # Marked back before joining: the join's own member_joined_channel then finds nothing
    # to do (see invited_back), so the channel hears "Klaxon is back" once.
    archive.mark_back(incident)
    incidents.update_fields(incident, next_archive_at=None)
    rejoined = services.surface.channel_unarchived(incident)
    _record_back(incident, user_id, rejoined=rejoined, how="rejoined")


def left_out(incident: Incident) -> bool:
    """Klaxon is out of the incident's private channel since it was archived: a bot cannot
    join a private channel, and Slack tells only its members that it was unarchived, so a
    person has to invite Klaxon back (`/invite @Klaxon`)."""
    return is_private(incident) and archive.shut_out(incident)


def invited_back(services: Services, *, channel_id: str, inviter_id: str | None) -> None:
    """Klaxon is in an incident's channel again that it was shut out of (a person invited it
    into the unarchived private channel: `member_joined_channel` for Klaxon itself, or a
    command there found it a member). The channel is no longer archived, and it says so
    there; `/incident status monitoring` then reopens the incident as usual. Klaxon joining
    any other channel (one it creates, say) changes nothing."""
    incident = incidents.by_channel(channel_id)
    if incident is None or not archive.shut_out(incident):
        return
    if not archive.mark_back(incident):  # another delivery of the event said so already
        return
    services.surface.invited_back(incident, inviter_id)
    _record_back(incident, inviter_id, rejoined=True, how="invited")


def _record_back(incident: Incident, actor_id: str | None, *, rejoined: bool, how: str) -> None:
    incidents.add_event(incident, "unarchived", "Channel unarchived", actor_id=actor_id)
    audit.record(
        "incident_channel_unarchived",
        actor_id=actor_id,
        incident=incident,
        rejoined=rejoined,
        how=how,
    )
    log.info("channel_unarchived", incident_ref=incident.display_ref, how=how, rejoined=rejoined)
