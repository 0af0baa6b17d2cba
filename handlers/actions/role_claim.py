"""The Claim buttons on the summary: take an empty role seat oneself."""

from __future__ import annotations

import re

from handlers.interaction import of_action
from incident import incident_roles
from incident.vocabulary import Permission
from integrations.slack import runbook_replies
from integrations.slack.runbook_messages import ROLE_CLAIM_ACTION_PREFIX

PERMISSION = Permission.CLAIM_ROLE
ROLE_CLAIM_ACTIONS = re.compile(rf"^{re.escape(ROLE_CLAIM_ACTION_PREFIX)}[a-z0-9_-]+$")


def handle(ack, body: dict, action: dict, context) -> None:
    interaction = of_action(ack, body, context)
    role = (action.get("action_id") or "")[len(ROLE_CLAIM_ACTION_PREFIX) :]
    interaction.run(
        "role_claim",
        PERMISSION,
        incident_roles.assign,
        action.get("value") or "",
        role,
        interaction.user_id,
        reply_with=runbook_replies.role_reply,
    )


def register(app) -> None:
    app.action(ROLE_CLAIM_ACTIONS)(handle)
