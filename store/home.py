"""What a person's Home tab lists (§16): open incidents, their open follow-ups, and the
incidents resolved lately; and whose an incident is (lead or a role beside the lead)."""

from __future__ import annotations

from datetime import datetime

from store.models import FollowUp, Incident, RoleAssignment

# A Home tab holds at most 100 blocks: each list is cut short (and says so).
LISTED = 20


def open_incidents() -> list[Incident]:
    query = Incident.select().where(Incident.status != "resolved")
    return list(query.order_by(Incident.declared_at.desc()).limit(LISTED * 5))


def resolved_since(since: datetime) -> list[Incident]:
    query = Incident.select().where(
        (Incident.status == "resolved") & (Incident.resolved_at >= since)
    )
    return list(query.order_by(Incident.resolved_at.desc()).limit(LISTED * 5))


def roles_held(user_id: str, incidents: list[Incident]) -> set:
    """The ids of those incidents in which the person holds a role beside the lead."""
    if not incidents:
        return set()
    query = RoleAssignment.select(RoleAssignment.incident).where(
        (RoleAssignment.holder_id == user_id)
        & RoleAssignment.incident.in_([i.id for i in incidents])
    )
    return {row.incident_id for row in query}


def open_follow_ups_of(user_id: str) -> list[FollowUp]:
    """Open follow-ups the person owns, or added without an owner, oldest first."""
    mine = (FollowUp.owner_id == user_id) | (
        FollowUp.owner_id.is_null() & (FollowUp.created_by == user_id)
    )
    query = (
        FollowUp.select(FollowUp, Incident)
        .join(Incident)
        .where(FollowUp.done_at.is_null() & mine)
        .order_by(FollowUp.created_at, FollowUp.id)
    )
    return list(query.limit(LISTED * 5))
