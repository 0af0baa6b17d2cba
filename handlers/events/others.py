"""Events Klaxon does not act on, acknowledged quietly.

Klaxon's manifest subscribes to pin_added, pin_removed, channel_unarchive,
app_home_opened and member_joined_channel only, but a workspace admin may subscribe the
app to more (member_left_channel, reaction_added…). Slack only needs each event
acknowledged; without a listener Bolt would also log an "Unhandled request" warning for
every one. Registered last, so it sees only events no other listener took.
Unhandled interactions (buttons, modals) still warn: those would be Klaxon's own bugs.
"""

from __future__ import annotations

import re

import structlog

log = structlog.get_logger("klaxon.events")

ANY_EVENT = re.compile(".+")


def ignore(event: dict) -> None:
    log.debug("event_ignored", event_type=event.get("type"))


def register(app) -> None:
    app.event(ANY_EVENT)(ignore)
