"""/incident-ack [INC-42 | 42 | #channel]."""

from __future__ import annotations

from incident import acknowledge


def handle(ack, command: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "acknowledge_command",
        acknowledge.from_command,
        services,
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        text=command.get("text") or "",
        response_url=command.get("response_url"),
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.command("/incident-ack")(handle)
