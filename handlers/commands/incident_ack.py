"""/incident-ack [INC-42 | 42 | #channel]."""

from __future__ import annotations

from handlers.interaction import of_command
from incident import acknowledge
from incident.vocabulary import Permission
from integrations.slack import replies

PERMISSION = Permission.ACKNOWLEDGE


def handle(ack, command: dict, context) -> None:
    of_command(ack, command, context).run(
        "acknowledge_command",
        PERMISSION,
        acknowledge.acknowledge_typed,
        command.get("text") or "",
        channel_id=command.get("channel_id", ""),
        reply_with=replies.ack_reply,
    )


def register(app) -> None:
    app.command("/incident-ack")(handle)
