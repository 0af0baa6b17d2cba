"""The page in the shape of Atlassian Statuspage's public v2 API (`/api/v2/*.json`), so
widgets and status aggregators written for Statuspage read it unchanged: the same field
names, the same enums (indicator none|minor|major|critical; component status
operational|degraded_performance|partial_outage|major_outage; incident status
investigating|identified|monitoring|resolved), updates newest first, and
`scheduled_maintenances` present though Klaxon schedules none.
"""

from __future__ import annotations

from datetime import UTC, datetime

from incident.vocabulary import OPERATIONAL
from store.status_page import PageIncident
from web.status_page.state import Page, impact_of, stable_id

# How many incidents /api/v2/incidents.json lists, as Statuspage does.
INCIDENTS_LISTED = 50


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def page_object(page: Page) -> dict:
    return {
        "id": page.id,
        "name": page.title,
        "url": page.url,
        "time_zone": "Etc/UTC",
        "updated_at": iso(page.updated_at),
    }


def _component(page: Page, component) -> dict:
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status,
        "created_at": iso(page.updated_at),
        "updated_at": iso(page.updated_at),
        "position": component.position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": page.id,
        "group": False,
        "only_show_if_degraded": False,
    }


def components(page: Page) -> list[dict]:
    return [_component(page, component) for component in page.components]


def _affected(page: Page, incident: PageIncident, index: int) -> list[dict] | None:
    """The components an update changed, with their status before and after it."""
    updates = incident.updates  # newest first
    update = updates[index]
    before = updates[index + 1].components if index + 1 < len(updates) else {}
    after = {} if update.status == "resolved" else update.components
    order = [c.name for c in page.components]
    names = sorted(set(before) | set(after), key=lambda n: order.index(n) if n in order else 0)
    affected = [
        {
            "code": stable_id(page.title, name),
            "name": name,
            "old_status": before.get(name, OPERATIONAL),
            "new_status": after.get(name, OPERATIONAL),
        }
        for name in names
        if before.get(name, OPERATIONAL) != after.get(name, OPERATIONAL)
    ]
    return affected or None


def incident_object(page: Page, incident: PageIncident) -> dict:
    monitoring = [u.created_at for u in incident.updates if u.status == "monitoring"]
    named = set().union(*(u.components for u in incident.updates)) if incident.updates else set()
    return {
        "id": incident.public_id,
        "name": incident.title,
        "status": incident.status,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "monitoring_at": iso(max(monitoring)) if monitoring else None,
        "resolved_at": iso(incident.resolved_at),
        "impact": impact_of(incident),
        "shortlink": f"{page.url}/incidents/{incident.public_id}",
        "started_at": iso(incident.created_at),
        "page_id": page.id,
        "incident_updates": [
            {
                "id": stable_id(incident.public_id, str(update.id)),
                "status": update.status,
                "body": update.body,
                "incident_id": incident.public_id,
                "created_at": iso(update.created_at),
                "updated_at": iso(update.created_at),
                "display_at": iso(update.created_at),
                "affected_components": _affected(page, incident, index),
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for index, update in enumerate(incident.updates)
        ],
        "components": [_component(page, c) for c in page.components if c.name in named],
    }


def status(page: Page) -> dict:
    return {"indicator": page.indicator, "description": page.description}


DOCUMENTS = {
    "/api/v2/status.json": lambda page: {"page": page_object(page), "status": status(page)},
    "/api/v2/components.json": lambda page: {
        "page": page_object(page),
        "components": components(page),
    },
    "/api/v2/incidents.json": lambda page: {
        "page": page_object(page),
        "incidents": [
            incident_object(page, i) for i in (*page.active, *page.past)[:INCIDENTS_LISTED]
        ],
    },
    "/api/v2/incidents/unresolved.json": lambda page: {
        "page": page_object(page),
        "incidents": [incident_object(page, i) for i in page.active],
    },
    "/api/v2/summary.json": lambda page: {
        "page": page_object(page),
        "components": components(page),
        "incidents": [incident_object(page, i) for i in page.active],
        "scheduled_maintenances": [],
        "status": status(page),
    },
}
