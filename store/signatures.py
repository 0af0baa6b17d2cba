"""Signed ops API requests already accepted, remembered until their signature expires."""

from __future__ import annotations

from datetime import datetime

import peewee

from store.db import write_transaction
from store.models import AcceptedSignature


def accept(signature: str, expires_at: datetime) -> bool:
    """Remember `signature`; False when it was accepted before (a replay).

    One INSERT on the primary key: of two replicas racing with the same signature exactly
    one inserts it, the other gets the IntegrityError.
    """
    try:
        with write_transaction():
            AcceptedSignature.insert(signature=signature, expires_at=expires_at).execute()
    except peewee.IntegrityError:
        return False
    return True


def prune(now: datetime) -> int:
    """Forget signatures that have expired (a replay of them is refused as too old)."""
    return AcceptedSignature.delete().where(AcceptedSignature.expires_at < now).execute()
