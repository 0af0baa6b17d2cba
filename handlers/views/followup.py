"""Submission of the Add follow-up modal."""

from __future__ import annotations

from bot import incident_forms
from bot.workflows import forms


def handle(ack, body: dict, view: dict, context) -> None:
    parsed, errors = incident_forms.parse_followup(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    text, owner_id = parsed
    services = context["services"]
    services.background.submit(
        "add_followup",
        forms.apply_followup,
        services,
        incident_id=incident_forms.incident_id_of(view),
        user_id=body["user"]["id"],
        text=text,
        owner_id=owner_id,
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.view(incident_forms.FOLLOWUP_CALLBACK)(handle)
