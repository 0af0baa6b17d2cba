"""What the page says, computed from what was published: the overall status, each
component's current status and its uptime cells, the active and past incidents.

Pure functions of the published incidents, the `[status_page]` settings and the time, so
the HTML, the feeds and the Statuspage-shaped JSON all tell the same story.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from incident.vocabulary import COMPONENT_IMPACTS, OPERATIONAL
from settings.status_page import StatusPage
from store.status_page import PageIncident

# Worst last; "operational" is better than any impact.
SEVERITY_ORDER = (OPERATIONAL, *COMPONENT_IMPACTS)
WORDS = {
    OPERATIONAL: "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}
# Statuspage's indicator for the page and the impact of an incident, from the worst component.
INDICATORS = {
    OPERATIONAL: "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


def worst(statuses) -> str:
    return max(statuses, key=SEVERITY_ORDER.index, default=OPERATIONAL)


def stable_id(*parts: str) -> str:
    """A 12-character id in Statuspage's style that stays the same across restarts."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[byte % 36] for byte in digest[:12])


@dataclass(frozen=True)
class Cell:
    day: date
    status: str  # operational or the worst impact of the day


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    position: int
    status: str
    cells: tuple[Cell, ...]
    days_affected: int


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    url: str
    now: datetime
    indicator: str
    description: str
    components: tuple[Component, ...]
    active: tuple[PageIncident, ...]
    past: tuple[PageIncident, ...]
    updated_at: datetime
    history_days: int

    def incident(self, public_id: str) -> PageIncident | None:
        return next((i for i in (*self.active, *self.past) if i.public_id == public_id), None)


def window_start(settings: StatusPage, now: datetime) -> datetime:
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=settings.history_days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def _intervals(incident: PageIncident, now: datetime):
    """(start, end, components) while each update held, oldest first."""
    updates = list(reversed(incident.updates))
    for index, update in enumerate(updates):
        if update.status == "resolved":
            continue
        end = updates[index + 1].created_at if index + 1 < len(updates) else now
        yield update.created_at, end, update.components


def _cells(name: str, incidents, settings: StatusPage, now: datetime) -> tuple[Cell, ...]:
    start = window_start(settings, now).date()
    days = {start + timedelta(days=n): OPERATIONAL for n in range(settings.history_days)}
    for incident in incidents:
        for began, ended, components in _intervals(incident, now):
            impact = components.get(name)
            if impact is None:
                continue
            day = began.astimezone(UTC).date()
            last = ended.astimezone(UTC).date()
            while day <= last:
                if day in days:
                    days[day] = worst((days[day], impact))
                day += timedelta(days=1)
    return tuple(Cell(day, status) for day, status in sorted(days.items()))


def build(settings: StatusPage, incidents: list[PageIncident], now: datetime) -> Page:
    active = tuple(i for i in incidents if i.resolved_at is None)
    past = tuple(i for i in incidents if i.resolved_at is not None)
    components = []
    for position, name in enumerate(settings.components, start=1):
        current = worst(i.components.get(name, OPERATIONAL) for i in active)
        cells = _cells(name, incidents, settings, now)
        components.append(
            Component(
                id=stable_id(settings.title, name),
                name=name,
                position=position,
                status=current,
                cells=cells,
                days_affected=sum(1 for cell in cells if cell.status != OPERATIONAL),
            )
        )
    overall = worst(c.status for c in components)
    indicator = INDICATORS[overall]
    if active and indicator == "none":
        indicator = "minor"  # an incident is open, though it names no component
    updated = max((i.updated_at for i in incidents), default=window_start(settings, now))
    return Page(
        id=stable_id(settings.title, settings.url),
        title=settings.title,
        url=settings.url,
        now=now,
        indicator=indicator,
        description=DESCRIPTIONS[indicator],
        components=tuple(components),
        active=active,
        past=past,
        updated_at=updated,
        history_days=settings.history_days,
    )


def impact_of(incident: PageIncident) -> str:
    """Statuspage's incident impact: none, minor, major or critical."""
    worst_seen = worst(
        impact for update in incident.updates for impact in update.components.values()
    )
    return INDICATORS[worst_seen]
