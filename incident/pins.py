"""Pinned messages in an incident channel become timeline events (and leave it when unpinned)."""

from __future__ import annotations

import structlog

from incident.services import Services
from incident.vocabulary import fit
from store import incidents

log = structlog.get_logger("klaxon.pins")


def pinned(services: Services, *, channel_id: str, user_id: str | None, message: dict) -> None:
    incident = incidents.by_channel(channel_id)
    message_ts = message.get("ts")
    if incident is None or not message_ts or message_ts == incident.summary_ts:
        return
    permalink = services.surface.permalink(incident, message_ts)
    text = fit(message.get("text") or "(a message without text)", "pin")
    incidents.add_event(
        incident, "pin", text, actor_id=user_id, message_ts=message_ts, permalink=permalink
    )
    log.info("pin_added", incident_ref=incident.display_ref, message_ts=message_ts)


def unpinned(services: Services, *, channel_id: str, message_ts: str | None) -> None:
    incident = incidents.by_channel(channel_id)
    if incident is None or not message_ts:
        return
    if incidents.remove_pin(incident, message_ts):
        log.info("pin_removed", incident_ref=incident.display_ref, message_ts=message_ts)
