"""Submission of the declare modal: check it inline, persist the incident, then ack.

The incident is committed before Slack hears the ack, so once the modal closes nothing can
lose it; building its channel, summary and announcement goes to the background pool (and,
should that be cut short, to the scheduler's reconciliation). Declared from the Home tab,
the declarer's Home tab (and the lead's) is published again once the incident is built.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.interaction import DATABASE_AWAY, of_submission
from incident import declare
from incident.vocabulary import Permission
from integrations.slack import declare_modal, home, replies

PERMISSION = Permission.DECLARE


def handle(ack, body: dict, view: dict, context) -> None:
    form, errors = declare_modal.parse(view["state"]["values"], context["services"].config.types)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    # The confirmation goes where /incident was typed, carried in the modal's metadata.
    metadata = declare_modal.read_metadata(view)
    interaction = replace(of_submission(body, context), response_url=metadata.get("response_url"))
    recorded = interaction.run_here(
        PERMISSION, declare.record, form, declaration_key=f"view:{view['id']}"
    )
    if recorded is DATABASE_AWAY:
        ack(response_action="errors", errors={"title": replies.NOT_DECLARED})
        return
    ack()
    incident, hold = recorded
    if hold is None:  # a redelivery, which the first delivery builds
        return
    reply_with = replies.declared_reply
    if home.from_home(metadata):  # their Home tab (and the lead's) lists it once built
        people = [interaction.user_id, form.lead_id]
        reply_with = home.republishing(
            interaction.services, people, interaction.request_id, reply_with
        )
    interaction.finish("declare", declare.build, incident, hold, reply_with=reply_with)


def register(app) -> None:
    app.view(declare_modal.CALLBACK_ID)(handle)
