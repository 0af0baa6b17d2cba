"""Answering the person who asked: ephemerally where they asked, else by direct message."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from integrations.slack.client import error_code

log = structlog.get_logger("klaxon.reply")


def reply(
    slack, *, user_id: str, text: str, response_url: str | None = None, blocks: list | None = None
) -> None:
    """Post to the interaction's response_url (works in channels Klaxon is not in), and fall
    back to a direct message when there is none or it no longer works."""
    if response_url:
        try:
            response = slack.webhook(response_url).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            if response.status_code == 200:
                return
            log.warning("response_url_failed", status=response.status_code)
        except Exception as error:  # any failure here falls back to the DM below
            log.warning("response_url_failed", error=type(error).__name__)
    try:
        slack.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as error:
        log.error("reply_not_delivered", user_id=user_id, error=error_code(error))
