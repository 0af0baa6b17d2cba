"""How changes are written on the incident's timeline, and how long things took."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from incident.vocabulary import TIMELINE_REACH, Reason, Refused
from settings.durations import humanize
from store.fields import utcnow
from store.models import Incident


def accepted_range(incident: Incident, now: datetime) -> tuple[datetime, datetime]:
    """The times a timeline entry (or impact start) of the incident may have: from
    TIMELINE_REACH before its declaration up to now."""
    return incident.declared_at - TIMELINE_REACH, now


def time_refusal(incident: Incident, moment: datetime, field: str, now: datetime):
    """A Refused (OUT_OF_RANGE, with the accepted range) for a time outside it, or None."""
    earliest, latest = accepted_range(incident, now)
    if earliest <= moment <= latest:
        return None
    return Refused(Reason.OUT_OF_RANGE, field, (earliest, latest))


def events(incident: Incident, effective: dict, note: str) -> list[tuple[str, str]]:
    """The timeline events (kind, text) of a change, in the order they happened."""
    written = []
    for name, value in effective.items():
        old = getattr(incident, name)
        if name == "status":
            kind = (
                "reopened" if old == "resolved" else {"resolved": "resolved"}.get(value, "status")
            )
            written.append((kind, f"Status: {old} → {value}"))
        elif name == "severity":
            written.append(("severity", f"Severity: {old} → {value}"))
        elif name == "lead_id":
            written.append(("lead", f"Lead: {old or 'none'} → {value}"))
        elif name == "impact_started_at":
            written.append(("impact_started", f"Impact started at {value:%Y-%m-%d %H:%M} UTC"))
        elif name == "root_cause":
            written.append(("root_cause", f"Root cause: {value}"))
        else:
            written.append((name, f"{name.capitalize()} changed to: {value}"))
    if note:
        written.append(("note", note))
    return written


def durations(incident: Incident) -> tuple[str, str]:
    """Time to acknowledge and time to resolve (so far, while unresolved), in words."""
    ack = (
        humanize(incident.acknowledged_at - incident.declared_at)
        if incident.acknowledged_at
        else "never acknowledged"
    )
    resolve = humanize((incident.resolved_at or utcnow()) - incident.declared_at)
    return ack, resolve


@dataclass(frozen=True)
class Spans:
    """How long the incident took to be detected, acknowledged, mitigated (its first
    `monitoring`) and resolved, each measured from when impact started, or from the
    declaration while no impact start is recorded (`from_impact` says which); None for
    what has not happened yet."""

    origin: datetime
    from_impact: bool
    detect: timedelta | None
    acknowledge: timedelta | None
    mitigate: timedelta | None
    resolve: timedelta | None


def spans(incident: Incident) -> Spans:
    origin = incident.impact_started_at or incident.declared_at

    def since(moment: datetime | None) -> timedelta | None:
        return max(moment - origin, timedelta(0)) if moment else None

    return Spans(
        origin=origin,
        from_impact=incident.impact_started_at is not None,
        detect=since(incident.declared_at),
        acknowledge=since(incident.acknowledged_at),
        mitigate=since(incident.mitigated_at),
        resolve=since(incident.resolved_at),
    )
