"""The declare modal: how it looks and how its submission is read and checked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.text import clean, trim

CALLBACK_ID = "declare_incident"
TITLE_MAX = 100
IMPACT_MAX = 1000
DESCRIPTION_MAX = 2500
METADATA_MAX = 3000
SEVERITY_OPTIONS = (
    ("SEV1", "SEV1: critical, customers cannot use the product"),
    ("SEV2", "SEV2: major, a key feature is broken or very slow"),
    ("SEV3", "SEV3: minor, degraded with a workaround"),
    ("SEV4", "SEV4: low, cosmetic or internal only"),
)
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


@dataclass(frozen=True)
class DeclareForm:
    title: str
    severity: str
    impact: str
    description: str
    lead_id: str | None


def _option(value: str, label: str) -> dict:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _text_input(
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


def modal(title: str = "", metadata: dict | None = None) -> dict:
    """The /incident modal, title prefilled from the command's text."""
    private_metadata = json.dumps(metadata or {}, separators=(",", ":"))
    if len(private_metadata) > METADATA_MAX:
        private_metadata = "{}"
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Declare an incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _text_input(
                "title",
                "Title",
                max_length=TITLE_MAX,
                initial=trim(clean(title), TITLE_MAX),
                placeholder="What is broken, in a few words",
            ),
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": "How bad is it?"},
                    "options": [_option(v, label) for v, label in SEVERITY_OPTIONS],
                },
            },
            _text_input(
                "impact",
                "Impact",
                max_length=IMPACT_MAX,
                multiline=True,
                optional=True,
                placeholder="Who or what is affected, and how",
            ),
            _text_input(
                "description",
                "Description",
                max_length=DESCRIPTION_MAX,
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
        ],
    }


def _value(values: dict, block_id: str) -> dict:
    return (values.get(block_id) or {}).get("value") or {}


def parse(values: dict) -> tuple[DeclareForm | None, dict[str, str]]:
    """Read a submitted declare modal. Returns (form, {}) or (None, {block_id: error})."""
    errors: dict[str, str] = {}
    title = clean(_value(values, "title").get("value") or "")
    title = " ".join(title.split())
    if not title:
        errors["title"] = "Give the incident a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    selected = _value(values, "severity").get("selected_option") or {}
    severity = selected.get("value")
    if severity not in {value for value, _ in SEVERITY_OPTIONS}:
        errors["severity"] = "Choose a severity, SEV1 (worst) to SEV4."
    impact = clean(_value(values, "impact").get("value") or "")
    if len(impact) > IMPACT_MAX:
        errors["impact"] = f"Keep the impact under {IMPACT_MAX} characters."
    description = clean(_value(values, "description").get("value") or "")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep the description under {DESCRIPTION_MAX} characters."
    lead_id = _value(values, "lead").get("selected_user") or None
    if lead_id is not None and not _USER_ID.fullmatch(lead_id):
        errors["lead"] = "Pick the lead from the list of people."
    if errors:
        return None, errors
    return DeclareForm(title, severity, impact, description, lead_id), {}


def read_metadata(view: dict) -> dict:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}
