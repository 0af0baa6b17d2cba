"""Numbers across incidents (`klaxon stats`, PRODUCT.md §16): per group (severity, type or
month of declaration), how many incidents, and the median and 90th percentile of the time
to acknowledge (MTTA) and to resolve (MTTR), measured as the report measures them (from
impact start, else from the declaration: `incident.timeline.spans`).

Only counts and durations leave this module: no title, ref or channel, so a private
incident is counted and never named."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from incident.timeline import spans
from store.models import Incident

GROUPINGS = ("severity", "type", "month")


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile (nearest rank) of some durations; None when there are none."""

    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, durations: list[timedelta]) -> Spread:
        if not durations:
            return cls(None, None)
        ordered = sorted(durations)
        rank = max(1, math.ceil(0.9 * len(ordered)))
        return cls(statistics.median(ordered), ordered[rank - 1])


@dataclass(frozen=True)
class Group:
    name: str
    incidents: int
    acknowledged: int
    resolved: int
    mtta: Spread
    mttr: Spread


def group_of(incident: Incident, by: str) -> str:
    if by == "type":
        return incident.incident_type or "general"
    if by == "month":
        return f"{incident.declared_at:%Y-%m}"
    return incident.severity


def summarise(incidents: Iterable[Incident], by: str) -> list[Group]:
    """One Group per value of `by`, in order (SEV1 first, types by name, months in order)."""
    if by not in GROUPINGS:
        raise ValueError(f"by: expected one of {', '.join(GROUPINGS)}, got {by!r}")
    grouped: dict[str, list[Incident]] = {}
    for incident in incidents:
        grouped.setdefault(group_of(incident, by), []).append(incident)
    groups = []
    for name in sorted(grouped):
        members = [spans(incident) for incident in grouped[name]]
        acks = [s.acknowledge for s in members if s.acknowledge is not None]
        resolutions = [s.resolve for s in members if s.resolve is not None]
        groups.append(
            Group(
                name=name,
                incidents=len(members),
                acknowledged=len(acks),
                resolved=len(resolutions),
                mtta=Spread.of(acks),
                mttr=Spread.of(resolutions),
            )
        )
    return groups


def declared_since(since: datetime) -> list[Incident]:
    """Every incident declared at or after `since`, private ones included (only counted)."""
    return list(Incident.select().where(Incident.declared_at >= since))
