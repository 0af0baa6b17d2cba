"""Block Kit for incidents: pure functions of an incident, always within Slack's limits.

Every piece of user text passes through `escape` before it lands in mrkdwn, and through
`trim` so no block exceeds what Slack accepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

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
    return f"<@{user_id}>" if re.fullmatch(r"[UW][A-Z0-9]+", user_id) else escape(user_id)


def channel_link(channel_id: str | None, name: str | None = None) -> str:
    if channel_id:
        return f"<#{channel_id}>"
    return f"#{name}" if name else "_channel not created yet_"


def _field(label: str, value: str) -> dict:
    return {"type": "mrkdwn", "text": trim(f"*{label}*\n{value}", FIELD_MAX)}


def _section(label: str, text: str) -> dict:
    body = escape(text) if text.strip() else "_not given_"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": trim(f"*{label}*\n{body}", SECTION_MAX)},
    }


def headline(incident) -> str:
    return f"{incident.display_ref} · {incident.title}"


def _acknowledgement(incident) -> str:
    if incident.acknowledged_at is None:
        return "_not yet_"
    who = user(incident.acknowledged_by_id or incident.acknowledged_by_email)
    return f"{who} {date_token(incident.acknowledged_at)}"


ACK_ACTION = "acknowledge"
UPDATE_ACTION = "incident_update"
RESOLVE_ACTION = "incident_resolve"
FOLLOWUP_ADD_ACTION = "followup_add"
FOLLOWUP_DONE_ACTION = "followup_done"
FOLLOWUPS_SHOWN = 10


def _button(action_id: str, label: str, value: str, style: str | None = None) -> dict:
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
    return _button(ACK_ACTION, "Acknowledge", str(incident.id), "primary")


def _needs_ack(incident) -> bool:
    return incident.acknowledged_at is None and incident.status != "resolved"


def _actions(buttons: list[dict]) -> list[dict]:
    if not buttons:
        return []
    return [{"type": "actions", "block_id": "incident_actions", "elements": buttons}]


def _summary_buttons(incident) -> list[dict]:
    """What the summary offers in the incident's current state (no button is ever dead)."""
    value = str(incident.id)
    buttons = [acknowledge_button(incident)] if _needs_ack(incident) else []
    buttons.append(_button(UPDATE_ACTION, "Update", value))
    if incident.status != "resolved":
        buttons.append(_button(RESOLVE_ACTION, "Resolve", value, "danger"))
    buttons.append(_button(FOLLOWUP_ADD_ACTION, "Add follow-up", value))
    return buttons


def _follow_up_blocks(follow_ups) -> list[dict]:
    if not follow_ups:
        return []
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Follow-ups*"}}]
    for item in list(follow_ups)[:FOLLOWUPS_SHOWN]:
        done = item.done_at is not None
        owner = f" · {user(item.owner_id)}" if item.owner_id else ""
        text = f"{'~' if done else ''}{escape(item.text)}{'~' if done else ''}{owner}"
        block = {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": trim(
                    f"{':white_check_mark:' if done else ':black_square_button:'} {text}",
                    SECTION_MAX,
                ),
            },
        }
        if not done:
            block["accessory"] = _button(FOLLOWUP_DONE_ACTION, "Mark done", str(item.id))
        blocks.append(block)
    hidden = len(follow_ups) - FOLLOWUPS_SHOWN
    if hidden > 0:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"…and {hidden} more: `/incident report` lists them all",
                    }
                ],
            }
        )
    return blocks


def _situation_fields(incident) -> list[dict]:
    fields = []
    level = getattr(incident, "escalation_level", 0) or 0
    if level:
        fields.append(_field("Escalation", f"level {level}"))
    alerts = getattr(incident, "alert_count", 0) or 0
    if alerts:
        fields.append(_field("Alert", f"fired {alerts} time{'s' if alerts > 1 else ''}"))
    return fields


