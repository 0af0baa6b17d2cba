"""Durations: read from settings ("1h30m") and written for people ("1h 30m")."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"(\d+)\s*(ms|[smhd])")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Durations are added to today's date (due times, purge cut-offs), so they must stay well
# inside what a datetime can hold; a century is more than any setting needs.
MAX_DURATION = timedelta(days=36500)


def parse_duration(text: str) -> timedelta:
    """Parse "45s", "5m", "2h", "1d" or a compound such as "1h30m", up to MAX_DURATION.
    Milliseconds ("250ms") are for what runs often, such as the scheduler's tick in tests."""
    if not isinstance(text, str):
        raise ValueError(f"expected a duration such as '5m', got {text!r}")
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not compact or "".join(f"{n}{u}" for n, u in parts) != compact.replace(" ", ""):
        raise ValueError(f"expected a duration such as '45s', '5m', '2h' or '1d', got {text!r}")
    limit = MAX_DURATION.total_seconds()
    # Checked digit count first: int() of thousands of digits is refused by Python itself.
    if any(len(number) > 12 for number, _ in parts) or (
        sum(int(n) * _UNIT_SECONDS[u] for n, u in parts) > limit
    ):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise ValueError(f"expected at most {MAX_DURATION.days}d, got {shown!r}")
    return timedelta(seconds=sum(int(n) * _UNIT_SECONDS[u] for n, u in parts))


def humanize(span: timedelta) -> str:
    """'45s', '12m', '1h 5m', '2d 3h': the two largest units, no zero padding."""
    seconds = max(0, int(span.total_seconds()))
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    parts = []
    for name, size in units:
        amount, seconds = divmod(seconds, size)
        if amount or (not parts and size == 1):
            parts.append(f"{amount}{name}")
        if len(parts) == 2:
            break
    return " ".join(parts)
