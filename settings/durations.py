"""Human durations for messages and reports."""

from __future__ import annotations

from datetime import timedelta


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
