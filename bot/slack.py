"""The Slack Web API client: every call goes to SLACK_API_URL and is retried within bounds."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.config import Config

RETRY_HANDLERS = (
    # 429: wait as long as Retry-After says, at most three times.
    lambda: RateLimitErrorRetryHandler(max_retry_count=3),
    # 5xx: bounded exponential backoff.
    lambda: ServerErrorRetryHandler(max_retry_count=2),
    lambda: ConnectionErrorRetryHandler(max_retry_count=2),
)


def retry_handlers():
    return [make() for make in RETRY_HANDLERS]


def web_client(config: Config) -> WebClient:
    return WebClient(
        token=config.bot_token,
        base_url=config.api_url,
        timeout=15,
        retry_handlers=retry_handlers(),
    )


def webhook(url: str) -> WebhookClient:
    """A client for a response_url (slash commands): answers in any channel, member or not."""
    return WebhookClient(url, timeout=10, retry_handlers=retry_handlers())


def error_code(error: Exception) -> str:
    """Slack's short error string ('name_taken', 'ratelimited'…) or the exception's class."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return type(error).__name__
