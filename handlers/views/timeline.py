"""Submission of the `/incident timeline` form: refuse inline (a time out of range, no
permission), else add or remove the entry in the background."""

from __future__ import annotations

from handlers.interaction import DATABASE_AWAY, of_submission
from incident import timeline_edits
from incident.vocabulary import Permission
from integrations.slack import incident_modals, replies, timeline_modal, timeline_replies

PERMISSION = Permission.EDIT_TIMELINE


def handle(ack, body: dict, view: dict, context) -> None:
    interaction = of_submission(body, context)
    incident_id = incident_modals.incident_id_of(view)
    edit, errors = timeline_modal.parse(view["state"]["values"])
    if not errors:
        refused = interaction.run_here(PERMISSION, timeline_edits.refusal, incident_id, edit)
        if refused is DATABASE_AWAY:
            errors = {"entry": replies.FORM_DATABASE_DOWN}
        elif refused is not None:
            errors = timeline_replies.form_refusal(refused)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    interaction.run(
        "edit_timeline",
        PERMISSION,
        timeline_edits.edit,
        incident_id,
        edit,
        reply_with=timeline_replies.edited_reply,
    )


def register(app) -> None:
    app.view(timeline_modal.TIMELINE_CALLBACK)(handle)
