"""Pages through PagerDuty's Events API v2 with PagerDuty's own client (`pagerduty`).

The client is told not to retry by itself: it would sleep in the scheduler's thread (and
retry 429 without end), while Klaxon retries from the database with back-off, on any
replica. Its base URL comes from PAGERDUTY_EVENTS_URL, so tests point it at a loopback
emulator. The routing key of `pagerduty:<name>` is PAGERDUTY_ROUTING_KEY_<NAME>, else
PAGERDUTY_ROUTING_KEY (settings/paging.py); it is sent in the event body, never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import structlog

from incident.ports import Delivery, PageContent
from settings.paging import ENQUEUE_PATH

log = structlog.get_logger("klaxon.pagerduty")

SEVERITIES = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}
SUMMARY_MAX = 1024  # PagerDuty truncates payload.summary at 1024 characters
SOURCE = "klaxon"
# Statuses the client would retry (with sleeps) unless told otherwise.
_TRANSIENT = (429, 500, 502, 503, 504)


def events_client(routing_key: str, events_url: str, timeout: float):
    """PagerDuty's Events API v2 client, retrying nothing itself."""
    import pagerduty  # with its httpx2, only in a daemon that pages through PagerDuty

    client = pagerduty.EventsApiV2Client(routing_key, base_url=events_url[: -len(ENQUEUE_PATH)])
    client.timeout = timeout
    client.max_network_attempts = 0  # a connection error or timeout raises at once
    # A status listed in `retry` is returned after its retries, or as soon as the attempts
    # so far exceed max_http_attempts: with -1, at once. Unlisted, 429 would be retried
    # without end and 5xx handed back only after sleeps.
    client.retry = dict.fromkeys(_TRANSIENT, 1)
    client.max_http_attempts = -1
    return client


def _error(error: Exception) -> Delivery:
    """In a few words, from PagerDuty's own answer when there is one."""
    response = getattr(error, "response", None)
    if response is None:
        cause = error.__cause__
        what = "timed out" if "Timeout" in type(cause).__name__ else "could not connect"
        return Delivery(False, what)
    retry_after = None
    header = response.headers.get("Retry-After", "")
    if header.strip().isdigit():
        retry_after = float(header.strip())
    try:
        body = response.json()
    except ValueError:
        body = {}
    errors = body.get("errors") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        detail = "; ".join(str(e) for e in errors[:3])
    elif isinstance(message, str) and message:
        detail = message
    else:
        detail = "too many requests" if response.status_code == 429 else "failed"
    return Delivery(False, f"HTTP {response.status_code}: {detail.lower()}", retry_after)


class PagerDutyPager:
    def __init__(
        self,
        routing_keys: Mapping[str, str],
        events_url: str,
        timeout: float,
        make_client: Callable[[str, str, float], object] = events_client,
    ) -> None:
        self._clients = {
            name: make_client(key, events_url, timeout) for name, key in routing_keys.items()
        }

    def _send(self, name: str, action: str, send: Callable) -> Delivery:
        client = self._clients.get(name)
        if client is None:
            return Delivery(False, f"no routing key for pagerduty:{name}")
        import pagerduty  # imported already by events_client, which made `client`

        try:
            send(client)
        except pagerduty.Error as error:
            delivery = _error(error)
            log.warning("pagerduty_refused", target=name, action=action, error=delivery.error)
            return delivery
        return Delivery(True)

    def page(self, key: str, name: str, content: PageContent) -> Delivery:
        links = None
        if content.link:
            links = [{"href": content.link, "text": "Incident channel in Slack"}]
        return self._send(
            name,
            "trigger",
            lambda client: client.trigger(
                content.summary[:SUMMARY_MAX],
                SOURCE,
                dedup_key=key,
                severity=SEVERITIES.get(content.severity, "critical"),
                custom_details=dict(content.details),
                links=links,
            ),
        )

    def acknowledge(self, key: str, name: str) -> Delivery:
        return self._send(name, "acknowledge", lambda client: client.acknowledge(key))

    def resolve(self, key: str, name: str) -> Delivery:
        return self._send(name, "resolve", lambda client: client.resolve(key))
