"""The Slack Web API client: every call goes to SLACK_API_URL, is retried within bounds,
counted, and its failures logged under one event name."""

from __future__ import annotations

import json
import logging
import random
import threading
from enum import StrEnum
from urllib.error import HTTPError
from urllib.parse import urlencode

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest as RetryHttpRequest
from slack_sdk.http_retry.response import HttpResponse as RetryHttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from integrations.slack.keepalive import KeptConnections
from observability import metrics
from settings.config import Config

log = structlog.get_logger("klaxon.slack")


class SlackCode(StrEnum):
    """The Slack error codes Klaxon acts on (compare `error_code(error)` with these)."""

    NAME_TAKEN = "name_taken"
    ALREADY_IN_CHANNEL = "already_in_channel"
    NOT_IN_CHANNEL = "not_in_channel"
    ALREADY_PINNED = "already_pinned"
    CHANNEL_NOT_FOUND = "channel_not_found"
    MESSAGE_NOT_FOUND = "message_not_found"


def error_code(error: Exception) -> str:
    """Slack's short error string ('name_taken', 'ratelimited'…) or the exception's class."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return type(error).__name__


# A Retry-After longer than this is not waited out: the call fails at once and the work it
# belongs to is retried later by the scheduler (reconciliation, due times), so no listener
# or shutdown ever sits behind Slack's back-off.
MAX_RETRY_WAIT = 30.0


def _retry_after(response) -> float | None:
    for name, values in (response.headers if response is not None else {}).items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def _bounded(handler_class):
    """A retry handler that counts and logs each retry it grants, never waits longer than
    MAX_RETRY_WAIT, and stops retrying the moment the daemon is stopping.

    Its wait is `stopping.wait(...)`, not `time.sleep`, so SIGTERM during a long Retry-After
    ends the wait at once; the call then fails like any other failed call.
    """

    class Bounded(handler_class):
        def __init__(self, stopping: threading.Event, **kwargs) -> None:
            super().__init__(**kwargs)
            self.stopping = stopping

        def can_retry(self, *, state, request, response=None, error=None) -> bool:
            if self.stopping.is_set():
                return False
            wait = _retry_after(response)
            if wait is not None and wait > MAX_RETRY_WAIT:
                return False
            return super().can_retry(state=state, request=request, response=response, error=error)

        def prepare_for_next_attempt(self, *, state, request, response=None, error=None):
            method = request.url.rsplit("/", 1)[-1]
            wait = _retry_after(response)
            if wait is None:
                wait = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
            else:
                wait += random.random()  # spread replicas that were refused together
            if self.stopping.wait(min(wait, MAX_RETRY_WAIT)):
                return  # stopping: no next attempt, the caller sees this attempt's failure
            metrics.slack_retries.labels(method).inc()
            log.info(
                "slack_api_retry",
                method=method,
                attempt=state.current_attempt + 1,
                status=getattr(response, "status_code", None),
                error=type(error).__name__ if error else None,
            )
            state.next_attempt_requested = True
            state.increment_current_attempt()

    Bounded.__name__ = f"Bounded{handler_class.__name__}"
    return Bounded


def retry_handlers(stopping: threading.Event | None = None):
    stopping = stopping or threading.Event()
    return [
        # 429: wait as long as Retry-After says (up to MAX_RETRY_WAIT), at most three times.
        _bounded(RateLimitErrorRetryHandler)(stopping, max_retry_count=3),
        # 5xx and dropped connections: bounded exponential backoff.
        _bounded(ServerErrorRetryHandler)(stopping, max_retry_count=2),
        _bounded(ConnectionErrorRetryHandler)(stopping, max_retry_count=2),
    ]


def _level_of_its_own(name: str) -> logging.Logger:
    """slack_sdk's logger `name`, with the level it inherits set on it.

    slack_sdk builds a call's debug message (its whole request body, formatted into one
    string) whenever its logger's own level allows DEBUG, not the level it inherits; a
    module logger's own level is unset (0, below DEBUG), so every call would build a
    message that is then dropped."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.NOTSET)  # what it inherits now, not what an earlier client set
    logger.setLevel(logger.getEffectiveLevel())
    return logger


