"""The lead nudge's Take the lead button and Choose lead picker."""

from __future__ import annotations

from handlers.interaction import of_action
from incident import nudges
from incident.vocabulary import Permission
from integrations.slack import replies
from integrations.slack.nudge_messages import LEAD_CHOOSE_ACTION, LEAD_TAKE_ACTION

# Filling the empty seat; handing over a taken one needs STEER, which the use case adds.
PERMISSION = Permission.TAKE_LEAD


def handle(ack, body: dict, action: dict, context) -> None:
    interaction = of_action(ack, body, context)
    if action["action_id"] == LEAD_TAKE_ACTION:
        incident_id, lead_id = action.get("value") or "", interaction.user_id
    else:  # the picker: the incident rides in the block id, "lead|<incident id>"
        incident_id = (action.get("block_id") or "").partition("|")[2]
        lead_id = action.get("selected_user")
    if not lead_id:
        return
    interaction.run(
        "set_lead",
        PERMISSION,
        nudges.set_lead,
        incident_id,
        lead_id,
        reply_with=replies.lead_reply(lead_id),
    )


def register(app) -> None:
    app.action(LEAD_TAKE_ACTION)(handle)
    app.action(LEAD_CHOOSE_ACTION)(handle)
