"""The `/incident timeline` form: add an entry at the time it happened, or remove one that
people added."""

from __future__ import annotations

from incident.timeline_edits import Edit
from incident.vocabulary import LIMITS, trim
from integrations.slack.declare_modal import metadata_json, option, text_input, value_of
from integrations.slack.incident_modals import picked_time
from integrations.slack.text import clean

TIMELINE_CALLBACK = "timeline_edit"
EXPLAINED = (
    "Add what happened at the time it happened (e.g. impact started at 09:02), or remove "
    "an entry people added. Times are picked in your own time zone."
)


def _when() -> dict:
    return {
        "type": "input",
        "block_id": "when",
        "optional": True,
        "label": {"type": "plain_text", "text": "When"},
        "element": {"type": "datetimepicker", "action_id": "value"},
    }


def _removable(entries) -> dict:
    options = [
        option(str(e.id), trim(f"{e.occurred_at:%d %b %H:%M} UTC · {e.text}", 75)) for e in entries
    ]
    return {
        "type": "input",
        "block_id": "remove",
        "optional": True,
        "label": {"type": "plain_text", "text": "Remove an entry"},
        "element": {"type": "static_select", "action_id": "value", "options": options},
    }


def modal(incident, removable) -> dict:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": EXPLAINED}},
        _when(),
        text_input(
            "entry",
            "What happened",
            max_length=LIMITS["timeline_entry"],
            multiline=True,
            optional=True,
            placeholder="Impact started: EU checkout errors",
        ),
    ]
    if removable:
        blocks.append(_removable(removable))
    return {
        "type": "modal",
        "callback_id": TIMELINE_CALLBACK,
        "private_metadata": metadata_json({"incident_id": str(incident.id)}),
        "title": {"type": "plain_text", "text": f"Timeline {incident.display_ref}"[:24]},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def parse(values: dict) -> tuple[Edit | None, dict[str, str]]:
    text = clean(value_of(values, "entry").get("value") or "")
    at = picked_time(values, "when")
    chosen = (value_of(values, "remove").get("selected_option") or {}).get("value")
    errors = {}
    if text and at is None:
        errors["when"] = "Pick when it happened."
    if at is not None and not text:
        errors["entry"] = "Write what happened then."
    if not text and at is None and not chosen:
        errors["entry"] = "Write an entry (and pick when it happened), or choose one to remove."
    if errors:
        return None, errors
    remove_id = int(chosen) if chosen and chosen.isdigit() else None
    return Edit(text=text[: LIMITS["timeline_entry"]], at=at, remove_id=remove_id), {}
