"""The buttons of Klaxon's Home tab: Declare incident, Open channel, Acknowledge, Mark done
and Open the report. After acting, the person's Home tab is published again; answers go
by direct message (a Home tab has no response_url)."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from handlers.interaction import Interaction, of_action
from incident import acknowledge, followups
from incident.vocabulary import Permission
from integrations.slack import declare_modal, home, replies
from integrations.slack.client import error_code

log = structlog.get_logger("klaxon.home")


def _refreshing(interaction: Interaction, reply):
    return home.republishing(
        interaction.services, [interaction.user_id], interaction.request_id, reply
    )


def acknowledge_clicked(ack, body: dict, action: dict, context) -> None:
    interaction = of_action(ack, body, context)
    interaction.run(
        "home_acknowledge",
        Permission.ACKNOWLEDGE,
        acknowledge.acknowledge,
        action.get("value") or "",
        reply_with=_refreshing(interaction, replies.ack_reply),
    )


def follow_up_done_clicked(ack, body: dict, action: dict, context) -> None:
    interaction = of_action(ack, body, context)
    interaction.run(
        "home_followup_done",
        Permission.FOLLOW_UP,
        followups.mark_done,
        action.get("value") or "",
        reply_with=_refreshing(interaction, replies.follow_up_done_reply),
    )


def _open_declare_form(interaction: Interaction, trigger_id: str) -> None:
    form = declare_modal.modal("", home.FROM_HOME, types=interaction.services.config.types)
    try:
        interaction.services.slack.views_open(trigger_id=trigger_id, view=form)
    except SlackApiError as error:
        log.warning("declare_form_not_opened", error=error_code(error))
        interaction.answer(replies.form_not_opened(error, declare=True))


def declare_clicked(ack, body: dict, context) -> None:
    interaction = of_action(ack, body, context)
    interaction.right_away("home_declare_form", _open_declare_form, body["trigger_id"])


def link_clicked(ack) -> None:
    """A link button (Open channel, Open the report): Slack opens the link; the click only
    needs its ack."""
    ack()


def register(app) -> None:
    app.action(home.ACK_ACTION)(acknowledge_clicked)
    app.action(home.FOLLOWUP_DONE_ACTION)(follow_up_done_clicked)
    app.action(home.DECLARE_ACTION)(declare_clicked)
    app.action(home.OPEN_CHANNEL_ACTION)(link_clicked)
    app.action(home.REPORT_LINK_ACTION)(link_clicked)
