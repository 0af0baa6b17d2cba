"""pin_added / pin_removed in incident channels: the pinned messages join the timeline."""

from __future__ import annotations

from handlers.interaction import in_background
from incident import pins


def _channel(event: dict) -> str:
    return event.get("channel_id") or (event.get("item") or {}).get("channel") or ""


def _message(event: dict) -> dict:
    return (event.get("item") or {}).get("message") or {}


def pin_added(event: dict, context) -> None:
    in_background(
        context,
        "pin_added",
        pins.pinned,
        channel_id=_channel(event),
        user_id=event.get("user"),
        message=_message(event),
    )


def pin_removed(event: dict, context) -> None:
    in_background(
        context,
        "pin_removed",
        pins.unpinned,
        channel_id=_channel(event),
        message_ts=_message(event).get("ts"),
    )


def register(app) -> None:
    app.event("pin_added")(pin_added)
    app.event("pin_removed")(pin_removed)
