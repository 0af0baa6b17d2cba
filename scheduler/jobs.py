"""The scheduler's jobs. Each is a thin call into bot/ with its own database connection."""

from __future__ import annotations

from bot.services import Services


def refresh_usergroups(services: Services) -> None:
    """Keep the members of the @usergroups named in [roles] current."""
    services.people.refresh_groups()
