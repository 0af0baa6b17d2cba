"""member_joined_channel: Klaxon itself was added to a channel. When that is an incident's
private channel that was archived (a person unarchived it and typed `/invite @Klaxon`: a
bot cannot join a private channel, and Slack does not tell it that one was unarchived), the
channel is no longer archived and Klaxon says so there. Anyone else joining is ignored at
once, without reading the store."""

from __future__ import annotations

from handlers.interaction import in_background
from incident import archiving


def member_joined_channel(event: dict, context) -> None:
    klaxon = context.get("bot_user_id") or context["services"].bot_user_id
    if event.get("user") != klaxon:
        return
    in_background(
        context,
        "invited_back",
        archiving.invited_back,
        channel_id=event.get("channel") or "",
        inviter_id=event.get("inviter"),
    )


def register(app) -> None:
    app.event("member_joined_channel")(member_joined_channel)
