"""The Acknowledge button: on the summary, the announcement, the waiting list and escalations."""

from __future__ import annotations

from incident import acknowledge
from integrations.slack.messages import ACK_ACTION


def handle(ack, body: dict, action: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "acknowledge_button",
        acknowledge.from_button,
        services,
        user_id=body["user"]["id"],
        incident_id=action.get("value") or "",
        response_url=body.get("response_url"),
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.action(ACK_ACTION)(handle)
