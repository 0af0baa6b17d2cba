"""A loopback Opsgenie: the Alert API v2 and its outgoing webhook.

It refuses what Opsgenie refuses (docs.opsgenie.com, Alert API): 401 without
`Authorization: GenieKey <key>` for a key it knows; 422 for a create without `message`,
a message over 130 characters, an alias over 512, a description over 15000, details over
8000 characters (keys and values) or not all strings, a priority other than P1…P5, a
responder without a type of team/user/escalation/schedule or without name/id, a source or
user over 100 characters. Alert requests are asynchronous, as in Opsgenie: 202
"Request will be processed" with a requestId; the alias deduplicates a create into the
open alert with that alias (its count goes up).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from tests.emulator.pagerduty import post
from tests.emulator.providers import ProviderEmulator, Received

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RESPONDER_TYPES = ("team", "user", "escalation", "schedule")


@dataclass
class OpsgenieAlert:
    alias: str
    message: str
    priority: str
    responders: list
    details: dict
    status: str = "open"
    acknowledged: bool = False
    count: int = 1


def _request_id() -> str:
    return str(uuid.uuid4())


def _unprocessable(field: str, problem: str) -> tuple[int, dict, dict]:
    return (
        422,
        {
            "message": "Request body is not processable. Please check the errors.",
            "errors": {field: problem},
            "took": 0.001,
            "requestId": _request_id(),
        },
        {},
    )


def _accepted() -> tuple[int, dict, dict]:
    return (
        202,
        {"result": "Request will be processed", "took": 0.002, "requestId": _request_id()},
        {},
    )


class OpsgenieEmulator(ProviderEmulator):
    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.alerts: list[OpsgenieAlert] = []

    def alert(self, alias: str) -> OpsgenieAlert | None:
        with self.lock:
            found = [a for a in self.alerts if a.alias == alias]
            return found[-1] if found else None

    def alerts_for(self, alias: str) -> list[OpsgenieAlert]:
        with self.lock:
            return [a for a in self.alerts if a.alias == alias]

    def accepted(self, kind: str) -> list[Received]:
        """Accepted requests: "create", "acknowledge" or "close"."""
        with self.lock:
            return [r for r in self.received if r.status == 202 and _kind(r.path) == kind]

    def answer(self, received: Received) -> tuple[int, dict, dict]:
        scheme, _, key = (received.headers.get("Authorization") or "").partition(" ")
        if scheme != "GenieKey" or key != self.api_key:
            return (
                401,
                {"message": "Could not authenticate", "took": 0.0, "requestId": _request_id()},
                {},
            )
        url = urlsplit(received.path)
        if received.method == "GET" and url.path == "/v2/alerts":
            return 200, {"data": [], "took": 0.001, "requestId": _request_id()}, {}
        if received.method != "POST":
            return 404, {"message": "Not found", "requestId": _request_id()}, {}
        try:
            body = json.loads(received.body or b"{}")
        except ValueError:
            return _unprocessable("body", "not valid JSON")
        if not isinstance(body, dict):
            return _unprocessable("body", "must be a JSON object")
        for name in ("source", "user"):
            if len(str(body.get(name, ""))) > 100:
                return _unprocessable(name, "must be at most 100 characters")
        kind = _kind(url.path)
        if kind == "create":
            return self._create(body)
        if kind in ("acknowledge", "close"):
            if parse_qs(url.query).get("identifierType") != ["alias"]:
                return _unprocessable("identifierType", "Klaxon names alerts by alias")
            alias = unquote(url.path.split("/")[3])
            with self.lock:
                alert = next(
                    (a for a in reversed(self.alerts) if a.alias == alias and a.status == "open"),
                    None,
                )
                if alert is not None:
                    if kind == "acknowledge":
                        alert.acknowledged = True
                    else:
                        alert.status = "closed"
            return _accepted()  # processed later: an unknown alias fails in the request status
        return 404, {"message": "Not found", "requestId": _request_id()}, {}

    def _create(self, body: dict) -> tuple[int, dict, dict]:
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return _unprocessable("message", "Message can not be empty.")
        if len(message) > 130:
            return _unprocessable("message", "Message can not be longer than 130 characters.")
        alias = body.get("alias", message)
        if not isinstance(alias, str) or len(alias) > 512:
            return _unprocessable("alias", "Alias can not be longer than 512 characters.")
        if len(str(body.get("description", ""))) > 15000:
            return _unprocessable("description", "Description can not be longer than 15000.")
        priority = body.get("priority", "P3")
        if priority not in PRIORITIES:
            return _unprocessable("priority", "Priority should be one of P1, P2, P3, P4, P5.")
        details = body.get("details", {})
        if not isinstance(details, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in details.items()
        ):
            return _unprocessable("details", "Details must be a map of strings.")
        if sum(len(k) + len(v) for k, v in details.items()) > 8000:
            return _unprocessable("details", "Details can not be longer than 8000 characters.")
        responders = body.get("responders", [])
        if not isinstance(responders, list) or any(
            not isinstance(r, dict)
            or r.get("type") not in RESPONDER_TYPES
            or not (r.get("name") or r.get("id") or r.get("username"))
            for r in responders
        ):
            return _unprocessable("responders", "Responder type and name or id are required.")
        with self.lock:
            open_alert = next(
                (a for a in reversed(self.alerts) if a.alias == alias and a.status == "open"),
                None,
            )
            if open_alert is not None:
                open_alert.count += 1
            else:
                self.alerts.append(OpsgenieAlert(alias, message, priority, responders, details))
        return _accepted()


def _kind(path: str) -> str:
    parts = urlsplit(path).path.strip("/").split("/")
    if parts == ["v2", "alerts"]:
        return "create"
    if len(parts) == 4 and parts[:2] == ["v2", "alerts"]:
        return parts[3]
    return "other"


def send_webhook(url: str, token: str, action: str, alias: str, username: str):
    """Opsgenie's outgoing webhook: {"action": …, "alert": {…}, "source": {…}}."""
    body = json.dumps(
        {
            "action": action,
            "alert": {
                "alertId": str(uuid.uuid4()),
                "message": "Klaxon page",
                "alias": alias,
                "username": username,
                "userId": str(uuid.uuid4()),
                "tags": ["klaxon"],
                "priority": "P1",
            },
            "source": {"name": "", "type": "web"},
            "integrationName": "Klaxon webhook",
            "integrationType": "Webhook",
        }
    ).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return post(url, body, headers)
