"""The modals that run an incident: Update, Resolve and Add follow-up."""

from __future__ import annotations

import re

from incident.lifecycle import TRANSITIONS, Changes
from integrations.slack.declare_modal import (
    DESCRIPTION_MAX,
    IMPACT_MAX,
    SEVERITY_OPTIONS,
    TITLE_MAX,
    metadata_json,
    option,
    read_metadata,
    text_input,
    value_of,
)
from integrations.slack.text import clean, trim

UPDATE_CALLBACK = "update_incident"
RESOLVE_CALLBACK = "resolve_incident"
FOLLOWUP_CALLBACK = "add_followup"
NOTE_MAX = 2900
RESOLUTION_MAX = 2900
FOLLOWUP_MAX = 500
RESOLVE_EXPLAINED = (
    "Resolving records the time, posts time to acknowledge and to resolve, and tells the "
    "incidents channel."
)
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_STATUS_LABELS = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}


def _modal(callback_id: str, title: str, submit: str, incident, blocks: list[dict]) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata_json({"incident_id": str(incident.id)}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _select(block_id: str, label: str, options: list[dict], initial: dict | None) -> dict:
    element = {"type": "static_select", "action_id": "value", "options": options}
    if initial:
        element["initial_option"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def _users(block_id: str, label: str, initial: str | None, optional=True) -> dict:
    element = {"type": "users_select", "action_id": "value"}
    if initial:
        element["initial_user"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def update_modal(incident) -> dict:
    statuses = [incident.status, *sorted(TRANSITIONS[incident.status])]
    status_options = [option(s, _STATUS_LABELS[s]) for s in statuses]
    severity_options = [option(v, label) for v, label in SEVERITY_OPTIONS]
    current_severity = next(o for o in severity_options if o["value"] == incident.severity)
    return _modal(
        UPDATE_CALLBACK,
        f"Update {incident.display_ref}"[:24],
        "Save",
        incident,
        [
            _select("status", "Status", status_options, status_options[0]),
            _select("severity", "Severity", severity_options, current_severity),
            _users("lead", "Lead", incident.lead_id),
            text_input(
                "title", "Title", max_length=TITLE_MAX, initial=trim(incident.title, TITLE_MAX)
            ),
            text_input(
                "impact",
                "Impact",
                max_length=IMPACT_MAX,
                multiline=True,
                optional=True,
                initial=trim(incident.impact, IMPACT_MAX),
            ),
            text_input(
                "description",
                "Description",
                max_length=DESCRIPTION_MAX,
                multiline=True,
                optional=True,
                initial=trim(incident.description, DESCRIPTION_MAX),
            ),
            text_input(
                "note",
                "Update note (posted in the channel)",
                max_length=NOTE_MAX,
                multiline=True,
                optional=True,
                placeholder="What changed, what's next",
            ),
        ],
    )


def parse_update(values: dict) -> tuple[Changes | None, dict[str, str]]:
    errors = {}
    status = (value_of(values, "status").get("selected_option") or {}).get("value")
    if status not in _STATUS_LABELS:
        errors["status"] = "Choose a status."
    severity = (value_of(values, "severity").get("selected_option") or {}).get("value")
    if severity not in {v for v, _ in SEVERITY_OPTIONS}:
        errors["severity"] = "Choose a severity."
    lead = value_of(values, "lead").get("selected_user")
    if lead is not None and not _USER_ID.fullmatch(lead):
        errors["lead"] = "Pick the lead from the list of people."
    title = " ".join(clean(value_of(values, "title").get("value") or "").split())
    if not title:
        errors["title"] = "The incident needs a title."
    if errors:
        return None, errors
    return Changes(
        status=status,
        severity=severity,
        lead_id=lead,
        title=title[:TITLE_MAX],
        impact=clean(value_of(values, "impact").get("value") or "")[:IMPACT_MAX],
        description=clean(value_of(values, "description").get("value") or "")[:DESCRIPTION_MAX],
        note=clean(value_of(values, "note").get("value") or "")[:NOTE_MAX],
    ), {}


def resolve_modal(incident) -> dict:
    return _modal(
        RESOLVE_CALLBACK,
        f"Resolve {incident.display_ref}"[:24],
        "Resolve",
        incident,
        [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": RESOLVE_EXPLAINED,
                },
            },
            text_input(
                "resolution",
                "What fixed it?",
                max_length=RESOLUTION_MAX,
                multiline=True,
                placeholder="The resolution summary, for the report",
            ),
        ],
    )


def parse_resolve(values: dict) -> tuple[str | None, dict[str, str]]:
    resolution = clean(value_of(values, "resolution").get("value") or "")
    if not resolution:
        return None, {"resolution": "Say in a line what resolved it."}
    return resolution[:RESOLUTION_MAX], {}


def followup_modal(incident) -> dict:
    return _modal(
        FOLLOWUP_CALLBACK,
        "Add a follow-up",
        "Add",
        incident,
        [
            text_input(
                "text",
                "Follow-up",
                max_length=FOLLOWUP_MAX,
                placeholder="An action that prevents a repeat",
            ),
            _users("owner", "Owner", None),
        ],
    )


def parse_followup(values: dict) -> tuple[tuple[str, str | None] | None, dict[str, str]]:
    text = " ".join(clean(value_of(values, "text").get("value") or "").split())
    owner = value_of(values, "owner").get("selected_user")
    errors = {}
    if not text:
        errors["text"] = "Describe the follow-up."
    if owner is not None and not _USER_ID.fullmatch(owner):
        errors["owner"] = "Pick the owner from the list of people."
    if errors:
        return None, errors
    return (text[:FOLLOWUP_MAX], owner), {}


def incident_id_of(view: dict) -> str:
    return str(read_metadata(view).get("incident_id") or "")
