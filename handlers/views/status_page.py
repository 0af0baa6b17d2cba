"""Submission of the "Publish to status page" form: inline errors for what the form can
check (empty message, unknown component, the permission), else publish in the background."""

from __future__ import annotations

from handlers.interaction import DATABASE_AWAY, of_submission
from incident import status_page
from incident.vocabulary import Permission
from integrations.slack import replies, status_page_modal, status_page_replies

PERMISSION = Permission.PUBLISH


def handle(ack, body: dict, view: dict, context) -> None:
    interaction = of_submission(body, context)
    settings = interaction.services.config.status_page
    components = settings.components if settings else ()
    asked, errors = status_page_modal.parse(view["state"]["values"], components)
    incident_id = status_page_modal.incident_id_of(view)
    if not errors:
        found = interaction.run_here(PERMISSION, status_page.publishable, incident_id)
        if found is DATABASE_AWAY:
            errors = {"message": replies.FORM_DATABASE_DOWN}
        elif not isinstance(found, status_page.Publishable):
            errors = status_page_replies.form_errors(found)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    interaction.run(
        "publish_status_page",
        PERMISSION,
        status_page.publish,
        incident_id,
        asked,
        reply_with=status_page_replies.published_reply,
    )


def register(app) -> None:
    app.view(status_page_modal.CALLBACK)(handle)
