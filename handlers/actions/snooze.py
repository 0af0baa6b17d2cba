"""The Snooze buttons on the update nudge. (Its Post update button is the summary's Update
button, handled with it.)"""

from __future__ import annotations

from handlers.interaction import of_action
from incident import nudges
from incident.vocabulary import Permission
from integrations.slack import replies
from integrations.slack.nudge_messages import SNOOZE_ACTIONS

PERMISSION = Permission.SNOOZE


def handle(ack, body: dict, action: dict, context) -> None:
    # The value is "<incident id>|<minutes>".
    incident_id, _, minutes = (action.get("value") or "").partition("|")
    of_action(ack, body, context).run(
        "snooze",
        PERMISSION,
        nudges.snooze,
        incident_id,
        int(minutes) if minutes.isdigit() else 0,
        reply_with=replies.snooze_reply,
    )


def register(app) -> None:
    app.action(SNOOZE_ACTIONS)(handle)
