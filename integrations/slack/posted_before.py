"""Finding what Klaxon already made in Slack for an incident, when a try's answer was lost.

A step whose answer never came (a timeout, a crash) may still have taken effect. Before it
is done again, the message it would post is looked up by the metadata Klaxon puts on every
message of the declaration, and a channel under the reserved name is adopted only if
Klaxon's bot user created it after the declaration; so a retry never makes anything twice.
"""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.errors import SlackApiError

from incident.services import Services
from integrations.slack.client import SlackCode, error_code, find_channel
from store.models import Incident

# The kinds of message the declaration posts, in each one's metadata.
SUMMARY = "klaxon_summary"
ANNOUNCEMENT = "klaxon_announcement"
CHECKLIST = "klaxon_checklist"
ANY_CHANNEL = "public_channel,private_channel"
HISTORY_PAGES = 5
# A channel or message made this long before the declaration cannot be one made for it.
CLOCK_SKEW = timedelta(minutes=1)


def marker(kind: str, incident: Incident) -> dict:
    """The message metadata that marks a message of `kind` as posted for the incident."""
    return {"event_type": kind, "event_payload": {"incident_id": str(incident.id)}}


def message(services: Services, channel_id: str, kind: str, incident: Incident) -> dict | None:
    """The message of this kind Klaxon posted for the incident in the channel, if any."""
    oldest = f"{(incident.declared_at - CLOCK_SKEW).timestamp():.6f}"
    cursor = None
    for _ in range(HISTORY_PAGES):
        try:
            page = services.slack.conversations_history(
                channel=channel_id,
                oldest=oldest,
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
        except SlackApiError as error:
            if error_code(error) == SlackCode.NOT_IN_CHANNEL:  # so Klaxon cannot have posted there
                return None
            raise
        for posted in page["messages"]:
            if posted.get("metadata") == marker(kind, incident):
                return posted
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def channel(services: Services, incident: Incident, name: str) -> dict | None:
    """The existing channel `name`, if Klaxon created it for this incident: by Klaxon's bot
    user, after the declaration, under the name this incident reserved."""
    found = find_channel(services.slack, name, types=ANY_CHANNEL)
    if found is None or found.get("creator") != services.bot_user_id:
        return None
    declared = (incident.declared_at - CLOCK_SKEW).timestamp()
    if found.get("created", 0) < declared:
        return None
    return found
