"""Role grants stored in the database (the [roles] config adds to these)."""

from __future__ import annotations

import peewee

from store.models import RoleGrant


def grant(role: str, holder: str, granted_by: str | None = None) -> bool:
    """Give `role` to `holder`; False when they already had it."""
    try:
        RoleGrant.create(role=role, holder=holder, granted_by=granted_by)
    except peewee.IntegrityError:
        return False
    return True


def revoke(role: str, holder: str) -> bool:
    """Take `role` from `holder`; False when they did not have it."""
    return bool(
        RoleGrant.delete().where((RoleGrant.role == role) & (RoleGrant.holder == holder)).execute()
    )


def roles_of(*holders: str) -> set[str]:
    """Every stored role granted to any of these holders (a user id, an email)."""
    wanted = [h for h in holders if h]
    if not wanted:
        return set()
    query = RoleGrant.select(RoleGrant.role).where(RoleGrant.holder.in_(wanted))
    return {grant.role for grant in query}


def grants(role: str | None = None) -> list[RoleGrant]:
    query = RoleGrant.select().order_by(RoleGrant.role, RoleGrant.holder)
    if role:
        query = query.where(RoleGrant.role == role)
    return list(query)
