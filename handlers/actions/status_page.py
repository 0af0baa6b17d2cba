"""The summary's "Publish to status page" button: the publish form opens right away (the
trigger_id lives 3 seconds), once the permission is checked."""

from __future__ import annotations

from handlers.interaction import of_action
from handlers.status_page_form import open_form
from incident.vocabulary import Permission
from integrations.slack.status_page_modal import PUBLISH_ACTION

PERMISSION = Permission.PUBLISH


def handle(ack, body: dict, action: dict, context) -> None:
    interaction = of_action(ack, body, context)
    interaction.right_away(
        "open_status_page_form", open_form, action.get("value") or "", body["trigger_id"]
    )


def register(app) -> None:
    app.action(PUBLISH_ACTION)(handle)
