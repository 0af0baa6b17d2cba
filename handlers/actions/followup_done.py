"""The "Mark done" button next to a follow-up on the summary."""

from __future__ import annotations

from handlers.shared import modals
from integrations.slack.messages import FOLLOWUP_DONE_ACTION


def handle(ack, body: dict, action: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "followup_done",
        modals.mark_followup_done,
        services,
        follow_up_id=action.get("value") or "",
        user_id=body["user"]["id"],
        response_url=body.get("response_url"),
    )


def register(app) -> None:
    app.action(FOLLOWUP_DONE_ACTION)(handle)
