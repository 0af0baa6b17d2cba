"""[retention]: how long each kind of record is kept, and how the job that applies it runs.

A duration of "0" keeps that kind forever. Negative or unreadable durations stop the start
with one line naming the key (the caller adds "config error: [retention].<key>").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from settings import values
from settings.durations import parse_duration

# The kinds of record retention removes, in the order a run removes them.
KINDS = ("resolved_incidents", "audit", "rate_attempts", "accepted_signatures")


@dataclass(frozen=True)
class Retention:
    """How long records are kept; None keeps them forever."""

    # Resolved incidents, counted from resolution, with their timelines and follow-ups.
    resolved_incidents: timedelta | None = timedelta(days=365)
    audit: timedelta | None = timedelta(days=730)
    # Counted ack attempts: never removed inside the rate window, whatever is set here.
    rate_attempts: timedelta | None = timedelta(days=1)
    # Accepted ops API signatures, counted from their expiry (a replay of an expired one is
    # refused by its timestamp alone).
    accepted_signatures: timedelta | None = timedelta(days=1)
    # How often the job runs (decided in the database, so replicas share one schedule).
    every: timedelta = timedelta(hours=1)
    # Rows deleted per transaction: a backlog is removed in many short transactions.
    batch: int = 500

    def keep(self, kind: str) -> timedelta | None:
        return getattr(self, kind)


def keep_for(value: Any) -> timedelta | None:
    """A retention duration: "0" (or 0) keeps forever; else a duration such as "365d"."""
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return None
    if not isinstance(value, str) or value.strip().startswith("-"):
        raise ValueError(
            f'expected a duration such as "365d", or "0" to keep forever, got {value!r}'
        )
    duration = parse_duration(value.strip() if value.strip() != "0" else "0s")
    return None if duration == timedelta(0) else duration


PARSERS = {
    **dict.fromkeys(KINDS, keep_for),
    "every": values.positive_duration,
    "batch": values.integer(1, 100_000),
}


def parse_retention(table: Any, fail) -> Retention:
    """Build Retention from the [retention] table; `fail(key, problem)` makes the error."""
    if not isinstance(table, dict):
        raise fail("[retention]", "expected a table")
    settings = {}
    for key, value in table.items():
        if key not in PARSERS:
            raise fail(f"[retention].{key}", "unknown key")
        try:
            settings[key] = PARSERS[key](value)
        except ValueError as error:
            raise fail(f"[retention].{key}", str(error)) from None
    return Retention(**settings)
