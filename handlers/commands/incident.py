"""/incident [title]: open the declare modal, title prefilled."""

from __future__ import annotations

from bot.text import readable
from bot.workflows import declare


def handle(ack, command: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "open_declare_form",
        declare.open_form,
        services,
        trigger_id=command["trigger_id"],
        user_id=command["user_id"],
        title=readable(command.get("text") or ""),
        response_url=command.get("response_url"),
    )


def register(app) -> None:
    app.command("/incident")(handle)
