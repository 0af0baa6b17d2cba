"""Submission of the Update and Resolve modals: refuse inline, else apply in the background."""

from __future__ import annotations

from handlers.interaction import DATABASE_AWAY, of_submission
from incident import lifecycle, status_page
from incident.vocabulary import Changes, Permission
from integrations.slack import incident_modals, replies

# Declared per modal; what a change needs beyond it (STEER for status, severity, lead)
# the use case adds from the change itself.
PERMISSIONS = {
    incident_modals.UPDATE_CALLBACK: Permission.EDIT,
    incident_modals.RESOLVE_CALLBACK: Permission.STEER,
}


def _changes(view: dict) -> tuple[Changes | None, dict[str, str]]:
    values = view["state"]["values"]
    if view["callback_id"] == incident_modals.RESOLVE_CALLBACK:
        return incident_modals.parse_resolve(values)
    return incident_modals.parse_update(values)


def handle(ack, body: dict, view: dict, context) -> None:
    interaction = of_submission(body, context)
    permission = PERMISSIONS[view["callback_id"]]
    incident_id = incident_modals.incident_id_of(view)
    changes, errors = _changes(view)
    public_message, public_errors = incident_modals.parse_public_resolution(view["state"]["values"])
    if not errors:
        # A few indexed reads, so a refusal can be shown in the form itself.
        refused = interaction.run_here(permission, lifecycle.refusal, incident_id, changes)
        if refused is DATABASE_AWAY:
            errors = {"status": replies.FORM_DATABASE_DOWN}
        elif refused is not None:
            errors = replies.form_errors(refused)
    if errors and view["callback_id"] == incident_modals.RESOLVE_CALLBACK:
        # The Resolve form's inputs: the refusal shows under the one it is about.
        field = next(iter(errors))
        errors = {field if field == "root_cause" else "resolution": " ".join(errors.values())}
    errors = {**errors, **public_errors}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if public_message is not None:
        interaction.run(
            "apply_update",
            permission,
            status_page.resolve,
            incident_id,
            changes,
            public_message,
            reply_with=replies.submitted_change_reply,
        )
        return
    interaction.run(
        "apply_update",
        permission,
        lifecycle.update,
        incident_id,
        changes,
        reply_with=replies.submitted_change_reply,
    )


def register(app) -> None:
    app.view(incident_modals.UPDATE_CALLBACK)(handle)
    app.view(incident_modals.RESOLVE_CALLBACK)(handle)
