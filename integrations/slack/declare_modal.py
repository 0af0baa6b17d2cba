"""The declare modal: how it looks and how its submission is read and checked."""

from __future__ import annotations

import json
from typing import Any

from incident.declare import DeclareForm
from incident.vocabulary import LIMITS, SEVERITIES, SLACK_USER_ID, Severity
from integrations.slack import declare_choices
from integrations.slack.replies import too_long
from integrations.slack.text import clean, escape, trim

CALLBACK_ID = "declare_incident"
RECENT_BLOCK = "recent"
METADATA_MAX = 3000
SEVERITY_MEANING = {
    Severity.SEV1: "critical, customers cannot use the product",
    Severity.SEV2: "major, a key feature is broken or very slow",
    Severity.SEV3: "minor, degraded with a workaround",
    Severity.SEV4: "low, cosmetic or internal only",
}
SEVERITY_OPTIONS = tuple((str(s), f"{s}: {SEVERITY_MEANING[s]}") for s in SEVERITIES)


def option(value: str, label: str) -> dict:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def text_input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    multiline=False,
    optional=False,
    initial: str = "",
    placeholder: str = "",
) -> dict:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def metadata_json(metadata: dict) -> str:
    private_metadata = json.dumps(metadata, separators=(",", ":"))
    return private_metadata if len(private_metadata) <= METADATA_MAX else "{}"


def _recent_blocks(recent) -> list[dict]:
    """The duplicate guard: incidents declared lately, so a reporter can join one."""
    if not recent:
        return []
    lines = [
        f"• *{i.severity} {i.display_ref}* {escape(trim(i.title, 80))} · "
        + (f"<#{i.channel_id}>" if i.channel_id else "_no channel yet_")
        for i in recent
    ]
    text = "*Declared in the last 30 minutes*: join one of these instead?\n" + "\n".join(lines)
    return [
        {
            "type": "section",
            "block_id": RECENT_BLOCK,
            "text": {"type": "mrkdwn", "text": trim(text, 3000)},
        },
        {"type": "divider"},
    ]


def modal(title: str = "", metadata: dict | None = None, recent=(), types=None) -> dict:
    """The /incident modal, title prefilled from the command's text; with [types]
    configured it offers them, and always a Private box."""
    private_metadata = metadata_json(metadata or {})
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Declare an incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            *_recent_blocks(recent),
            text_input(
                "title",
                "Title",
                max_length=LIMITS["title"],
                initial=trim(clean(title), LIMITS["title"]),
                placeholder="What is broken, in a few words",
            ),
            {
                "type": "input",
                "block_id": "severity",
                # Optional when a type may bring the severity (checked on submission).
                "optional": any(kind.severity for kind in (types or {}).values()),
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": "How bad is it?"},
                    "options": [option(v, label) for v, label in SEVERITY_OPTIONS],
                },
            },
            text_input(
                "impact",
                "Impact",
                max_length=LIMITS["impact"],
                multiline=True,
                optional=True,
                placeholder="Who or what is affected, and how",
            ),
            text_input(
                "description",
                "Description",
                max_length=LIMITS["description"],
                multiline=True,
                optional=True,
                placeholder="What is known so far",
            ),
            {
                "type": "input",
                "block_id": "lead",
                "optional": True,
                "label": {"type": "plain_text", "text": "Lead"},
                "element": {
                    "type": "users_select",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": "Who coordinates the response"},
                },
            },
            *declare_choices.blocks(types or {}),
        ],
    }


def value_of(values: dict, block_id: str) -> dict:
    return (values.get(block_id) or {}).get("value") or {}


def parse(values: dict, types=None) -> tuple[DeclareForm | None, dict[str, str]]:
    """Read a submitted declare modal. Returns (form, {}) or (None, {block_id: error})."""
    errors: dict[str, str] = {}
    kind, private = declare_choices.read(values, types or {}, errors)
    title = clean(value_of(values, "title").get("value") or "")
    title = " ".join(title.split())
    if not title:
        errors["title"] = "Give the incident a title."
    elif len(title) > LIMITS["title"]:
        errors["title"] = too_long("title")
    selected = value_of(values, "severity").get("selected_option") or {}
    severity = selected.get("value") or (kind.severity if kind else None)
    if severity not in SEVERITIES:
        errors["severity"] = "Choose a severity, SEV1 (worst) to SEV4."
    impact = clean(value_of(values, "impact").get("value") or "")
    if len(impact) > LIMITS["impact"]:
        errors["impact"] = too_long("impact")
    description = clean(value_of(values, "description").get("value") or "")
    if len(description) > LIMITS["description"]:
        errors["description"] = too_long("description")
    lead_id = value_of(values, "lead").get("selected_user") or None
    if lead_id is not None and not SLACK_USER_ID.fullmatch(lead_id):
        errors["lead"] = "Pick the lead from the list of people."
    if errors:
        return None, errors
    incident_type = kind.name if kind else None
    return DeclareForm(title, severity, impact, description, lead_id, incident_type, private), {}


def read_metadata(view: dict) -> dict:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}
