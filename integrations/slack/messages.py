"""Block Kit for incidents: the pinned summary, the announcement, the reporter's
confirmation and the list of what waits for acknowledgement. Pure functions of an
incident, always within Slack's limits: every piece of user text passes through `escape`
before it lands in mrkdwn, and through `trim` so no block exceeds what Slack accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from incident.privacy import is_private
from integrations.slack.blocks import (
    FALLBACK_MAX,
    FOLLOWUP_ADD_ACTION,
    FOLLOWUP_DONE_ACTION,
    HEADER_MAX,
    RESOLVE_ACTION,
    SECTION_MAX,
    SEVERITY_EMOJI,
    STATUS_LABEL,
    UPDATE_ACTION,
    acknowledge_button,
    actions,
    button,
    channel_link,
    date_token,
    field,
    needs_ack,
    section,
    user,
)
from integrations.slack.page_lines import paging_blocks
from integrations.slack.runbook_messages import (
    Runbook,
    claim_buttons,
    private_announcement_blocks,
    private_announcement_text,
    summary_section,
)
from integrations.slack.text import escape, trim

FOLLOWUPS_SHOWN = 10
# The summary's "Publish to status page" button (integrations/slack/status_page_modal.py).
PUBLISH_ACTION = "status_page_publish"


@dataclass(frozen=True)
class OnPage:
    """What the public status page shows of the incident (`line` None: nothing yet); the
    summary gets no such part when no status page is configured."""

    line: str | None = None
    url: str = ""
    resolved: bool = False


def headline(incident) -> str:
    return f"{incident.display_ref} · {incident.title}"


def _acknowledgement(incident) -> str:
    if incident.acknowledged_at is None:
        return "_not yet_"
    who = user(incident.acknowledged_by_id or incident.acknowledged_by_email)
    return f"{who} {date_token(incident.acknowledged_at)}"


def _summary_buttons(incident, on_page: OnPage | None = None) -> list[dict]:
    """What the summary offers in the incident's current state (no button is ever dead)."""
    value = str(incident.id)
    buttons = [acknowledge_button(incident)] if needs_ack(incident) else []
    buttons.append(button(UPDATE_ACTION, "Update", value))
    if incident.status != "resolved":
        buttons.append(button(RESOLVE_ACTION, "Resolve", value, "danger"))
    buttons.append(button(FOLLOWUP_ADD_ACTION, "Add follow-up", value))
    if on_page is not None and (incident.status != "resolved" or not on_page.resolved):
        buttons.append(button(PUBLISH_ACTION, "Publish to status page", value))
    return buttons


def _on_page_blocks(on_page: OnPage | None) -> list[dict]:
    if on_page is None or on_page.line is None:
        return []
    said = escape(on_page.line)
    shown = f"<{on_page.url}|{said}>" if on_page.url.startswith("http") else said
    return [
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": trim(f"On the status page: {shown}", SECTION_MAX)}
            ],
        }
    ]


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
            block["accessory"] = button(FOLLOWUP_DONE_ACTION, "Mark done", str(item.id))
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
        fields.append(field("Escalation", f"level {level}"))
    alerts = getattr(incident, "alert_count", 0) or 0
    if alerts:
        fields.append(field("Alert", f"fired {alerts} time{'s' if alerts > 1 else ''}"))
    return fields


def summary_blocks(
    incident,
    follow_ups=(),
    on_page: OnPage | None = None,
    pages=(),
    runbook: Runbook | None = None,
) -> list[dict]:
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
                field("Status", STATUS_LABEL.get(incident.status, incident.status)),
                field("Severity", f"{SEVERITY_EMOJI.get(severity, '')} {severity}".strip()),
                field("Lead", user(incident.lead_id)),
                field("Reporter", user(incident.reporter_id)),
                field("Declared", date_token(incident.declared_at)),
                field("Acknowledged", _acknowledgement(incident)),
                *_situation_fields(incident),
            ],
        },
        *summary_section(runbook),
        section("Impact", incident.impact),
        section("Description", incident.description),
    ]
    if incident.latest_update.strip():
        blocks.append(section("Latest update", incident.latest_update))
    if incident.resolved_at is not None:
        blocks.append(section(f"Resolved {date_token(incident.resolved_at)}", incident.resolution))
    blocks.extend(paging_blocks(pages))
    blocks.extend(_follow_up_blocks(follow_ups))
    blocks.extend(_on_page_blocks(on_page))
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
    return blocks + actions(_summary_buttons(incident, on_page)) + claim_buttons(incident, runbook)


def summary_text(incident) -> str:
    """Notification and screen-reader fallback for the summary."""
    return trim(
        f"{incident.display_ref} [{incident.severity}, {incident.status}] {escape(incident.title)}",
        FALLBACK_MAX,
    )


def announcement_blocks(incident) -> list[dict]:
    """The message in the incidents channel that tells everyone an incident exists."""
    if is_private(incident):
        return private_announcement_blocks(incident)
    emoji = SEVERITY_EMOJI.get(incident.severity, "")
    lines = (
        f"{emoji} *{incident.severity} {incident.display_ref}: {escape(incident.title)}*\n"
        f"Status: *{STATUS_LABEL.get(incident.status, incident.status)}* · "
        f"Lead: {user(incident.lead_id)} · Reported by {user(incident.reporter_id)}\n"
        f"Join {channel_link(incident.channel_id, incident.channel_name)}"
    )
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": trim(lines, SECTION_MAX)}}]
    if incident.impact.strip():
        blocks.append(section("Impact", incident.impact))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Declared {date_token(incident.declared_at)}"}
            ],
        }
    )
    return blocks + actions([acknowledge_button(incident)] if needs_ack(incident) else [])


def announcement_text(incident) -> str:
    if is_private(incident):
        return private_announcement_text(incident)
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
