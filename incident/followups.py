"""Follow-ups: add them (command, button), mark them done (button)."""

from __future__ import annotations

import structlog

from incident.services import Services
from integrations.slack.surface import post_in_channel, refresh_messages
from integrations.slack.text import escape
from store import audit, followups
from store.models import Incident

log = structlog.get_logger("klaxon.followups")


def add(
    services: Services,
    incident: Incident,
    *,
    text: str,
    owner_id: str | None,
    actor_id: str,
    request_id: str | None = None,
) -> None:
    item = followups.add(incident, text, owner_id=owner_id, created_by=actor_id)
    audit.record(
        "followup_added",
        actor_id=actor_id,
        incident=incident,
        request_id=request_id,
        followup_id=item.id,
    )
    log.info("followup_added", incident_ref=incident.display_ref, followup_id=item.id)
    owner = f" (owner <@{owner_id}>)" if owner_id else ""
    post_in_channel(
        services, incident, f":pushpin: Follow-up added by <@{actor_id}>: {escape(text)}{owner}"
    )
    refresh_messages(services, incident)


def mark_done(services: Services, *, follow_up_id: str, actor_id: str) -> str:
    item = followups.get(follow_up_id)
    if item is None:
        return "That follow-up no longer exists."
    if not followups.mark_done(item, by=actor_id):
        return "That follow-up is already done."
    audit.record("followup_done", actor_id=actor_id, incident=item.incident, followup_id=item.id)
    log.info("followup_done", incident_ref=item.incident.display_ref, followup_id=item.id)
    refresh_messages(services, item.incident)
    return f":white_check_mark: Done: {escape(item.text)}"
