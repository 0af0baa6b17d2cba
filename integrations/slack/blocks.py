"""Block Kit pieces shared by Klaxon's messages: mentions, dates, links, fields, buttons,
and the action ids the handlers listen to. Pure functions; user text is escaped and
trimmed to Slack's limits wherever it enters."""

from __future__ import annotations

from datetime import datetime

from incident.vocabulary import is_slack_user
from integrations.slack.text import escape, trim

SEVERITY_EMOJI = {
    "SEV1": ":red_circle:",
    "SEV2": ":large_orange_circle:",
    "SEV3": ":large_yellow_circle:",
    "SEV4": ":white_circle:",
}
STATUS_LABEL = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FALLBACK_MAX = 3000


def date_token(moment: datetime | None) -> str:
    """A Slack date token: each reader sees the time in their own time zone."""
    if moment is None:
        return "—"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def user(user_id: str | None) -> str:
    """A mention for a Slack user id; other actors (alertmanager, an email) as plain text."""
    if not user_id:
        return "_none yet_"
    return f"<@{user_id}>" if is_slack_user(user_id) else escape(user_id)


def channel_link(channel_id: str | None, name: str | None = None) -> str:
    if channel_id:
        return f"<#{channel_id}>"
    return f"#{name}" if name else "_channel not created yet_"


def field(label: str, value: str) -> dict:
    return {"type": "mrkdwn", "text": trim(f"*{label}*\n{value}", FIELD_MAX)}


def section(label: str, text: str) -> dict:
    body = escape(text) if text.strip() else "_not given_"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": trim(f"*{label}*\n{body}", SECTION_MAX)},
    }


ACK_ACTION = "acknowledge"
UPDATE_ACTION = "incident_update"
RESOLVE_ACTION = "incident_resolve"
FOLLOWUP_ADD_ACTION = "followup_add"
FOLLOWUP_DONE_ACTION = "followup_done"


def button(action_id: str, label: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }
    if style:
        button["style"] = style
    return button


def acknowledge_button(incident) -> dict:
    return button(ACK_ACTION, "Acknowledge", str(incident.id), "primary")


def needs_ack(incident) -> bool:
    return incident.acknowledged_at is None and incident.status != "resolved"


def actions(buttons: list[dict]) -> list[dict]:
    if not buttons:
        return []
    return [{"type": "actions", "block_id": "incident_actions", "elements": buttons}]
