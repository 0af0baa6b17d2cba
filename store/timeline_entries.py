"""Timeline entries people add themselves (§16): a message added with the "Add to
timeline" shortcut (kind "message"), or an entry written in the `/incident timeline` form
(kind "entry"). Only these can be removed again; what Klaxon recorded itself stays."""

from __future__ import annotations

from store.models import Incident, TimelineEvent

ADDED_BY_PEOPLE = ("message", "entry")
# The most a form lists to choose from (a static select holds 100 options).
LISTED = 100


def message_added(incident: Incident, message_ts: str) -> bool:
    """Whether this message of the channel is already on the incident's timeline."""
    return (
        TimelineEvent.select()
        .where(
            (TimelineEvent.incident == incident)
            & (TimelineEvent.kind == "message")
            & (TimelineEvent.message_ts == message_ts)
        )
        .exists()
    )


def removable(incident: Incident) -> list[TimelineEvent]:
    """The entries people added, latest first (at most LISTED)."""
    return list(
        TimelineEvent.select()
        .where((TimelineEvent.incident == incident) & TimelineEvent.kind.in_(ADDED_BY_PEOPLE))
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
        .limit(LISTED)
    )


def remove(incident: Incident, event_id: int) -> TimelineEvent | None:
    """Remove one entry people added; None when there is no such entry (any more)."""
    event = TimelineEvent.get_or_none(
        (TimelineEvent.id == event_id)
        & (TimelineEvent.incident == incident)
        & TimelineEvent.kind.in_(ADDED_BY_PEOPLE)
    )
    if event is not None:
        event.delete_instance()
    return event