def summary_blocks(incident, follow_ups=()) -> list[dict]:
    """The pinned, living summary message in the incident channel."""
    severity = incident.severity
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": trim(headline(incident), HEADER_MAX),
                "emoji": True,
            },
        },
        {
            "type": "section",
            "fields": [
                _field("Status", STATUS_LABEL.get(incident.status, incident.status)),
                _field("Severity", f"{SEVERITY_EMOJI.get(severity, '')} {severity}".strip()),
                _field("Lead", user(incident.lead_id)),
                _field("Reporter", user(incident.reporter_id)),
                _field("Declared", date_token(incident.declared_at)),
                _field("Acknowledged", _acknowledgement(incident)),
                *_situation_fields(incident),
            ],
        },
        _section("Impact", incident.impact),
        _section("Description", incident.description),
    ]
    if incident.latest_update.strip():
        blocks.append(_section("Latest update", incident.latest_update))
    if incident.resolved_at is not None:
        blocks.append(_section(f"Resolved {date_token(incident.resolved_at)}", incident.resolution))
    blocks.extend(_follow_up_blocks(follow_ups))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{incident.display_ref} · updated {date_token(incident.updated_at)}",
                }
            ],
        }
    )
    return blocks + _actions(_summary_buttons(incident))


def summary_text(incident) -> str:
    """Notification and screen-reader fallback for the summary."""
    return trim(
        f"{incident.display_ref} [{incident.severity}, {incident.status}] {escape(incident.title)}",
        FALLBACK_MAX,
    )


def announcement_blocks(incident) -> list[dict]:
    """The message in the incidents channel that tells everyone an incident exists."""
    emoji = SEVERITY_EMOJI.get(incident.severity, "")
    lines = (
        f"{emoji} *{incident.severity} {incident.display_ref}: {escape(incident.title)}*\n"
        f"Status: *{STATUS_LABEL.get(incident.status, incident.status)}* · "
        f"Lead: {user(incident.lead_id)} · Reported by {user(incident.reporter_id)}\n"
        f"Join {channel_link(incident.channel_id, incident.channel_name)}"
    )
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": trim(lines, SECTION_MAX)}}]
    if incident.impact.strip():
        blocks.append(_section("Impact", incident.impact))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Declared {date_token(incident.declared_at)}"}
            ],
        }
    )
    return blocks + _actions([acknowledge_button(incident)] if _needs_ack(incident) else [])


def announcement_text(incident) -> str:
    return trim(
        f"{incident.severity} {incident.display_ref} declared: {escape(incident.title)}",
        FALLBACK_MAX,
    )


def confirmation_text(incident, failures: Sequence[str]) -> str:
    """What the reporter is told once the declaration has run."""
    where = channel_link(incident.channel_id, incident.channel_name)
    if not failures:
        return f":white_check_mark: {incident.display_ref} declared. Join {where}."
    listed = "\n".join(f"• {failure}" for failure in failures)
    return (
        f":warning: {incident.display_ref} is saved, but not every step worked:\n{listed}\n"
        "Klaxon keeps trying and will tell you when it is done."
    )


def awaiting_ack_blocks(waiting) -> list[dict]:
    """The ephemeral list `/incident-ack` shows outside an incident channel."""
    if not waiting:
        return [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "No open incidents are waiting for acknowledgement.",
                },
            }
        ]
    blocks = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{len(waiting)} incident(s) waiting for acknowledgement*",
            },
        }
    ]
    for incident in waiting:
        line = (
            f"{SEVERITY_EMOJI.get(incident.severity, '')} *{incident.severity} "
            f"{incident.display_ref}* {escape(incident.title)}\n"
            f"Declared {date_token(incident.declared_at)} · "
            f"{channel_link(incident.channel_id, incident.channel_name)}"
        )
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": trim(line, SECTION_MAX)},
                "accessory": acknowledge_button(incident),
            }
        )
    return blocks


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
    buttons = [_button(UPDATE_ACTION, "Post update", value, "primary")]
    buttons += [
        _button(f"{SNOOZE_ACTION_PREFIX}{minutes}", label, f"{value}|{minutes}")
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
                _button(LEAD_TAKE_ACTION, "Take the lead", str(incident.id), "primary"),
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
        *_actions([acknowledge_button(incident)] if _needs_ack(incident) else []),
    ]


def followup_reminder_text(incident, open_items) -> str:
    lines = "\n".join(f"• {escape(item.text)}" for item in open_items[:20]) or "• none open"
    return (
        f":clipboard: {incident.display_ref} ({escape(incident.title)}) was resolved "
        f"{date_token(incident.resolved_at)}. Open follow-ups:\n{lines}\n"
        f"Finish the report: `/incident report` in "
        f"{channel_link(incident.channel_id, incident.channel_name)}, or "
        f"`klaxon report {incident.display_ref}`."
    )
