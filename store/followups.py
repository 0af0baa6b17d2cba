"""Follow-ups (action items) of an incident."""

from __future__ import annotations

from datetime import datetime

from store.db import write_transaction
from store.fields import utcnow
from store.incidents import add_event
from store.models import FollowUp, Incident


def add(
    incident: Incident,
    text: str,
    *,
    owner_id: str | None,
    created_by: str,
    now: datetime | None = None,
) -> FollowUp:
    now = now or utcnow()
    with write_transaction():
        follow_up = FollowUp.create(
            incident=incident, text=text, owner_id=owner_id, created_by=created_by, created_at=now
        )
        owner = f" (owner {owner_id})" if owner_id else ""
        add_event(
            incident, "followup", f"Follow-up added: {text}{owner}", actor_id=created_by, now=now
        )
    return follow_up


def of(incident: Incident) -> list[FollowUp]:
    return list(
        FollowUp.select()
        .where(FollowUp.incident == incident)
        .order_by(FollowUp.created_at, FollowUp.id)
    )


def get(follow_up_id: int | str) -> FollowUp | None:
    try:
        return FollowUp.get_or_none(FollowUp.id == int(follow_up_id))
    except (TypeError, ValueError):
        return None


def mark_done(follow_up: FollowUp, *, by: str, now: datetime | None = None) -> bool:
    """True when this call closed it; False when it was already done."""
    now = now or utcnow()
    with write_transaction():
        closed = (
            FollowUp.update(done_at=now, done_by=by)
            .where((FollowUp.id == follow_up.id) & FollowUp.done_at.is_null())
            .execute()
        )
        if closed:
            add_event(
                follow_up.incident,
                "followup_done",
                f"Follow-up done: {follow_up.text}",
                actor_id=by,
                now=now,
            )
    return bool(closed)
