"""The modals that run an incident: Update, Resolve and Add follow-up."""

from __future__ import annotations

from datetime import UTC, datetime

from incident.vocabulary import LIMITS, SLACK_USER_ID, STATUSES, TRANSITIONS, Changes
from integrations.slack.blocks import STATUS_LABEL
from integrations.slack.declare_modal import (
    SEVERITY_OPTIONS,
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
RESOLVE_EXPLAINED = (
    "Resolving records the time, posts time to acknowledge and to resolve, and tells the "
    "incidents channel."
)


def impact_started_input(initial: datetime | None) -> dict:
    """When impact started, picked in the person's own time zone (Slack sends a UNIX
    time): the report's times to detect, acknowledge, mitigate and resolve start there."""
    element: dict = {"type": "datetimepicker", "action_id": "value"}
    if initial:
        element["initial_date_time"] = int(initial.timestamp())
    return {
        "type": "input",
        "block_id": "impact_started",
        "optional": True,
        "label": {"type": "plain_text", "text": "Impact started"},
        "hint": {
            "type": "plain_text",
            "text": "When customers were first affected, if before the declaration.",
        },
        "element": element,
    }


def picked_time(values: dict, block_id: str) -> datetime | None:
    """The UTC time a datetimepicker was set to, or None when left empty."""
    picked = value_of(values, block_id).get("selected_date_time")
    return datetime.fromtimestamp(int(picked), UTC) if picked is not None else None


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
    status_options = [option(s, STATUS_LABEL[s]) for s in statuses]
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
                "title",
                "Title",
                max_length=LIMITS["title"],
                initial=trim(incident.title, LIMITS["title"]),
            ),
            text_input(
                "impact",
                "Impact",
                max_length=LIMITS["impact"],
                multiline=True,
                optional=True,
                initial=trim(incident.impact, LIMITS["impact"]),
            ),
            impact_started_input(incident.impact_started_at),
            text_input(
                "description",
                "Description",
                max_length=LIMITS["description"],
                multiline=True,
                optional=True,
                initial=trim(incident.description, LIMITS["description"]),
            ),
            text_input(
                "note",
                "Update note (posted in the channel)",
                max_length=LIMITS["note"],
                multiline=True,
                optional=True,
                placeholder="What changed, what's next",
            ),
        ],
    )


def parse_update(values: dict) -> tuple[Changes | None, dict[str, str]]:
    errors = {}
    status = (value_of(values, "status").get("selected_option") or {}).get("value")
    if status not in STATUSES:
        errors["status"] = "Choose a status."
    severity = (value_of(values, "severity").get("selected_option") or {}).get("value")
    if severity not in {v for v, _ in SEVERITY_OPTIONS}:
        errors["severity"] = "Choose a severity."
    lead = value_of(values, "lead").get("selected_user")
    if lead is not None and not SLACK_USER_ID.fullmatch(lead):
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
        title=title[: LIMITS["title"]],
        impact=clean(value_of(values, "impact").get("value") or "")[: LIMITS["impact"]],
        description=clean(value_of(values, "description").get("value") or "")[
            : LIMITS["description"]
        ],
        note=clean(value_of(values, "note").get("value") or "")[: LIMITS["note"]],
        impact_started_at=picked_time(values, "impact_started"),
    ), {}


def resolve_modal(incident, *, on_status_page: bool = False) -> dict:
    """`on_status_page`: the incident is on the public status page, which is resolved with
    it, so the form asks for the public resolution message too."""
    public = [PUBLIC_RESOLUTION_BLOCK] if on_status_page else []
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
                max_length=LIMITS["resolution"],
                multiline=True,
                placeholder="The resolution summary, for the report",
            ),
            text_input(
                "root_cause",
                "Root cause",
                max_length=LIMITS["root_cause"],
                multiline=True,
                optional=True,
                initial=trim(incident.root_cause, LIMITS["root_cause"]),
                placeholder="What made this possible, and why it was not caught earlier",
            ),
            *public,
        ],
    )


PUBLIC_RESOLUTION_BLOCK = text_input(
    "public_resolution",
    "Public resolution message (status page)",
    max_length=LIMITS["public_message"],
    multiline=True,
    placeholder="What customers read, e.g. “The API is working normally again.”",
)


def parse_public_resolution(values: dict) -> tuple[str | None, dict[str, str]]:
    """The public resolution message, when the form asked for one (None when it did not)."""
    if "public_resolution" not in values:
        return None, {}
    message = clean(value_of(values, "public_resolution").get("value") or "")
    if not message:
        return None, {"public_resolution": "Write what the status page should say."}
    return message[: LIMITS["public_message"]], {}


def parse_resolve(values: dict) -> tuple[Changes | None, dict[str, str]]:
    resolution = clean(value_of(values, "resolution").get("value") or "")
    if not resolution:
        return None, {"resolution": "Say in a line what resolved it."}
    root_cause = clean(value_of(values, "root_cause").get("value") or "")
    return Changes(
        status="resolved",
        resolution=resolution[: LIMITS["resolution"]],
        root_cause=root_cause[: LIMITS["root_cause"]] or None,
    ), {}


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
                max_length=LIMITS["follow_up"],
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
    if owner is not None and not SLACK_USER_ID.fullmatch(owner):
        errors["owner"] = "Pick the owner from the list of people."
    if errors:
        return None, errors
    return (text[: LIMITS["follow_up"]], owner), {}


def incident_id_of(view: dict) -> str:
    return str(read_metadata(view).get("incident_id") or "")
