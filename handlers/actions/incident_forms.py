"""The Update, Resolve and Add follow-up buttons on the summary: each opens its modal right
away (the trigger_id lives 3 seconds). The modal shows the incident as it is, so it is read
first; Resolve is refused before the form opens when the person may not."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from handlers.interaction import Interaction, of_action
from incident import lifecycle, status_page
from incident.vocabulary import Permission
from integrations.slack import incident_modals, replies
from integrations.slack.blocks import FOLLOWUP_ADD_ACTION, RESOLVE_ACTION, UPDATE_ACTION
from integrations.slack.client import error_code

log = structlog.get_logger("klaxon.forms")
# action id: (what it opens, the permission it declares)
FORMS = {
    UPDATE_ACTION: ("update", Permission.EDIT),
    RESOLVE_ACTION: ("resolve", Permission.STEER),
    FOLLOWUP_ADD_ACTION: ("followup", Permission.FOLLOW_UP),
}
OPENERS = {
    "update": incident_modals.update_modal,
    "resolve": incident_modals.resolve_modal,
    "followup": incident_modals.followup_modal,
}


def handle(ack, body: dict, action: dict, context) -> None:
    interaction = of_action(ack, body, context)
    kind, permission = FORMS[action["action_id"]]
    interaction.right_away(
        f"open_{kind}_form", _open, kind, permission, action.get("value") or "", body["trigger_id"]
    )


def _open(interaction: Interaction, kind, permission, incident_id: str, trigger_id: str) -> None:
    found = interaction.call(
        permission, lifecycle.editable, incident_id, resolving=kind == "resolve"
    )
    if not isinstance(found, lifecycle.Editable):
        interaction.answer(replies.form_refused_reply(found))
        return
    if kind == "resolve" and status_page.still_public(found.incident):
        view = incident_modals.resolve_modal(found.incident, on_status_page=True)
    else:
        view = OPENERS[kind](found.incident)
    try:
        interaction.services.slack.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("modal_not_opened", kind=kind, error=error_code(error))
        interaction.answer(replies.form_not_opened(error))


def register(app) -> None:
    for action_id in FORMS:
        app.action(action_id)(handle)
