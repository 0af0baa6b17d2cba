"""The declare form's runbook inputs: the incident type ([types], when configured) and the
Private box. A type may force privacy; a type with a severity makes the form's severity
optional (the type's is used when none is chosen)."""

from __future__ import annotations

from collections.abc import Mapping

from settings.types import IncidentType

TYPE_BLOCK = "type"
PRIVATE_BLOCK = "private"
PRIVATE_VALUE = "private"
NO_TYPE = "-"


def _option(value: str, label: str) -> dict:
    return {"text": {"type": "plain_text", "text": label[:75]}, "value": value}


def blocks(types: Mapping[str, IncidentType]) -> list[dict]:
    found: list[dict] = []
    if types:
        options = [_option(NO_TYPE, "General (no type)")]
        options += [
            _option(name, f"{kind.label}{' (private)' if kind.private else ''}")
            for name, kind in list(types.items())[:99]
        ]
        found.append(
            {
                "type": "input",
                "block_id": TYPE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Type"},
                "hint": {
                    "type": "plain_text",
                    "text": "A type brings its people, escalation and checklist.",
                },
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": "General"},
                    "options": options,
                },
            }
        )
    found.append(
        {
            "type": "input",
            "block_id": PRIVATE_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Privacy"},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [
                    {
                        "text": {"type": "plain_text", "text": "Private"},
                        "value": PRIVATE_VALUE,
                        "description": {
                            "type": "plain_text",
                            "text": "A private channel; only its ref leaves it. Cannot be undone.",
                        },
                    }
                ],
            },
        }
    )
    return found


def read(
    values: dict, types: Mapping[str, IncidentType], errors: dict[str, str]
) -> tuple[IncidentType | None, bool]:
    """The chosen type and whether the incident is private (a private type forces it)."""
    state = values.get(TYPE_BLOCK, {}).get("value") or {}
    name = (state.get("selected_option") or {}).get("value")
    kind = None
    if name and name != NO_TYPE:
        kind = types.get(name)
        if kind is None:
            errors[TYPE_BLOCK] = "That type is no longer configured; choose another."
    boxes = values.get(PRIVATE_BLOCK, {}).get("value") or {}
    ticked = {o.get("value") for o in boxes.get("selected_options") or []}
    return kind, PRIVATE_VALUE in ticked or bool(kind and kind.private)
