"""Submission of the Add follow-up modal."""

from __future__ import annotations

from handlers.shared import modals
from integrations.slack import incident_modals


def handle(ack, body: dict, view: dict, context) -> None:
    parsed, errors = incident_modals.parse_followup(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    text, owner_id = parsed
    services = context["services"]
    services.background.submit(
        "add_followup",
        modals.apply_followup,
        services,
        incident_id=incident_modals.incident_id_of(view),
        user_id=body["user"]["id"],
        text=text,
        owner_id=owner_id,
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.view(incident_modals.FOLLOWUP_CALLBACK)(handle)
