"""The "Publish to status page" modal: public title, public status, each component's
impact, and the public message. It starts from what the page shows (or, the first time,
from the incident's title alone): nothing else of the incident is copied into it."""

from __future__ import annotations

from incident.status_page import PublicInput
from incident.vocabulary import COMPONENT_IMPACTS, LIMITS, OPERATIONAL, PUBLIC_STATUSES
from integrations.slack.declare_modal import (
    metadata_json,
    option,
    read_metadata,
    text_input,
    value_of,
)
from integrations.slack.messages import PUBLISH_ACTION
from integrations.slack.text import clean, trim

CALLBACK = "publish_status_page"
__all__ = ["CALLBACK", "PUBLISH_ACTION", "modal", "parse"]
WORDS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    OPERATIONAL: "Not affected",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
EXPLAINED = (
    "*This goes on the public status page.* Only what you write here is published: nothing "
    "of the incident channel (names, notes, description) is copied. The message is shown as "
    f"plain text (no formatting or mentions), up to {LIMITS['public_message']:,} characters."
)


def _component_block(index: int, name: str, impact: str) -> dict:
    options = [option(value, WORDS[value]) for value in (OPERATIONAL, *COMPONENT_IMPACTS)]
    initial = next(o for o in options if o["value"] == impact)
    return {
        "type": "input",
        "block_id": f"component_{index}",
        "label": {"type": "plain_text", "text": trim(name, 150)},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "initial_option": initial,
        },
    }


def modal(
    incident,
    components: tuple[str, ...],
    *,
    title: str,
    status: str,
    impacts: dict[str, str],
    resolving: bool = False,
) -> dict:
    statuses = [option(s, WORDS[s]) for s in PUBLIC_STATUSES]
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": EXPLAINED}},
        text_input(
            "title",
            "Public title",
            max_length=LIMITS["public_title"],
            initial=trim(title, LIMITS["public_title"]),
        ),
        {
            "type": "input",
            "block_id": "status",
            "label": {"type": "plain_text", "text": "Public status"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": statuses,
                "initial_option": next(o for o in statuses if o["value"] == status),
            },
        },
        *(
            _component_block(index, name, impacts.get(name, OPERATIONAL))
            for index, name in enumerate(components)
        ),
        text_input(
            "message",
            "Public resolution message" if resolving else "Public message",
            max_length=LIMITS["public_message"],
            multiline=True,
            placeholder="What customers see, e.g. “Some API requests fail; we are on it.”",
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": metadata_json({"incident_id": str(incident.id)}),
        "title": {"type": "plain_text", "text": "Status page"},
        "submit": {"type": "plain_text", "text": "Publish"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks[:100],
    }


def parse(values: dict, components: tuple[str, ...]) -> tuple[PublicInput | None, dict[str, str]]:
    errors = {}
    title = " ".join(clean(value_of(values, "title").get("value") or "").split())
    if not title:
        errors["title"] = "The public title cannot be empty."
    status = (value_of(values, "status").get("selected_option") or {}).get("value")
    if status not in PUBLIC_STATUSES:
        errors["status"] = "Choose a public status."
    message = clean(value_of(values, "message").get("value") or "")
    if not message:
        errors["message"] = "Write the message the public will read."
    elif len(message) > LIMITS["public_message"]:
        errors["message"] = f"Keep it under {LIMITS['public_message']:,} characters."
    impacts = {}
    for index, name in enumerate(components):
        chosen = (value_of(values, f"component_{index}").get("selected_option") or {}).get("value")
        if chosen in COMPONENT_IMPACTS:
            impacts[name] = chosen
    if errors:
        return None, errors
    return PublicInput(message=message, title=title, status=status, components=impacts), {}


def incident_id_of(view: dict) -> str:
    return str(read_metadata(view).get("incident_id") or "")
