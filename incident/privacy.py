"""Private incidents: the one question every output outside the incident channel asks.

A private incident's title, description, impact, updates and channel name never leave its
channel. Whatever speaks outside it (the incidents channel, escalations, DMs, lists,
the HTTP API, the CLI, a status page, a pager) asks `is_private(incident)` and, when it
must name the incident at all, uses `safe_title` / `safe_headline`, which say only the ref.
"""

from __future__ import annotations

PRIVATE_TITLE = "Private incident"


def is_private(incident) -> bool:
    """Whether the incident is private (decided at declaration, never undone)."""
    return bool(getattr(incident, "private", False))


def safe_title(incident) -> str:
    """The title for an audience outside the incident channel."""
    return PRIVATE_TITLE if is_private(incident) else incident.title


def safe_headline(incident) -> str:
    """`INC-42 · <title>`, or `INC-42 (private)` for a private incident."""
    if is_private(incident):
        return f"{incident.display_ref} (private)"
    return f"{incident.display_ref} · {incident.title}"
