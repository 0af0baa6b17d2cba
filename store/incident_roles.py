"""Who holds the incident's roles beside the lead ([incident_roles])."""

from __future__ import annotations

import peewee

from store.db import write_transaction
from store.fields import utcnow
from store.models import Incident, RoleAssignment


def of(incident: Incident) -> dict[str, str]:
    """Role name -> holder's user id."""
    query = RoleAssignment.select().where(RoleAssignment.incident == incident.id)
    return {row.role: row.holder_id for row in query}


def holds_any(incident: Incident, user_id: str) -> bool:
    return (
        RoleAssignment.select()
        .where((RoleAssignment.incident == incident.id) & (RoleAssignment.holder_id == user_id))
        .exists()
    )


def assign(incident: Incident, role: str, holder_id: str, *, by: str) -> str | None:
    """Give the role to `holder_id`; returns who held it before (None: nobody)."""
    with write_transaction():
        current = RoleAssignment.get_or_none(
            (RoleAssignment.incident == incident.id) & (RoleAssignment.role == role)
        )
        if current is None:
            RoleAssignment.create(
                incident=incident.id,
                role=role,
                holder_id=holder_id,
                assigned_by=by,
                assigned_at=utcnow(),
            )
            return None
        RoleAssignment.update(holder_id=holder_id, assigned_by=by, assigned_at=utcnow()).where(
            RoleAssignment.id == current.id
        ).execute()
        return current.holder_id


def claim_vacant(incident: Incident, role: str, holder_id: str) -> bool:
    """Take the role only if nobody holds it: of two claims at once, one wins."""
    try:
        with write_transaction():
            RoleAssignment.create(
                incident=incident.id,
                role=role,
                holder_id=holder_id,
                assigned_by=holder_id,
                assigned_at=utcnow(),
            )
        return True
    except peewee.IntegrityError:  # the unique (incident, role) index: someone was quicker
        return False
