"""Checklist items of an incident: created with it (or when its type changes), ticked and
unticked in the channel, nudged once when an open item is past its due time."""

from __future__ import annotations

from datetime import datetime

from store.db import write_transaction
from store.fields import utcnow
from store.models import ChecklistItem, Incident


def of(incident: Incident) -> list[ChecklistItem]:
    return list(
        ChecklistItem.select()
        .where(ChecklistItem.incident == incident.id)
        .order_by(ChecklistItem.position)
    )


def add(
    incident: Incident, entries: list[tuple[str, datetime | None]], existing: int | None = None
) -> None:
    """Append items (text, due time) after those the incident already has: `existing` of
    them when the caller knows (a new incident has none). Call inside the writing
    transaction."""
    if not entries:
        return
    start = len(of(incident)) if existing is None else existing
    rows = [
        {"incident": incident.id, "position": start + index, "text": text, "due_at": due_at}
        for index, (text, due_at) in enumerate(entries)
    ]
    ChecklistItem.insert_many(rows).execute()


def next_due(incident: Incident) -> datetime | None:
    """When the earliest open item that has not been nudged falls due."""
    row = (
        ChecklistItem.select(ChecklistItem.due_at)
        .where(
            (ChecklistItem.incident == incident.id)
            & ChecklistItem.done_at.is_null()
            & ChecklistItem.nudged_at.is_null()
            & ChecklistItem.due_at.is_null(False)
        )
        .order_by(ChecklistItem.due_at)
        .first()
    )
    return row.due_at if row else None


def overdue(incident: Incident, now: datetime) -> list[ChecklistItem]:
    """Open items past their due time that were never nudged."""
    return list(
        ChecklistItem.select()
        .where(
            (ChecklistItem.incident == incident.id)
            & ChecklistItem.done_at.is_null()
            & ChecklistItem.nudged_at.is_null()
            & (ChecklistItem.due_at <= now)
        )
        .order_by(ChecklistItem.position)
    )


def mark_nudged(items: list[ChecklistItem], now: datetime) -> None:
    ids = [item.id for item in items]
    if ids:
        ChecklistItem.update(nudged_at=now).where(ChecklistItem.id.in_(ids)).execute()


def set_done(item: ChecklistItem, *, done: bool, by: str, now: datetime | None = None) -> bool:
    """Tick (or untick) the item; False when it already was in that state (a second click,
    or someone else was quicker)."""
    now = now or utcnow()
    with write_transaction():
        if done:
            query = ChecklistItem.update(done_at=now, done_by=by).where(
                (ChecklistItem.id == item.id) & ChecklistItem.done_at.is_null()
            )
        else:
            query = ChecklistItem.update(done_at=None, done_by=None).where(
                (ChecklistItem.id == item.id) & ChecklistItem.done_at.is_null(False)
            )
        changed = query.execute() == 1
    if changed:
        item.done_at, item.done_by = (now, by) if done else (None, None)
    return changed


def progress(items: list[ChecklistItem]) -> tuple[int, int]:
    return sum(1 for item in items if item.done_at is not None), len(items)