class KlaxonWebClient(WebClient):
    def __init__(self, *, stopping: threading.Event, **kwargs) -> None:
        super().__init__(
            retry_handlers=retry_handlers(stopping),
            logger=_level_of_its_own("slack_sdk.web.base_client"),
            **kwargs,
        )
        self.stopping = stopping
        self.kept = KeptConnections(self.timeout, self.ssl)
        # Once: setting a level clears every logger's cached level, not for each reply.
        self._webhook_logger = _level_of_its_own("slack_sdk.webhook.client")

    def webhook(self, url: str) -> WebhookClient:
        """A client for a response_url (slash commands, buttons): answers in any channel,
        member or not, with the same bounded retries as the Web API."""
        return WebhookClient(
            url,
            timeout=10,
            retry_handlers=retry_handlers(self.stopping),
            logger=self._webhook_logger,
        )

    def _perform_urllib_http_request(self, *, url: str, args: dict) -> dict:
        """slack_sdk's request loop, over this thread's kept-alive connection (keepalive.py)
        instead of a new one, and without its work on answers nobody retries.

        slack_sdk hands every answer, a 200 too, to every retry handler: it copies the
        request for them and decodes the body once more than the caller will, about 0.1 ms
        of Python per call, three calls one after another on a declaration's way. Klaxon's
        handlers (`retry_handlers`) retry only a refusal (an HTTP error status) or a failed
        connection, so an answer below 400 is returned at once; a refusal or a failure meets
        the same handlers, in the same order, with what slack_sdk would give them. A
        multipart body (a file) or a proxy takes slack_sdk's own way.
        """
        if args["data"] or self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request(url=url, args=args)
        body, headers = _encoded(args)
        state, request = RetryState(), None
        while True:
            state.next_attempt_requested = False
            try:
                return self.kept.send(url, body, headers)
            except HTTPError as error:
                failure, answer = error, _refusal(error)
                response = RetryHttpResponse(
                    status_code=error.code, headers=answer["headers"], data=answer["body"].encode()
                )
            except Exception as error:
                self._logger.error(f"Failed to send a request to Slack API server: {error}")
                failure, answer, response = error, None, None
            request = request or RetryHttpRequest(
                method="POST", url=url, headers=headers, data=body
            )
            seen = {"state": state, "request": request, "response": response, "error": failure}
            for handler in self.retry_handlers:
                if handler.can_retry(**seen):
                    handler.prepare_for_next_attempt(**seen)
                    break
            if not state.next_attempt_requested:
                if answer is None:
                    raise failure
                return answer  # slack_sdk makes the refusal a SlackApiError

    def api_call(self, api_method: str, **kwargs):
        metrics.slack_calls.labels(api_method).inc()
        try:
            return super().api_call(api_method, **kwargs)
        except Exception as error:
            code = error_code(error)
            metrics.slack_errors.labels(api_method, code).inc()
            log.warning("slack_api_error", method=api_method, error=code)
            raise


def _encoded(args: dict) -> tuple[bytes | None, dict[str, str]]:
    """The request's body and headers, as slack_sdk encodes a JSON or a form body."""
    headers = args["headers"]
    if args["json"]:
        headers["Content-Type"] = "application/json;charset=utf-8"
        return json.dumps(args["json"]).encode(), headers
    if args["params"]:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urlencode(args["params"]).encode(), headers
    return None, headers


def _refusal(error: HTTPError) -> dict:
    """An HTTP error status as slack_sdk's loop answers it (a 429's Retry-After under both
    spellings, as its other clients give it)."""
    headers = dict(error.headers.items())
    if error.code == 429:
        for spelling, other in (("Retry-After", "retry-after"), ("retry-after", "Retry-After")):
            if spelling in headers:
                headers.setdefault(other, headers[spelling])
    body = error.read().decode(error.headers.get_content_charset() or "utf-8")
    return {"status": error.code, "headers": headers, "body": body}


def web_client(config: Config, stopping: threading.Event | None = None) -> KlaxonWebClient:
    """The bot's client; setting `stopping` cuts its retry waits short (daemon shutdown)."""
    return KlaxonWebClient(
        token=config.bot_token,
        base_url=config.api_url,
        timeout=config.slack_timeout.total_seconds(),
        stopping=stopping or threading.Event(),
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
