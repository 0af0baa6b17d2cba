"""A timeline people can correct (§16): add a channel's message with its own time and
author ("Add to timeline"), add an entry at a given time or remove one added by people
(`/incident timeline`). Lead, reporter and ack-role holders may (Permission.EDIT_TIMELINE);
every edit is audited. A time is accepted from a week before the declaration up to now
(`timeline.accepted_range`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from incident import timeline
from incident.access import Caller, Denied, check
from incident.outcomes import NotFound
from incident.services import Services
from incident.vocabulary import Permission, Refused, fit
from store import audit, incidents, timeline_entries
from store.fields import utcnow
from store.models import Incident, TimelineEvent

log = structlog.get_logger("klaxon.timeline")


@dataclass(frozen=True)
class ChannelMessage:
    """The message a shortcut was used on: where, when (its ts), who wrote it, its text."""

    channel_id: str
    ts: str
    author_id: str | None
    text: str


@dataclass(frozen=True)
class Edit:
    """What the `/incident timeline` form asks: an entry to add (text and time), an entry
    to remove (its id), or both."""

    text: str = ""
    at: datetime | None = None
    remove_id: int | None = None


@dataclass(frozen=True)
class NotAnIncidentChannel:
    channel_id: str


@dataclass(frozen=True)
class AlreadyOnTimeline:
    incident: Incident


@dataclass(frozen=True)
class Added:
    incident: Incident
    event: TimelineEvent


@dataclass(frozen=True)
class Edited:
    incident: Incident
    added: TimelineEvent | None
    removed: TimelineEvent | None


@dataclass(frozen=True)
class Editable:
    """The form may open: the incident and the entries people may remove."""

    incident: Incident
    removable: list[TimelineEvent]


@dataclass(frozen=True)
class EntryGone:
    """The entry chosen for removal is no longer there."""

    incident: Incident


def _allowed(services: Services, caller: Caller, incident: Incident) -> Denied | None:
    return check(services, caller, incident=incident, needs=Permission.EDIT_TIMELINE, field="entry")


def message_time(ts: str) -> datetime:
    """A Slack message's ts ("1795400000.000100") as the UTC time it was posted."""
    return datetime.fromtimestamp(float(ts), UTC)


def add_message(
    services: Services, caller: Caller, message: ChannelMessage
) -> Added | AlreadyOnTimeline | NotAnIncidentChannel | Denied | Refused:
    incident = incidents.by_channel(message.channel_id)
    if incident is None:
        return NotAnIncidentChannel(message.channel_id)
    denied = _allowed(services, caller, incident)
    if denied:
        return denied
    at = message_time(message.ts)
    refused = timeline.time_refusal(incident, at, "entry", utcnow())
    if refused:
        return refused
    if timeline_entries.message_added(incident, message.ts):
        return AlreadyOnTimeline(incident)
    text = fit(message.text.strip() or "(a message without text)", "timeline_entry")
    permalink = services.surface.permalink(incident, message.ts)
    event = incidents.add_event(
        incident,
        "message",
        text,
        actor_id=message.author_id,
        now=at,
        message_ts=message.ts,
        permalink=permalink,
    )
    _audit(caller, incident, event)
    return Added(incident, event)


def editable(services: Services, caller: Caller, channel_id: str):
    """Whether the caller may open the timeline form in this channel, with what it lists."""
    incident = incidents.by_channel(channel_id)
    if incident is None:
        return NotAnIncidentChannel(channel_id)
    denied = _allowed(services, caller, incident)
    return denied or Editable(incident, timeline_entries.removable(incident))


def refusal(
    services: Services, caller: Caller, incident_id: str, edit: Edit
) -> Denied | Refused | NotFound | None:
    """What would refuse this edit (shown in the form), or None."""
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    denied = _allowed(services, caller, incident)
    if denied:
        return denied
    if edit.at is not None:
        return timeline.time_refusal(incident, edit.at, "when", utcnow())
    return None


def edit(
    services: Services, caller: Caller, incident_id: str, edit: Edit
) -> Edited | EntryGone | Denied | Refused | NotFound:
    refused = refusal(services, caller, incident_id, edit)
    if refused:
        return refused
    incident = incidents.get(incident_id)
    removed = added = None
    if edit.remove_id is not None:
        removed = timeline_entries.remove(incident, edit.remove_id)
        if removed is None:
            return EntryGone(incident)
        _audit(caller, incident, removed, removal=True)
    if edit.text and edit.at is not None:
        added = incidents.add_event(
            incident, "entry", fit(edit.text, "timeline_entry"), actor_id=caller.key, now=edit.at
        )
        _audit(caller, incident, added)
    return Edited(incident, added, removed)


def _audit(caller: Caller, incident: Incident, event: TimelineEvent, *, removal=False) -> None:
    detail = {
        "event_id": event.id,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "author": event.actor_id,
    }
    if removal:
        audit.record(
            "timeline_entry_removed",
            actor_id=caller.key,
            incident=incident,
            request_id=caller.request_id,
            **detail,
        )
    else:
        audit.record(
            "timeline_entry_added",
            actor_id=caller.key,
            incident=incident,
            request_id=caller.request_id,
            **detail,
        )
    log.info("timeline_edited", incident_ref=incident.display_ref, removal=removal)
