"""The Slack Web API client: every call goes to SLACK_API_URL, is retried within bounds,
counted, and its failures logged under one event name."""

from __future__ import annotations

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.config import Config

log = structlog.get_logger("klaxon.slack")


def error_code(error: Exception) -> str:
    """Slack's short error string ('name_taken', 'ratelimited'…) or the exception's class."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return type(error).__name__


def _counted(handler_class):
    """A retry handler that counts and logs each retry it grants."""

    class Counted(handler_class):
        def prepare_for_next_attempt(self, *, state, request, response=None, error=None):
            method = request.url.rsplit("/", 1)[-1]
            metrics.slack_retries.labels(method).inc()
            log.info(
                "slack_api_retry",
                method=method,
                attempt=state.current_attempt + 1,
                status=getattr(response, "status_code", None),
                error=type(error).__name__ if error else None,
            )
            super().prepare_for_next_attempt(
                state=state, request=request, response=response, error=error
            )

    Counted.__name__ = f"Counted{handler_class.__name__}"
    return Counted


def retry_handlers():
    return [
        # 429: wait as long as Retry-After says, at most three times.
        _counted(RateLimitErrorRetryHandler)(max_retry_count=3),
        # 5xx: bounded exponential backoff.
        _counted(ServerErrorRetryHandler)(max_retry_count=2),
        _counted(ConnectionErrorRetryHandler)(max_retry_count=2),
    ]


class KlaxonWebClient(WebClient):
    def api_call(self, api_method: str, **kwargs):
        metrics.slack_calls.labels(api_method).inc()
        try:
            return super().api_call(api_method, **kwargs)
        except Exception as error:
            code = error_code(error)
            metrics.slack_errors.labels(api_method, code).inc()
            log.warning("slack_api_error", method=api_method, error=code)
            raise


def web_client(config: Config) -> WebClient:
    return KlaxonWebClient(
        token=config.bot_token,
        base_url=config.api_url,
        timeout=15,
        retry_handlers=retry_handlers(),
    )


def find_channel(slack: WebClient, name_or_id: str, types: str = "public_channel") -> dict | None:
    """A channel by id, or by name through conversations.list (paginated); None if absent."""
    if name_or_id[:1] in "CG" and name_or_id.isupper():
        return slack.conversations_info(channel=name_or_id)["channel"]
    cursor = None
    while True:
        page = slack.conversations_list(
            types=types, exclude_archived=True, limit=1000, cursor=cursor
        )
        for channel in page["channels"]:
            if channel["name"] == name_or_id:
                return channel
        cursor = page.get("response_metadata", {}).get("next_cursor")
        if not cursor:
            return None


def webhook(url: str) -> WebhookClient:
    """A client for a response_url (slash commands): answers in any channel, member or not."""
    return WebhookClient(url, timeout=10, retry_handlers=retry_handlers())
