"""Block Kit for what time brings: update and lead nudges, escalations, the follow-up
reminder. Pure functions of an incident; user text is escaped."""

from __future__ import annotations

import re

from incident.privacy import is_private
from integrations.slack.blocks import (
    UPDATE_ACTION,
    acknowledge_button,
    actions,
    button,
    channel_link,
    date_token,
    needs_ack,
    user,
)
from integrations.slack.runbook_messages import (
    private_escalation_blocks,
    private_followup_reminder_text,
)
from integrations.slack.text import escape, trim

LEAD_TAKE_ACTION = "lead_take"
LEAD_CHOOSE_ACTION = "lead_choose"
SNOOZE_CHOICES = ((30, "Snooze 30 min"), (120, "Snooze 2 h"))
# Slack refuses a block whose elements share an action_id, so each Snooze button has its own
# ("nudge_snooze:30"); the handler listens to them all.
SNOOZE_ACTION_PREFIX = "nudge_snooze:"
SNOOZE_ACTIONS = re.compile(rf"^{re.escape(SNOOZE_ACTION_PREFIX)}\d+$")


def update_nudge_blocks(incident, silence: str) -> list[dict]:
    who = user(incident.lead_id or incident.reporter_id)
    text = (
        f":bell: {who} {incident.display_ref} has had no update for {silence}. "
        "Post one so everyone knows where things stand."
    )
    value = str(incident.id)
    buttons = [button(UPDATE_ACTION, "Post update", value, "primary")]
    buttons += [
        button(f"{SNOOZE_ACTION_PREFIX}{minutes}", label, f"{value}|{minutes}")
        for minutes, label in SNOOZE_CHOICES
    ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "block_id": "nudge_actions", "elements": buttons},
    ]


def lead_nudge_blocks(incident, waited: str) -> list[dict]:
    text = (
        f":bust_in_silhouette: {incident.display_ref} has had no lead for {waited}. "
        "Someone needs to coordinate the response."
    )
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": f"lead|{incident.id}",
            "elements": [
                button(LEAD_TAKE_ACTION, "Take the lead", str(incident.id), "primary"),
                {
                    "type": "users_select",
                    "action_id": LEAD_CHOOSE_ACTION,
                    "placeholder": {"type": "plain_text", "text": "Choose lead"},
                },
            ],
        },
    ]


def escalation_blocks(
    incident, *, level: int, skipped, repeat: bool, waited: str, mention: str = ""
) -> list[dict]:
    if is_private(incident):
        return private_escalation_blocks(incident, level=level, waited=waited, mention=mention)
    note = ""
    if skipped:
        note = f" (level {', '.join(map(str, skipped))} fell due while Klaxon was away)"
    elif repeat:
        note = " (again)"
    text = (
        f":rotating_light: {mention}*{incident.severity} {incident.display_ref}* is not "
        f"acknowledged after {waited}: escalation level {level}{note}.\n"
        f"{escape(incident.title)} · "
        f"{channel_link(incident.channel_id, incident.channel_name)}"
    )
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": trim(text.strip(), 3000)}},
        *actions([acknowledge_button(incident)] if needs_ack(incident) else []),
    ]


def followup_reminder_text(incident, open_items) -> str:
    if is_private(incident):
        return private_followup_reminder_text(incident, len(open_items))
    lines = "\n".join(f"• {escape(item.text)}" for item in open_items[:20]) or "• none open"
    return (
        f":clipboard: {incident.display_ref} ({escape(incident.title)}) was resolved "
        f"{date_token(incident.resolved_at)}. Open follow-ups:\n{lines}\n"
        f"Finish the report: `/incident report` in "
        f"{channel_link(incident.channel_id, incident.channel_name)}, or "
        f"`klaxon report {incident.display_ref}`."
    )
