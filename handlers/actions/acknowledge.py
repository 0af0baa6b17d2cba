"""The Acknowledge button: on the summary, the announcement, the waiting list and escalations."""

from __future__ import annotations

from handlers.interaction import of_action
from incident import acknowledge
from incident.vocabulary import Permission
from integrations.slack import replies
from integrations.slack.blocks import ACK_ACTION

PERMISSION = Permission.ACKNOWLEDGE


def handle(ack, body: dict, action: dict, context) -> None:
    of_action(ack, body, context).run(
        "acknowledge_button",
        PERMISSION,
        acknowledge.acknowledge,
        action.get("value") or "",
        reply_with=replies.ack_reply,
    )


def register(app) -> None:
    app.action(ACK_ACTION)(handle)
