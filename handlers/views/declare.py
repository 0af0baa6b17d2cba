"""Submission of the declare modal: check it inline, then declare in the background."""

from __future__ import annotations

from bot import declare_form
from bot.workflows import declare


def handle(ack, body: dict, view: dict, context) -> None:
    form, errors = declare_form.parse(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    services = context["services"]
    services.background.submit(
        "declare",
        declare.declare,
        services,
        form,
        reporter_id=body["user"]["id"],
        declaration_key=f"view:{view['id']}",
        response_url=declare_form.read_metadata(view).get("response_url"),
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.view(declare_form.CALLBACK_ID)(handle)
