"""Archiving an incident's channel, and joining it again when a person unarchives it
(PRODUCT.md §16, [lifecycle]); the Slack side of `incident/archiving.py`."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident.ports import Archiving
from incident.services import Services
from integrations.slack.client import error_code
from store.models import Incident

log = structlog.get_logger("klaxon.archive")

# No answer worth keeping: Slack was rate limiting or down past the client's retries.
_TRY_AGAIN = ("ratelimited", "fatal_error", "internal_error", "service_unavailable")


def last_message(incident: Incident, open_follow_ups: int) -> str:
    why = (
        f"resolved, and {open_follow_ups} follow-up(s) are still open past the time allowed"
        if open_follow_ups
        else "resolved and its follow-ups are done"
    )
    return (
        f":file_cabinet: {incident.display_ref} is {why}, so this channel is archived now. "
        "Unarchive it to talk here again: Klaxon joins it again, and "
        "`/incident status monitoring` here reopens the incident."
    )


def archive(services: Services, incident: Incident, open_follow_ups: int) -> Archiving:
    slack = services.slack
    try:
        slack.chat_postMessage(
            channel=incident.channel_id, text=last_message(incident, open_follow_ups)
        )
    except SlackApiError as error:  # archiving goes on: the message is a courtesy
        log.warning("archive_message_failed", error=error_code(error))
    try:
        slack.conversations_archive(channel=incident.channel_id)
    except SlackApiError as error:
        code = error_code(error)
        if code in _TRY_AGAIN or code.startswith("http_"):
            return Archiving(done=False)
        return Archiving(done=False, refused=code)
    except OSError as error:  # the connection itself: try again later
        log.warning("archive_failed", error=type(error).__name__)
        return Archiving(done=False)
    return Archiving(done=True)


def rejoin(services: Services, incident: Incident) -> bool:
    """Join the unarchived channel again and say how to reopen the incident."""
    try:
        services.slack.conversations_join(channel=incident.channel_id)
        services.slack.chat_postMessage(
            channel=incident.channel_id,
            text=(
                f":wave: Klaxon is back in {incident.display_ref}'s channel. "
                "`/incident status monitoring` reopens the incident."
            ),
        )
    except SlackApiError as error:
        log.warning("rejoin_failed", incident_ref=incident.display_ref, error=error_code(error))
        return False
    return True
