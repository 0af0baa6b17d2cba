"""Submission of the Update and Resolve modals: refuse inline, else apply in the background."""

from __future__ import annotations

import peewee

from handlers.shared import modals
from incident.lifecycle import Changes
from integrations.slack import incident_modals


def _changes(view: dict) -> tuple[Changes | None, dict[str, str]]:
    values = view["state"]["values"]
    if view["callback_id"] == incident_modals.RESOLVE_CALLBACK:
        resolution, errors = incident_modals.parse_resolve(values)
        return (Changes(status="resolved", resolution=resolution) if resolution else None), errors
    return incident_modals.parse_update(values)


def handle(ack, body: dict, view: dict, context) -> None:
    services = context["services"]
    user_id = body["user"]["id"]
    incident_id = incident_modals.incident_id_of(view)
    changes, errors = _changes(view)
    if not errors:
        # A few indexed reads, so a refusal can be shown in the form itself.
        try:
            with services.database.connection_context():
                errors = modals.check_update(
                    services, incident_id=incident_id, user_id=user_id, changes=changes
                )
        except (peewee.OperationalError, peewee.InterfaceError):
            errors = {"status": "Klaxon cannot reach its database right now. Try again soon."}
    if errors:
        if view["callback_id"] == incident_modals.RESOLVE_CALLBACK:
            errors = {"resolution": " ".join(errors.values())}
        ack(response_action="errors", errors=errors)
        return
    ack()
    services.background.submit(
        "apply_update",
        modals.apply_update,
        services,
        incident_id=incident_id,
        user_id=user_id,
        changes=changes,
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.view(incident_modals.UPDATE_CALLBACK)(handle)
    app.view(incident_modals.RESOLVE_CALLBACK)(handle)
