"""Submission of the Add follow-up modal."""

from __future__ import annotations

from handlers.interaction import of_submission
from incident import followups
from incident.vocabulary import Permission
from integrations.slack import incident_modals

PERMISSION = Permission.FOLLOW_UP


def handle(ack, body: dict, view: dict, context) -> None:
    parsed, errors = incident_modals.parse_followup(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    text, owner_id = parsed
    of_submission(body, context).run(
        "add_followup",
        PERMISSION,
        followups.add,
        incident_modals.incident_id_of(view),
        text=text,
        owner_id=owner_id,
        reply_with=lambda _: None,  # the channel line and the summary say it
    )


def register(app) -> None:
    app.view(incident_modals.FOLLOWUP_CALLBACK)(handle)
