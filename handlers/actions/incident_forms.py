"""The Update, Resolve and Add follow-up buttons on the summary: each opens its modal."""

from __future__ import annotations

from handlers.shared import modals
from integrations.slack.messages import FOLLOWUP_ADD_ACTION, RESOLVE_ACTION, UPDATE_ACTION

KINDS = {UPDATE_ACTION: "update", RESOLVE_ACTION: "resolve", FOLLOWUP_ADD_ACTION: "followup"}


def handle(ack, body: dict, action: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "open_incident_form",
        modals.open_modal,
        services,
        KINDS[action["action_id"]],
        incident_id=action.get("value") or "",
        trigger_id=body["trigger_id"],
        user_id=body["user"]["id"],
        response_url=body.get("response_url"),
        request_id=context["request_id"],
    )


def register(app) -> None:
    for action_id in KINDS:
        app.action(action_id)(handle)
