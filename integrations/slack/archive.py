"""Archiving an incident's channel, joining it again when a person unarchives a public one,
and, for a private one (which no bot can join), saying how to invite Klaxon back and that
it is back (PRODUCT.md §16, [lifecycle]); the Slack side of `incident/archiving.py`."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident.ports import Archiving
from incident.privacy import is_private
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
    back = (
        "unarchive it, then `/invite @Klaxon` here (a private channel needs a person to "
        "bring Klaxon back)"
        if is_private(incident)
        else "unarchive it: Klaxon joins it again"
    )
    return (
        f":file_cabinet: {incident.display_ref} is {why}, so this channel is archived now. "
        f"To talk here again, {back}, and `/incident status monitoring` here reopens the "
        "incident."
    )


def invite_back_text(incident: Incident) -> str:
    """The answer to `/incident …` in the unarchived private channel Klaxon is not in."""
    return (
        f"Klaxon is not in {incident.display_ref}'s channel any more: Slack removed it when "
        "the channel was archived, and a bot cannot join a private channel by itself. "
        "`/invite @Klaxon` here brings it back; then run your command again."
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


def _back_text(incident: Incident, inviter_id: str | None = None) -> str:
    by = f" (invited by <@{inviter_id}>)" if inviter_id else ""
    return (
        f":wave: Klaxon is back in {incident.display_ref}'s channel{by}. "
        "`/incident status monitoring` reopens the incident."
    )


def rejoin(services: Services, incident: Incident) -> bool:
    """Join the unarchived channel again and say how to reopen the incident."""
    try:
        services.slack.conversations_join(channel=incident.channel_id)
        services.slack.chat_postMessage(channel=incident.channel_id, text=_back_text(incident))
    except SlackApiError as error:
        log.warning("rejoin_failed", incident_ref=incident.display_ref, error=error_code(error))
        return False
    return True


def say_back(services: Services, incident: Incident, inviter_id: str | None) -> None:
    """Klaxon was invited back: say so in the channel, and how to reopen the incident."""
    try:
        services.slack.chat_postMessage(
            channel=incident.channel_id, text=_back_text(incident, inviter_id)
        )
    except SlackApiError as error:
        log.warning(
            "back_message_failed", incident_ref=incident.display_ref, error=error_code(error)
        )


def is_member(services: Services, incident: Incident) -> bool:
    """Whether Klaxon is in the incident's channel (conversations.info; a private channel
    it is not in does not exist for it: channel_not_found). False when Slack will not say."""
    try:
        channel = services.slack.conversations_info(channel=incident.channel_id)["channel"]
    except SlackApiError as error:
        log.info("membership_unknown", incident_ref=incident.display_ref, error=error_code(error))
        return False
    return bool(channel.get("is_member")) and not channel.get("is_archived")
