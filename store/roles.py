"""Role grants stored in the database (the [roles] config adds to these).

Holders are stored and looked up in one canonical form (`canonical_holder`), so
`Ops@Example.com` and `ops@example.com` are one holder.
"""

from __future__ import annotations

import peewee

from store.models import RoleGrant


def canonical_holder(holder: str) -> str:
    """An email stripped and case-folded; a user id or @usergroup handle stripped only.

    Every place that compares or counts an identity (role lists, grants, the ack rate
    limit) goes through here, so one person is one holder and one limit.
    """
    holder = holder.strip()
    return holder.casefold() if "@" in holder[1:] else holder


def grant(role: str, holder: str, granted_by: str | None = None) -> bool:
    """Give `role` to `holder`; False when they already had it."""
    try:
        with RoleGrant._meta.database.atomic():
            RoleGrant.create(role=role, holder=canonical_holder(holder), granted_by=granted_by)
    except peewee.IntegrityError:
        return False
    return True


def revoke(role: str, holder: str) -> bool:
    """Take `role` from `holder`; False when they did not have it."""
    holder = canonical_holder(holder)
    return bool(
        RoleGrant.delete().where((RoleGrant.role == role) & (RoleGrant.holder == holder)).execute()
    )


def roles_of(*holders: str | None) -> set[str]:
    """Every stored role granted to any of these holders (a user id, an email)."""
    wanted = [canonical_holder(h) for h in holders if h and h.strip()]
    if not wanted:
        return set()
    query = RoleGrant.select(RoleGrant.role).where(RoleGrant.holder.in_(wanted))
    return {grant.role for grant in query}


def grants(role: str | None = None) -> list[RoleGrant]:
    query = RoleGrant.select().order_by(RoleGrant.role, RoleGrant.holder)
    if role:
        query = query.where(RoleGrant.role == role)
    return list(query)
