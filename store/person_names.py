"""People's Slack display names, cached (`person_name`): reports name people, never ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from store.models import PersonName

# A name older than this is asked of Slack again when it is needed.
FRESH_FOR = timedelta(days=1)


def known(user_ids: Iterable[str]) -> dict[str, str]:
    """The cached display name of each of these people that has one."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = PersonName.select().where(PersonName.user_id.in_(ids))
    return {row.user_id: row.display_name for row in query}


def stale(user_ids: Iterable[str], *, now: datetime) -> set[str]:
    """Those of these people whose name is missing or older than FRESH_FOR."""
    ids = set(user_ids)
    if not ids:
        return set()
    fresh = PersonName.select(PersonName.user_id).where(
        PersonName.user_id.in_(sorted(ids)), PersonName.fetched_at > now - FRESH_FOR
    )
    return ids - {row.user_id for row in fresh}


def remember(names: Mapping[str, str], *, now: datetime) -> None:
    """Store (or refresh) these display names."""
    for user_id, name in names.items():
        PersonName.insert(user_id=user_id, display_name=name[:200], fetched_at=now).on_conflict(
            conflict_target=[PersonName.user_id],
            update={PersonName.display_name: name[:200], PersonName.fetched_at: now},
        ).execute()
