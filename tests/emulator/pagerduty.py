"""A loopback PagerDuty: the Events API v2 (over TLS, as PagerDuty's client insists on
https) and the v3 webhook sender, signing like PagerDuty.

The Events API refuses what PagerDuty refuses (developer.pagerduty.com, Events API v2):
400 "invalid event" with its `errors` for a bad routing key (32 characters, and one the
emulator knows), an event_action other than trigger/acknowledge/resolve, a trigger without
payload.summary, payload.source or a payload.severity of critical/error/warning/info, a
summary over 1024 characters, a dedup_key over 255 or missing on acknowledge/resolve, a
link without href; 202 with the dedup_key otherwise. A trigger whose dedup_key names an
open incident joins it (no second incident); that is what makes repeats safe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.emulator.providers import ProviderEmulator, Received

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class PagerDutyIncident:
    routing_key: str
    dedup_key: str
    summary: str
    status: str = "triggered"
    alerts: int = 1
    events: list = field(default_factory=list)


def _invalid(*errors: str) -> tuple[int, dict, dict]:
    return (
        400,
        {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)},
        {},
    )


class PagerDutyEmulator(ProviderEmulator):
    def __init__(self, tls_directory: Path, routing_keys: set[str]) -> None:
        super().__init__(tls_directory)
        self.routing_keys = set(routing_keys)
        self.incidents: list[PagerDutyIncident] = []
        self.events_url = f"{self.url}/v2/enqueue"

    def failure_body(self, status: int) -> dict:
        if status == 429:
            return {
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly.",
            }
        return {"status": "error", "message": "Service unavailable"}

    # What the tests read ------------------------------------------------------------
    def accepted(self, action: str | None = None) -> list[dict]:
        with self.lock:
            return [
                r.json()
                for r in self.received
                if r.status == 202 and (action is None or r.json().get("event_action") == action)
            ]

    def incident(self, dedup_key: str) -> PagerDutyIncident | None:
        with self.lock:
            found = [i for i in self.incidents if i.dedup_key == dedup_key]
            return found[-1] if found else None

    def incidents_for(self, dedup_key: str) -> list[PagerDutyIncident]:
        with self.lock:
            return [i for i in self.incidents if i.dedup_key == dedup_key]

    # The Events API -----------------------------------------------------------------
    def answer(self, received: Received) -> tuple[int, dict, dict]:
        if received.method != "POST" or received.path != "/v2/enqueue":
            return 404, {"status": "error", "message": "Not found"}, {}
        try:
            event = json.loads(received.body)
        except ValueError:
            return _invalid("Event object is not valid JSON")
        if not isinstance(event, dict):
            return _invalid("Event object must be a JSON object")
        key = event.get("routing_key")
        if not isinstance(key, str) or len(key) != 32:
            return _invalid("Length of 'routing_key' is incorrect (should be 32 characters)")
        if key not in self.routing_keys:
            return _invalid("Invalid routing key")
        action = event.get("event_action")
        if action not in ACTIONS:
            return _invalid(
                "'event_action' is invalid (must be one of trigger, acknowledge, resolve)"
            )
        dedup = event.get("dedup_key")
        if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
            return _invalid("'dedup_key' must be a string of at most 255 characters")
        if action == "trigger":
            problem = self._trigger_problem(event)
            if problem:
                return _invalid(problem)
            dedup = dedup or uuid.uuid4().hex
        elif not dedup:
            return _invalid("'dedup_key' is required for acknowledge and resolve events")
        with self.lock:
            self._apply(key, action, dedup, event)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": dedup}, {}

    @staticmethod
    def _trigger_problem(event: dict) -> str:
        payload = event.get("payload")
        if not isinstance(payload, dict):
            return "'payload' is missing or not an object"
        for name in ("summary", "source", "severity"):
            if not isinstance(payload.get(name), str) or not payload[name].strip():
                return f"'payload.{name}' is missing or blank"
        if len(payload["summary"]) > 1024:
            return "'payload.summary' is longer than 1024 characters"
        if payload["severity"] not in SEVERITIES:
            return "'payload.severity' is invalid (must be one of critical, error, warning, info)"
        details = payload.get("custom_details")
        if details is not None and not isinstance(details, dict):
            return "'payload.custom_details' must be an object"
        links = event.get("links", [])
        if not isinstance(links, list) or any(
            not isinstance(link, dict) or not isinstance(link.get("href"), str) for link in links
        ):
            return "'links' must be a list of objects with an 'href'"
        return ""

    def _apply(self, key: str, action: str, dedup: str, event: dict) -> None:
        open_incidents = [
            i
            for i in self.incidents
            if i.dedup_key == dedup and i.routing_key == key and i.status != "resolved"
        ]
        current = open_incidents[-1] if open_incidents else None
        if action == "trigger":
            if current is None:
                current = PagerDutyIncident(key, dedup, event["payload"]["summary"])
                self.incidents.append(current)
            else:
                current.alerts += 1
        elif current is not None:
            current.status = "acknowledged" if action == "acknowledge" else "resolved"
        if current is not None:
            current.events.append(action)


class PagerDutyWebhookSender:
    """Sends v3 webhooks the way PagerDuty does: JSON {"event": {…}}, signed with
    HMAC-SHA256 of the raw body per secret, `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]`."""

    def __init__(self, url: str) -> None:
        self.url = url

    @staticmethod
    def payload(
        event_type: str,
        incident_key: str,
        *,
        agent_id="PXPGF42",
        agent_name="Earline Greenholt",
        event_id: str | None = None,
    ) -> dict:
        return {
            "event": {
                "id": event_id or str(uuid.uuid4()),
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": "2026-11-23T03:00:00.000Z",
                "agent": {
                    "html_url": f"https://acme.pagerduty.com/users/{agent_id}",
                    "id": agent_id,
                    "self": f"https://api.pagerduty.com/users/{agent_id}",
                    "summary": agent_name,
                    "type": "user_reference",
                },
                "client": None,
                "data": {
                    "id": "PT4KHLK",
                    "type": "incident",
                    "self": "https://api.pagerduty.com/incidents/PT4KHLK",
                    "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
                    "number": 1234,
                    "status": event_type.rpartition(".")[2],
                    "incident_key": incident_key,
                    "title": "Klaxon page",
                },
            }
        }

    @staticmethod
    def signature(secrets: list[str], body: bytes) -> str:
        return ",".join(
            "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            for secret in secrets
        )

    def send(self, payload: dict, secrets: list[str], *, signature: str | None = None):
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "PagerDuty-Webhook/V3.0",
            "X-PagerDuty-Signature": signature or self.signature(secrets, body),
            "X-Webhook-Id": payload["event"]["id"],
        }
        return post(self.url, body, headers)


def post(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
