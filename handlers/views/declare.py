"""Submission of the declare modal: check it inline, persist the incident, then ack.

The incident is committed before Slack hears the ack, so once the modal closes nothing can
lose it; building its channel, summary and announcement goes to the background pool (and,
should that be cut short, to the scheduler's reconciliation).
"""

from __future__ import annotations

from dataclasses import replace

from handlers.interaction import DATABASE_AWAY, of_submission
from incident import declare
from incident.vocabulary import Permission
from integrations.slack import declare_modal, replies

PERMISSION = Permission.DECLARE


def handle(ack, body: dict, view: dict, context) -> None:
    form, errors = declare_modal.parse(view["state"]["values"], context["services"].config.types)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    # The confirmation goes where /incident was typed, carried in the modal's metadata.
    interaction = replace(
        of_submission(body, context),
        response_url=declare_modal.read_metadata(view).get("response_url"),
    )
    recorded = interaction.run_here(
        PERMISSION, declare.record, form, declaration_key=f"view:{view['id']}"
    )
    if recorded is DATABASE_AWAY:
        ack(response_action="errors", errors={"title": replies.NOT_DECLARED})
        return
    ack()
    incident, hold = recorded
    if hold is not None:  # None: a redelivery, which the first delivery builds
        interaction.finish(
            "declare", declare.build, incident, hold, reply_with=replies.declared_reply
        )


def register(app) -> None:
    app.view(declare_modal.CALLBACK_ID)(handle)
