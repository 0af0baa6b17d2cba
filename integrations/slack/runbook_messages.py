"""Block Kit for PRODUCT.md §15: what a private incident shows outside its channel, the
checklist message and its nudge, and the summary's type, roles and checklist progress.

Outside the channel a private incident is its ref, severity, lead and an Acknowledge
button: never its title, description, impact, updates or channel name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from incident.checklists import PER_GROUP
from integrations.slack.blocks import (
    SECTION_MAX,
    acknowledge_button,
    actions,
    button,
    field,
    needs_ack,
    user,
)
from integrations.slack.text import escape, trim

CHECKLIST_ACTION = "checklist_tick"
CHECKLIST_BLOCK_PREFIX = "checklist|"
ROLE_CLAIM_ACTION_PREFIX = "role_claim:"
# Slack shows a checkbox's label up to 75 characters.
OPTION_MAX = 75


@dataclass(frozen=True)
class Runbook:
    """What the summary shows beside Part 1's fields: the type, privacy, the roles with
    their holders (role name, label, holder or None), and the checklist's progress."""

    type_label: str | None = None
    private: bool = False
    roles: tuple[tuple[str, str, str | None], ...] = ()
    checklist: tuple[int, int] = (0, 0)


# ----- a private incident outside its channel -----


def private_announcement_text(incident) -> str:
    lead = user(incident.lead_id) if incident.lead_id else "not set yet"
    return f":lock: A private incident {incident.display_ref} was declared, lead {lead}"


def private_announcement_blocks(incident) -> list[dict]:
    text = f"{private_announcement_text(incident)} ({incident.severity})"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    return blocks + actions([acknowledge_button(incident)] if needs_ack(incident) else [])


def private_escalation_blocks(incident, *, level: int, waited: str, mention: str = "") -> list:
    text = (
        f":lock: {mention}*{incident.severity} {incident.display_ref}* (private) is not "
        f"acknowledged after {waited}: escalation level {level}. Acknowledge to be invited."
    )
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text.strip()}},
        *actions([acknowledge_button(incident)] if needs_ack(incident) else []),
    ]


def private_followup_reminder_text(incident, open_count: int) -> str:
    return (
        f":clipboard: {incident.display_ref} (private) was resolved; {open_count} follow-up(s) "
        f"are open. Finish the report with `/incident report` in <#{incident.channel_id}>."
    )


# ----- the checklist -----


def checklist_text(incident, items) -> str:
    done = sum(1 for item in items if item.done_at is not None)
    return f"{incident.display_ref} checklist {done}/{len(items)}"


def checklist_blocks(incident, items: Sequence) -> list[dict]:
    """One checkboxes element per ten items (Slack's limit), each in its own actions block
    whose id says which incident and which group of ten."""
    done, total = sum(1 for i in items if i.done_at is not None), len(items)
    blocks: list[dict] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f":clipboard: *Checklist* {done}/{total}"},
        }
    ]
    for group in range(0, total, PER_GROUP):
        chunk = items[group : group + PER_GROUP]
        options = [_option(item) for item in chunk]
        element: dict = {"type": "checkboxes", "action_id": CHECKLIST_ACTION, "options": options}
        selected = [
            option for option, item in zip(options, chunk, strict=True) if item.done_at is not None
        ]
        if selected:
            element["initial_options"] = selected
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{CHECKLIST_BLOCK_PREFIX}{incident.id}|{group // PER_GROUP}",
                "elements": [element],
            }
        )
    return blocks


def _option(item) -> dict:
    option = {
        "text": {"type": "plain_text", "text": trim(item.text, OPTION_MAX)},
        "value": str(item.id),
    }
    if item.due_at is not None:
        due = item.due_at.strftime("%H:%M UTC")
        option["description"] = {"type": "plain_text", "text": f"due {due}"}
    return option


def checklist_nudge_text(incident, items) -> str:
    names = "\n".join(f"• {escape(item.text)}" for item in items)
    who = user(incident.lead_id or incident.reporter_id)
    return trim(
        f":alarm_clock: {who} {incident.display_ref}: still open past its time:\n{names}",
        SECTION_MAX,
    )


# ----- the summary -----


def summary_section(runbook: Runbook | None) -> list[dict]:
    """A section of its own (a section holds at most 10 fields: type, checklist and up to
    eight roles, see settings.types.ROLES_MAX)."""
    if runbook is None:
        return []
    fields = []
    if runbook.type_label or runbook.private:
        kind = runbook.type_label or "—"
        fields.append(
            field("Type", f"{escape(kind)}{' · :lock: private' if runbook.private else ''}")
        )
    for _, label, holder in runbook.roles:
        fields.append(field(escape(label), user(holder) if holder else "_unclaimed_"))
    done, total = runbook.checklist
    if total:
        fields.append(field("Checklist", f"Checklist {done}/{total}"))
    return [{"type": "section", "fields": fields}] if fields else []


def claim_buttons(incident, runbook: Runbook | None) -> list[dict]:
    """An actions block with a Claim button for each role nobody holds."""
    if runbook is None:
        return []
    buttons = [
        button(f"{ROLE_CLAIM_ACTION_PREFIX}{name}", trim(f"Claim {label}", 75), str(incident.id))
        for name, label, holder in runbook.roles
        if holder is None
    ]
    if not buttons:
        return []
    return [{"type": "actions", "block_id": "role_claims", "elements": buttons}]


def checklist_block(block_id: str) -> tuple[str, int]:
    """(incident id, group) from a checklist block id; ("", 0) for anything else."""
    prefix, _, rest = block_id.partition(CHECKLIST_BLOCK_PREFIX)
    incident_id, _, group = rest.partition("|")
    if prefix or not incident_id:
        return "", 0
    return incident_id, int(group) if group.isdigit() else 0
