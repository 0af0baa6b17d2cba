"""pin_added / pin_removed in incident channels: the pinned messages join the timeline."""

from __future__ import annotations

from incident import pins


def pin_added(event: dict, context) -> None:
    item = event.get("item") or {}
    services = context["services"]
    services.background.submit(
        "pin_added",
        pins.pinned,
        services,
        channel_id=event.get("channel_id") or item.get("channel") or "",
        user_id=event.get("user"),
        message=item.get("message") or {},
    )


def pin_removed(event: dict, context) -> None:
    item = event.get("item") or {}
    services = context["services"]
    services.background.submit(
        "pin_removed",
        pins.unpinned,
        services,
        channel_id=event.get("channel_id") or item.get("channel") or "",
        message_ts=(item.get("message") or {}).get("ts"),
    )


def register(app) -> None:
    app.event("pin_added")(pin_added)
    app.event("pin_removed")(pin_removed)
