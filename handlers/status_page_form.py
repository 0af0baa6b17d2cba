"""Opening the "Publish to status page" form, for the summary's button and for
`/incident statuspage`: the permission is checked (and a refusal audited) before the form
opens, then the form shows what the page says now."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from handlers.interaction import Interaction
from incident import status_page, status_page_shown
from incident.vocabulary import Permission
from integrations.slack import replies, status_page_modal, status_page_replies
from integrations.slack.client import error_code

log = structlog.get_logger("klaxon.forms")


def open_form(interaction: Interaction, incident_id: str, trigger_id: str) -> None:
    found = interaction.call(Permission.PUBLISH, status_page.publishable, incident_id)
    if not isinstance(found, status_page.Publishable):
        interaction.answer(status_page_replies.published_reply(found))
        return
    public = found.public
    settings = interaction.services.config.status_page
    view = status_page_modal.modal(
        found.incident,
        settings.components,
        title=public.title if public else found.incident.title,
        status=public.status if public else "investigating",
        impacts=status_page_shown.impacts(public),
    )
    try:
        interaction.services.slack.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("modal_not_opened", kind="status_page", error=error_code(error))
        interaction.answer(replies.form_not_opened(error))
