"""The "Add to timeline" message shortcut: the message joins its incident's timeline with
its own time and author (the answer comes ephemerally through the response_url)."""

from __future__ import annotations

from handlers.interaction import of_action
from incident import timeline_edits
from incident.vocabulary import Permission
from integrations.slack import timeline_replies

CALLBACK_ID = "add_to_timeline"
PERMISSION = Permission.EDIT_TIMELINE


def handle(ack, body: dict, context) -> None:
    message = body.get("message") or {}
    interaction = of_action(ack, body, context)
    if not message.get("ts"):
        interaction.say("Slack did not say which message this was; try again.")
        return
    interaction.run(
        "add_to_timeline",
        PERMISSION,
        timeline_edits.add_message,
        timeline_edits.ChannelMessage(
            channel_id=(body.get("channel") or {}).get("id", ""),
            ts=message["ts"],
            author_id=message.get("user"),
            text=message.get("text") or "",
        ),
        reply_with=timeline_replies.added_reply,
    )


def register(app) -> None:
    app.message_shortcut(CALLBACK_ID)(handle)
