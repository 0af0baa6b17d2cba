"""The "Mark done" button next to a follow-up on the summary."""

from __future__ import annotations

from handlers.interaction import of_action
from incident import followups
from incident.vocabulary import Permission
from integrations.slack import replies
from integrations.slack.blocks import FOLLOWUP_DONE_ACTION

PERMISSION = Permission.FOLLOW_UP


def handle(ack, body: dict, action: dict, context) -> None:
    of_action(ack, body, context).run(
        "followup_done",
        PERMISSION,
        followups.mark_done,
        action.get("value") or "",
        reply_with=replies.follow_up_done_reply,
    )


def register(app) -> None:
    app.action(FOLLOWUP_DONE_ACTION)(handle)
