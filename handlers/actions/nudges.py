"""The buttons on nudges: Snooze, Take the lead, Choose lead. (Post update is the summary's
Update button, handled with it.)"""

from __future__ import annotations

from incident import nudges
from integrations.slack.messages import LEAD_CHOOSE_ACTION, LEAD_TAKE_ACTION, SNOOZE_ACTIONS


def snooze(ack, body: dict, action: dict, context) -> None:
    ack()
    services = context["services"]
    services.background.submit(
        "snooze",
        nudges.snooze,
        services,
        value=action.get("value") or "",
        user_id=body["user"]["id"],
        response_url=body.get("response_url"),
    )


def lead(ack, body: dict, action: dict, context) -> None:
    ack()
    services = context["services"]
    user_id = body["user"]["id"]
    if action["action_id"] == LEAD_TAKE_ACTION:
        incident_id, lead_id = action.get("value") or "", user_id
    else:  # the picker: the incident rides in the block id, "lead|<incident id>"
        incident_id = (action.get("block_id") or "").partition("|")[2]
        lead_id = action.get("selected_user")
    services.background.submit(
        "set_lead",
        nudges.set_lead,
        services,
        incident_id=incident_id,
        lead_id=lead_id,
        user_id=user_id,
        response_url=body.get("response_url"),
        request_id=context["request_id"],
    )


def register(app) -> None:
    app.action(SNOOZE_ACTIONS)(snooze)
    app.action(LEAD_TAKE_ACTION)(lead)
    app.action(LEAD_CHOOSE_ACTION)(lead)
