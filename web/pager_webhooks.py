"""The pagers' webhooks on the operators' HTTP port (PRODUCT §14).

    POST /ops/webhooks/pagerduty   PagerDuty v3 webhook, X-PagerDuty-Signature
    POST /ops/webhooks/opsgenie    Opsgenie webhook, Authorization: Bearer <token>

PagerDuty signs the raw body with HMAC-SHA256 and sends `v1=<hex>` entries, comma
separated: one per secret while a secret is being rotated. Any entry that matches any
configured secret (PAGERDUTY_WEBHOOK_SECRET, PAGERDUTY_WEBHOOK_SECRET_PREVIOUS) is enough;
each comparison is constant-time. PagerDuty's signature carries no timestamp, so a
redelivery is recognised by its event id (remembered for a day, on every replica).

Everything Klaxon cannot use is answered 2xx with what it made of it, so the provider
does not retry it for hours: other event types, unknown incidents, incidents Klaxon did
not page through that provider, duplicate deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import falcon
import structlog

from incident import pager_events
from incident.pager_events import Responder
from incident.services import Services
from settings.paging import OPSGENIE, PAGERDUTY
from settings.rotation import matches_any
from store import signatures
from store.fields import utcnow
from web import ops_input
from web.ops_auth import FailureThrottle, bearer
from web.ops_errors import invalid_payload, unauthenticated, unauthorized

log = structlog.get_logger("klaxon.webhooks")
WEBHOOK_BODY_MAX = 1024 * 1024
# How long a PagerDuty event id is remembered (PagerDuty retries a delivery for less).
EVENT_MEMORY = timedelta(days=1)
IGNORED = pager_events.IGNORED


def _text(value: object, limit: int = 320) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def pagerduty_signature_valid(secrets: tuple[str, ...], header: str, raw: bytes) -> bool:
    """Whether any `v1=` entry of the header is the HMAC-SHA256 of `raw` with any secret."""
    offered = [
        entry.strip()[3:].lower() for entry in header.split(",") if entry.strip().startswith("v1=")
    ]
    expected = [hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest() for secret in secrets]
    valid = False
    for signature in offered:
        # Every pair is compared (no early exit), each in constant time.
        valid |= matches_any(signature, expected)
    return valid


def _first_delivery(provider: str, event_id: str) -> bool:
    """Remember the event id; False when it was delivered before (on any replica)."""
    digest = hashlib.sha256(f"{provider}-event:{event_id}".encode()).hexdigest()
    return signatures.accept(digest, utcnow() + EVENT_MEMORY)


class PagerDutyWebhook:
    def __init__(self, services: Services, throttle: FailureThrottle) -> None:
        self._services, self._throttle = services, throttle

    def on_post(self, request: falcon.Request, response: falcon.Response):
        self._throttle.check(request)
        raw = ops_input.read(request, WEBHOOK_BODY_MAX)
        header = request.get_header("X-PagerDuty-Signature") or ""
        secrets = self._services.config.pagerduty_webhook_secrets
        if not pagerduty_signature_valid(secrets, header, raw):
            raise unauthorized(
                "X-PagerDuty-Signature does not match the webhook's secret.",
                "pagerduty_signature_invalid",
            )
        event = ops_input.json_object(raw).get("event")
        if not isinstance(event, dict):
            raise invalid_payload('Expected a PagerDuty v3 webhook: {"event": {…}}.')
        response.media = {"ok": True, "result": self._handle(event, request.context.request_id)}

    def _handle(self, event: dict, request_id: str) -> str:
        kind = _text(event.get("event_type"), 64)
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        agent = event.get("agent") if isinstance(event.get("agent"), dict) else {}
        key = _text(data.get("incident_key"), 255)
        if kind not in ("incident.acknowledged", "incident.resolved") or not key:
            log.info("pager_event_ignored", provider=PAGERDUTY, event_type=kind, reason="not_used")
            return IGNORED
        responder = Responder(
            PAGERDUTY,
            _text(agent.get("id"), 64) or "unknown",
            _text(agent.get("summary"), 200) or "someone in PagerDuty",
        )
        with self._services.database.connection_context():
            event_id = _text(event.get("id"), 255)
            if event_id and not _first_delivery(PAGERDUTY, event_id):
                log.info(
                    "pager_event_ignored", provider=PAGERDUTY, event_type=kind, reason="duplicate"
                )
                return "duplicate"
            if kind == "incident.acknowledged":
                return pager_events.acknowledged(self._services, key, responder, request_id)
            return pager_events.resolved(self._services, key, responder, request_id)


class OpsgenieWebhook:
    def __init__(self, services: Services, throttle: FailureThrottle) -> None:
        self._services, self._throttle = services, throttle

    def on_post(self, request: falcon.Request, response: falcon.Response):
        self._throttle.check(request)
        token = bearer(request) or ""
        if not matches_any(token, self._services.config.opsgenie_webhook_tokens):
            raise unauthenticated(
                "A valid bearer token is required (OPSGENIE_WEBHOOK_TOKEN).",
                "opsgenie_token_invalid",
            )
        body = ops_input.json_object(ops_input.read(request, WEBHOOK_BODY_MAX))
        response.media = {"ok": True, "result": self._handle(body, request.context.request_id)}

    def _handle(self, body: dict, request_id: str) -> str:
        action = _text(body.get("action"), 64)
        alert = body.get("alert") if isinstance(body.get("alert"), dict) else {}
        key = _text(alert.get("alias"), 512)
        if action not in ("Acknowledge", "Close") or not key:
            log.info("pager_event_ignored", provider=OPSGENIE, event_type=action, reason="not_used")
            return IGNORED
        username = _text(alert.get("username")) or "someone in Opsgenie"
        responder = Responder(OPSGENIE, username, username)
        with self._services.database.connection_context():
            if action == "Acknowledge":
                return pager_events.acknowledged(self._services, key, responder, request_id)
            return pager_events.resolved(self._services, key, responder, request_id)


def add_routes(app: falcon.App, services: Services, throttle: FailureThrottle) -> list[str]:
    """Mount the webhooks whose secrets are configured; returns the paths mounted."""
    config = services.config
    mounted = []
    if config.pagerduty_webhook_secrets:
        app.add_route("/ops/webhooks/pagerduty", PagerDutyWebhook(services, throttle))
        mounted.append("/ops/webhooks/pagerduty")
    if config.opsgenie_webhook_tokens:
        app.add_route("/ops/webhooks/opsgenie", OpsgenieWebhook(services, throttle))
        mounted.append("/ops/webhooks/opsgenie")
    return mounted
