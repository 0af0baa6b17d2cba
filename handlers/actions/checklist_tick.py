"""The checklist's checkboxes: a tick or an untick, recorded with who and when."""

from __future__ import annotations

from handlers.interaction import of_action
from incident import checklists
from incident.vocabulary import Permission
from integrations.slack import runbook_replies
from integrations.slack.runbook_messages import CHECKLIST_ACTION, checklist_block

PERMISSION = Permission.TICK


def handle(ack, body: dict, action: dict, context) -> None:
    # The block says which incident and which group of ten; the options selected now are
    # that group's ticked items.
    incident_id, group = checklist_block(action.get("block_id") or "")
    selected = {option.get("value") for option in action.get("selected_options") or []}
    of_action(ack, body, context).run(
        "checklist_tick",
        PERMISSION,
        checklists.tick,
        incident_id,
        group,
        selected,
        reply_with=runbook_replies.tick_reply,
    )


def register(app) -> None:
    app.action(CHECKLIST_ACTION)(handle)
