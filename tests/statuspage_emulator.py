"""An emulator of Atlassian Statuspage's REST API v1, the part Klaxon's mirror uses.

It refuses what the real API refuses (developer.statuspage.io): a missing or wrong
`Authorization: OAuth <key>` (401), an unknown page or incident (404), a body without the
`incident` object or its required `name` on create, an incident status, component status
or impact outside the API's enums, or a component id that is not on the page (422), and
any method or path it does not serve (404/405). `fail_next` makes the next calls fail with
a 5xx, as an outage would.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "statuspage-test-key"
PAGE_ID = "kctbh9vrtdwd"
INCIDENT_STATUSES = {
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "scheduled",
    "in_progress",
    "verifying",
    "completed",
}
COMPONENT_STATUSES = {
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
}
IMPACTS = {"none", "minor", "major", "critical"}


class Refused(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


@dataclass
class Incident:
    id: str
    name: str
    status: str
    updates: list[dict] = field(default_factory=list)


class StatuspageEmulator:
    def __init__(self, components: dict[str, str]) -> None:
        """`components`: Statuspage component id -> name, on the one page PAGE_ID."""
        self.components = {
            cid: {"name": name, "status": "operational"} for cid, name in components.items()
        }
        self.incidents: dict[str, Incident] = {}
        self.requests: list[tuple[str, str, int]] = []
        self.failures = 0
        self.lock = threading.Lock()
        self._ids = (f"inc{n:09d}" for n in itertools.count(1))

    # ----- for tests -----

    def fail_next(self, count: int) -> None:
        with self.lock:
            self.failures = count

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/"

    def start(self) -> StatuspageEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                status, body = emulator.handle(
                    self.command,
                    self.path,
                    self.headers,
                    self.rfile.read(int(self.headers.get("Content-Length") or 0)),
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ----- the API -----

    def handle(self, method: str, path: str, headers, raw: bytes) -> tuple[int, dict]:
        with self.lock:
            try:
                status, body = self._route(method, path, headers, raw)
            except Refused as refused:
                status, body = refused.status, {"error": refused.error}
            self.requests.append((method, path, status))
            return status, body

    def _route(self, method, path, headers, raw):
        if headers.get("Authorization") != f"OAuth {API_KEY}":
            raise Refused(401, "Could not authenticate")
        if self.failures:
            self.failures -= 1
            raise Refused(503, "Service Unavailable")
        parts = path.split("?")[0].removesuffix(".json").strip("/").split("/")
        if parts[:2] != ["v1", "pages"] or len(parts) < 4 or parts[3] != "incidents":
            raise Refused(404, "Not found")
        if parts[2] != PAGE_ID:
            raise Refused(404, "Page not found")
        if len(parts) == 4 and method == "POST":
            return 201, self._create(self._body(raw))
        if len(parts) == 5 and method in ("PATCH", "PUT"):
            found = self.incidents.get(parts[4])
            if found is None:
                raise Refused(404, "Incident not found")
            return 200, self._update(found, self._body(raw))
        raise Refused(405, "Method not allowed")

    @staticmethod
    def _body(raw: bytes) -> dict:
        try:
            document = json.loads(raw or b"{}")
        except ValueError:
            raise Refused(400, "Malformed JSON") from None
        incident = document.get("incident") if isinstance(document, dict) else None
        if not isinstance(incident, dict):
            raise Refused(422, "incident is missing")
        return incident

    def _check(self, incident: dict) -> None:
        if "status" in incident and incident["status"] not in INCIDENT_STATUSES:
            raise Refused(422, f"Status is not included in the list: {incident['status']}")
        if "impact_override" in incident and incident["impact_override"] not in IMPACTS:
            raise Refused(422, "Impact override is not included in the list")
        components = incident.get("components", {})
        if not isinstance(components, dict):
            raise Refused(422, "components must be an object of component id to status")
        for cid in [*components, *incident.get("component_ids", [])]:
            if cid not in self.components:
                raise Refused(422, f"Component {cid} not found on this page")
        for status in components.values():
            if status not in COMPONENT_STATUSES:
                raise Refused(422, f"Component status is not included in the list: {status}")

    def _apply(self, found: Incident, incident: dict) -> dict:
        found.name = incident.get("name", found.name)
        found.status = incident.get("status", found.status)
        for cid, status in incident.get("components", {}).items():
            self.components[cid]["status"] = status
        update = {"status": found.status, "body": incident.get("body", "")}
        found.updates.append(update)
        return {"id": found.id, "name": found.name, "status": found.status}

    def _create(self, incident: dict) -> dict:
        name = incident.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Refused(422, "Name can't be blank")
        self._check(incident)
        found = Incident(next(self._ids), name, incident.get("status", "investigating"))
        self.incidents[found.id] = found
        return self._apply(found, incident)

    def _update(self, found: Incident, incident: dict) -> dict:
        if "name" in incident and not str(incident["name"]).strip():
            raise Refused(422, "Name can't be blank")
        self._check(incident)
        return self._apply(found, incident)
