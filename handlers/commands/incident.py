"""/incident [title | subcommand]: declare, or run the incident from its channel."""

from __future__ import annotations

from handlers.shared import commands


def handle(ack, command: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "incident_command",
        commands.dispatch,
        services,
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        text=command.get("text") or "",
        trigger_id=command["trigger_id"],
        response_url=command.get("response_url"),
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.command("/incident")(handle)
