"""Submission of the declare modal: check it inline, persist the incident, then ack.

The incident is committed before Slack hears the ack, so once the modal closes nothing can
lose it; building its channel, summary and announcement goes to the background pool (and,
should that be cut short, to the scheduler's reconciliation).
"""

from __future__ import annotations

import peewee

from incident import declare
from integrations.slack import declare_modal

DATABASE_DOWN = "Klaxon cannot reach its database right now, so nothing was declared. Try again."


def handle(ack, body: dict, view: dict, context) -> None:
    form, errors = declare_modal.parse(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    services = context["services"]
    try:
        with services.database.connection_context():
            incident, hold = declare.record(
                services,
                form,
                reporter_id=body["user"]["id"],
                declaration_key=f"view:{view['id']}",
                request_id=context["request_id"],
            )
    except (peewee.OperationalError, peewee.InterfaceError):
        ack(response_action="errors", errors={"title": DATABASE_DOWN})
        return
    ack()
    if hold is not None:  # None: a redelivery, which the first delivery builds
        services.background.submit(
            "declare",
            declare.build,
            services,
            incident,
            hold,
            response_url=declare_modal.read_metadata(view).get("response_url"),
        )


def register(app) -> None:
    app.view(declare_modal.CALLBACK_ID)(handle)
