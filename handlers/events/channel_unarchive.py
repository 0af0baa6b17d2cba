"""channel_unarchive: a person unarchived a channel; if it is an incident's, Klaxon joins
it again (Slack removed it on archive, and no bot can unarchive)."""

from __future__ import annotations

from handlers.interaction import in_background
from incident import archiving


def channel_unarchive(event: dict, context) -> None:
    in_background(
        context,
        "channel_unarchived",
        archiving.unarchived,
        channel_id=event.get("channel") or "",
        user_id=event.get("user"),
    )


def register(app) -> None:
    app.event("channel_unarchive")(channel_unarchive)
