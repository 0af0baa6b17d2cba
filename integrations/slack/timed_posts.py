"""What time brings to Slack for an incident (escalations, nudges, reminders), and the
post to a channel that Klaxon may first have to join."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from slack_sdk.errors import SlackApiError

from incident.ports import Escalation
from incident.services import Services
from integrations.slack import nudge_messages
from integrations.slack.client import SlackCode, error_code, find_channel
from store.models import FollowUp, Incident

log = structlog.get_logger("klaxon.surface")


class TimedPosts:
    """The scheduler's half of `SlackSurface`: each method says whether its message went
    out (a failed Slack call is logged, never raised)."""

    _services: Services

    def escalate(self, incident: Incident, target: str, escalation: Escalation) -> bool:
        """`@group` is mentioned in the incidents channel, `#channel` is posted to, anything
        else (a user id) gets a direct message."""
        mention_text, channel = "", target
        if target.startswith("@"):
            group_id = self._services.people.group_id(target)
            mention_text = f"<!subteam^{group_id}> " if group_id else f"{target} "
            channel = self._services.config.incidents_channel
        elif target.startswith("#"):
            channel = target[1:]
        blocks = nudge_messages.escalation_blocks(
            incident,
            level=escalation.level,
            skipped=escalation.skipped,
            repeat=escalation.repeat,
            waited=escalation.waited,
            mention=mention_text,
        )
        text = (
            f"{mention_text}{incident.severity} {incident.display_ref} is not acknowledged after "
            f"{escalation.waited} (escalation level {escalation.level})"
        )
        return self._timed_post(channel, text, blocks)

    def nudge_lead(self, incident: Incident, waited: str) -> bool:
        return self._timed_post(
            incident.channel_id,
            f"{incident.display_ref} has had no lead for {waited}",
            nudge_messages.lead_nudge_blocks(incident, waited),
        )

    def nudge_update(self, incident: Incident, silence: str) -> bool:
        return self._timed_post(
            incident.channel_id,
            f"{incident.display_ref} has had no update for {silence}",
            nudge_messages.update_nudge_blocks(incident, silence),
        )

    def remind_follow_ups(self, incident: Incident, open_items: Sequence[FollowUp]) -> bool:
        return self._timed_post(
            incident.lead_id or incident.reporter_id,
            nudge_messages.followup_reminder_text(incident, list(open_items)),
        )

    def _timed_post(self, channel: str, text: str, blocks=None) -> bool:
        try:
            post_joining(self._services, channel, text=text, blocks=blocks)
            return True
        except SlackApiError as error:
            log.warning("timed_post_failed", channel=channel, error=error_code(error))
            return False


def post_joining(services: Services, channel: str, **message):
    """chat.postMessage to a channel by name or id, joining it first if Klaxon is not in it
    (public channels only; a private one needs someone to /invite Klaxon)."""
    try:
        return services.slack.chat_postMessage(channel=channel, **message)
    except SlackApiError as error:
        if error_code(error) != SlackCode.NOT_IN_CHANNEL:
            raise
    found = find_channel(services.slack, channel)
    if found is None:
        raise SlackApiError(
            "channel not found", {"ok": False, "error": SlackCode.CHANNEL_NOT_FOUND.value}
        )
    services.slack.conversations_join(channel=found["id"])
    return services.slack.chat_postMessage(channel=channel, **message)
