"""Pages through Opsgenie's Alert API (v2), with the standard library's HTTP client.

Opsgenie's official Python SDK is a generated client no longer maintained, so these three
calls are made directly. Every request carries `Authorization: GenieKey <OPSGENIE_API_KEY>`
(never logged). Opsgenie processes alert requests asynchronously: 202 means accepted, and
the alias (the incident's id) deduplicates a create sent twice into one alert.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import structlog

from incident.ports import Delivery, PageContent

log = structlog.get_logger("klaxon.opsgenie")

PRIORITIES = {"SEV1": "P1", "SEV2": "P2", "SEV3": "P3", "SEV4": "P4"}
# Opsgenie's limits, in characters.
MESSAGE_MAX = 130
DESCRIPTION_MAX = 15000
DETAIL_MAX = 8000  # keys and values together
SOURCE = "Klaxon"
USER = "Klaxon"


def _details(details: dict[str, str]) -> dict[str, str]:
    """Within Opsgenie's 8000 characters for keys and values together."""
    kept, used = {}, 0
    for key, value in details.items():
        value = str(value)[: max(0, DETAIL_MAX - used - len(key))]
        used += len(key) + len(value)
        kept[key] = value
    return kept


class OpsgeniePager:
    def __init__(self, api_key: str, api_url: str, timeout: float) -> None:
        self._api_key, self._api_url, self._timeout = api_key, api_url.rstrip("/"), timeout

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        """(status, JSON body, headers); raises OSError when there is no answer."""
        request = urllib.request.Request(
            self._api_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"GenieKey {self._api_key}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return response.status, _json(response.read()), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read()), dict(error.headers)

    def _send(self, action: str, path: str, body: dict) -> Delivery:
        try:
            status, answer, headers = self.request("POST", path, body)
        except OSError as error:  # TimeoutError included
            timed_out = isinstance(error, TimeoutError) or "timed out" in str(error)
            delivery = Delivery(False, "timed out" if timed_out else "could not connect")
        else:
            if 200 <= status < 300:
                return Delivery(True)
            message = answer.get("message") if isinstance(answer.get("message"), str) else ""
            retry_after = headers.get("Retry-After", "").strip()
            delivery = Delivery(
                False,
                f"HTTP {status}: {(message or 'failed').lower()}",
                float(retry_after) if retry_after.isdigit() else None,
            )
        log.warning("opsgenie_refused", action=action, error=delivery.error)
        return delivery

    def page(self, key: str, name: str, content: PageContent) -> Delivery:
        description = "\n".join(f"{k}: {v}" for k, v in content.details.items() if v)
        if content.link:
            description += f"\nIncident channel: {content.link}"
        body = {
            "message": content.summary[:MESSAGE_MAX],
            "alias": key,
            "description": description[:DESCRIPTION_MAX],
            "responders": [{"name": name, "type": "team"}],
            "details": _details(content.details),
            "priority": PRIORITIES.get(content.severity, "P3"),
            "source": SOURCE,
            "tags": ["klaxon", content.severity],
        }
        return self._send("create", "/v2/alerts", body)

    def acknowledge(self, key: str, name: str) -> Delivery:
        path = f"/v2/alerts/{quote(key, safe='')}/acknowledge?identifierType=alias"
        return self._send("acknowledge", path, {"user": USER, "source": SOURCE})

    def resolve(self, key: str, name: str) -> Delivery:
        path = f"/v2/alerts/{quote(key, safe='')}/close?identifierType=alias"
        return self._send("close", path, {"user": USER, "source": SOURCE})

    def check(self) -> tuple[bool, str]:
        """Whether Opsgenie takes the API key (for `klaxon check`)."""
        try:
            status, answer, _ = self.request("GET", "/v2/alerts?limit=1")
        except OSError as error:
            return False, f"no answer from Opsgenie: {type(error).__name__}"
        if status == 200:
            return True, "API key accepted"
        if status == 403:
            return True, "API key accepted (it may not read alerts, which Klaxon does not need)"
        message = answer.get("message") if isinstance(answer.get("message"), str) else ""
        return False, f"HTTP {status}: {message or 'the API key was refused'}"


def _json(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
