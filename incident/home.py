"""A person's Home tab (PRODUCT.md §16): the open incidents (those they lead or hold a role
in first), their open follow-ups (owned by them, or added by them without an owner), and
the incidents resolved in the last 14 days. A private incident is listed only to its
members: `is_member(incident)` (asked of Slack by the caller) decides, for private ones
only (`incident.privacy.is_private`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from incident.access import Caller
from incident.privacy import is_private
from store import home
from store.models import FollowUp, Incident

RECENT = timedelta(days=14)


@dataclass(frozen=True)
class Home:
    user_id: str
    now: datetime
    mine: list[Incident]  # open, led by them or with a role of theirs
    others: list[Incident]  # the other open incidents
    follow_ups: list[FollowUp]
    resolved: list[Incident]


def home_for(
    services, caller: Caller, now: datetime, is_member: Callable[[Incident], bool]
) -> Home:
    """Declared as Permission.VIEW_HOME (anyone): what is listed depends on who asks."""
    user_id = caller.user_id or ""

    def visible(incident: Incident) -> bool:
        return not is_private(incident) or is_member(incident)

    open_ones = [i for i in home.open_incidents() if visible(i)]
    roles = home.roles_held(user_id, open_ones)
    mine = [i for i in open_ones if i.lead_id == user_id or i.id in roles]
    others = [i for i in open_ones if i not in mine]
    follow_ups = [f for f in home.open_follow_ups_of(user_id) if visible(f.incident)]
    resolved = [i for i in home.resolved_since(now - RECENT) if visible(i)]
    return Home(user_id, now, mine, others, follow_ups, resolved)
