"""What the person is told about their timeline edits (§16)."""

from __future__ import annotations

from incident.access import Denied
from incident.outcomes import NotFound
from incident.timeline_edits import (
    Added,
    AlreadyOnTimeline,
    Edited,
    EntryGone,
    NotAnIncidentChannel,
)
from incident.vocabulary import Refused
from integrations.slack.blocks import date_token
from integrations.slack.replies import NO_INCIDENT, refusal_text

NOT_IN_INCIDENT = (
    "Add to timeline works on messages in an incident channel; this channel is not one."
)
TIMELINE_FORM_ELSEWHERE = "`/incident timeline` works inside an incident channel."


def added_reply(outcome) -> str:
    """For the "Add to timeline" shortcut."""
    if isinstance(outcome, Added):
        return (
            f":spiral_note_pad: Added to the {outcome.incident.display_ref} timeline at "
            f"{date_token(outcome.event.occurred_at)}."
        )
    if isinstance(outcome, AlreadyOnTimeline):
        return f"That message is already on the {outcome.incident.display_ref} timeline."
    if isinstance(outcome, NotAnIncidentChannel):
        return NOT_IN_INCIDENT
    if isinstance(outcome, (Denied, Refused)):
        return refusal_text(outcome)
    return NO_INCIDENT


def form_refusal(outcome: Denied | Refused | NotFound) -> dict[str, str]:
    """A refusal as the timeline form's inline errors (under the input it is about)."""
    if isinstance(outcome, NotFound):
        return {"entry": NO_INCIDENT}
    return {outcome.field: refusal_text(outcome)}


def edited_reply(outcome) -> str | None:
    """After the form: it said everything, unless things changed in between."""
    if isinstance(outcome, Edited):
        return None
    if isinstance(outcome, EntryGone):
        return f"That entry is no longer on the {outcome.incident.display_ref} timeline."
    if isinstance(outcome, (Denied, Refused)):
        return refusal_text(outcome)
    return NO_INCIDENT
