"""A sliding-window rate limit kept in the database, so it holds across restarts and replicas."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from store.db import write_transaction
from store.fields import utcnow
from store.models import RateAttempt


def attempt(
    bucket: str, actor: str, *, limit: int, window: timedelta, now: datetime | None = None
) -> int:
    """Count an attempt. Returns 0 when it is allowed, else the seconds to wait.

    The attempt is written first and the window counted after, in one transaction, so two
    replicas racing for the last slot cannot both get it. A refused attempt is taken back:
    hammering the limit does not push the wait further out.
    """
    now = now or utcnow()
    since = now - window
    in_window = (
        (RateAttempt.bucket == bucket)
        & (RateAttempt.actor == actor)
        & (RateAttempt.attempted_at > since)
    )
    with write_transaction():
        row = RateAttempt.create(bucket=bucket, actor=actor, attempted_at=now)
        counted = RateAttempt.select().where(in_window).count()
        if counted <= limit:
            return 0
        row.delete_instance()
        oldest = (
            RateAttempt.select(RateAttempt.attempted_at)
            .where(in_window)
            .order_by(RateAttempt.attempted_at)
            .first()
        )
    return max(1, math.ceil((oldest.attempted_at + window - now).total_seconds()))


def prune(older_than: datetime) -> int:
    """Forget attempts no window can reach any more."""
    return RateAttempt.delete().where(RateAttempt.attempted_at < older_than).execute()
