"""Keep the pinned summary and the announcement true: edit them in place, never re-post."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident.services import Services
from integrations.slack import messages
from integrations.slack.client import error_code, find_channel
from store import followups
from store.models import Incident

log = structlog.get_logger("klaxon.sync")


def refresh_messages(services: Services, incident: Incident) -> None:
    items = followups.of(incident)
    edits = (
        (
            incident.channel_id,
            incident.summary_ts,
            messages.summary_text,
            lambda i: messages.summary_blocks(i, items),
        ),
        (
            incident.announcement_channel_id,
            incident.announcement_ts,
            messages.announcement_text,
            messages.announcement_blocks,
        ),
    )
    for channel, ts, text, blocks in edits:
        if not (channel and ts):
            continue
        try:
            services.slack.chat_update(
                channel=channel, ts=ts, text=text(incident), blocks=blocks(incident)
            )
        except SlackApiError as error:
            log.warning(
                "message_update_failed",
                channel=channel,
                error=error_code(error),
                incident_ref=incident.display_ref,
            )


def post_in_channel(services: Services, incident: Incident, text: str) -> None:
    """A line in the incident channel (the timeline people read)."""
    if not incident.channel_id:
        return
    try:
        services.slack.chat_postMessage(channel=incident.channel_id, text=text)
    except SlackApiError as error:
        log.warning(
            "channel_post_failed", error=error_code(error), incident_ref=incident.display_ref
        )


def announce(services: Services, incident: Incident, text: str) -> None:
    """A line in the incidents channel (severity raised, resolved, reopened).

    It goes where the incident's announcement went, by channel id, so it lands beside it
    even if the incidents channel was renamed or the setting changed since. When the
    announcement was never posted (its step still failing), the configured channel is used,
    joining it first like the announcement would.
    """
    channel = incident.announcement_channel_id or services.config.incidents_channel
    try:
        post_joining(services, channel, text=text)
    except SlackApiError as error:
        log.warning(
            "announcement_failed",
            channel=channel,
            error=error_code(error),
            incident_ref=incident.display_ref,
        )


def post_joining(services: Services, channel: str, **message):
    """chat.postMessage to a channel by name or id, joining it first if Klaxon is not in it
    (public channels only; a private one needs someone to /invite Klaxon)."""
    try:
        return services.slack.chat_postMessage(channel=channel, **message)
    except SlackApiError as error:
        if error_code(error) != "not_in_channel":
            raise
    found = find_channel(services.slack, channel)
    if found is None:
        raise SlackApiError("channel not found", {"ok": False, "error": "channel_not_found"})
    services.slack.conversations_join(channel=found["id"])
    return services.slack.chat_postMessage(channel=channel, **message)
