"""Pushing published updates to a hosted Atlassian Statuspage page (its REST API v1).

An incident is created with `POST /pages/{page_id}/incidents` and every later update is a
`PATCH /pages/{page_id}/incidents/{incident_id}`; each carries the incident's status, the
update's body and the status of each mapped component (`components`), so the hosted
page's components follow. Authentication is `Authorization: OAuth <STATUSPAGE_API_KEY>`.
The key is never logged. A failure stops the push where it is; the scheduler retries the
rest later (incident/status_page.py `mirror`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence

import structlog

from incident.ports import Mirrored, MirrorUpdate
from incident.vocabulary import OPERATIONAL
from settings.status_page import AtlassianMirror

log = structlog.get_logger("klaxon.statuspage")
TIMEOUT = 10.0


class StatuspageError(Exception):
    pass


class AtlassianStatuspage:
    def __init__(self, settings: AtlassianMirror) -> None:
        self._settings = settings

    def _call(self, method: str, path: str, document: dict) -> dict:
        url = f"{self._settings.api_url}pages/{self._settings.page_id}/{path}"
        request = urllib.request.Request(
            url,
            data=json.dumps(document).encode(),
            method=method,
            headers={
                "Authorization": f"OAuth {self._settings.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            raise StatuspageError(f"HTTP {error.code} {detail}".strip()) from None
        except (OSError, ValueError) as error:
            raise StatuspageError(type(error).__name__ + f": {error}"[:200]) from None

    def _components(self, update: MirrorUpdate, before: dict[str, str]) -> dict[str, str]:
        """Statuspage component id -> status, for each mapped component this update or the
        one before it named (so a component no longer affected goes back to operational)."""
        mapping = self._settings.components
        resolved = update.status == "resolved"
        statuses = {}
        for name in sorted(set(update.components) | set(before)):
            if name in mapping:
                impact = OPERATIONAL if resolved else update.components.get(name, OPERATIONAL)
                statuses[mapping[name]] = impact
        return statuses

    def push(
        self, title: str, mirror_id: str | None, updates: Sequence[MirrorUpdate], already: int
    ) -> Mirrored:
        pushed = already
        try:
            for index in range(already, len(updates)):
                update = updates[index]
                before = updates[index - 1].components if index else {}
                incident = {
                    "name": title,
                    "status": update.status,
                    "body": update.body,
                    "components": self._components(update, before),
                }
                if mirror_id is None:
                    incident["component_ids"] = list(incident["components"])
                    created = self._call("POST", "incidents", {"incident": incident})
                    mirror_id = str(created["id"])
                else:
                    self._call("PATCH", f"incidents/{mirror_id}", {"incident": incident})
                pushed = index + 1
        except (StatuspageError, KeyError) as error:
            log.warning("statuspage_push_failed", error=str(error), pushed=pushed)
            return Mirrored(mirror_id, pushed, str(error) or type(error).__name__)
        return Mirrored(mirror_id, pushed)
