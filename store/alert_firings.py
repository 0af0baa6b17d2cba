"""The incidents alerts raise: the open one for an alert's key, and its further firings."""

from __future__ import annotations

from datetime import datetime

import peewee

from store.db import write_transaction
from store.fields import utcnow
from store.models import Incident, TimelineEvent


def open_by_key(incident_key: str) -> Incident | None:
    """The unresolved incident raised for this key, if any (newest first)."""
    return (
        Incident.select()
        .where(
            (Incident.incident_key == incident_key)
            & (Incident.status != "resolved")
            & ~Incident.private
        )
        .order_by(Incident.declared_at.desc())
        .first()
    )


def count_alerts(incident: Incident, texts: list[str], now: datetime | None = None) -> None:
    """More firings of the alert behind an open incident: the counter goes up by one per
    firing and each gets a timeline line, all in one transaction (a webhook may repeat one
    alert a thousand times; a transaction each would outlast the sender's timeout)."""
    now = now or utcnow()
    with write_transaction():
        Incident.update(alert_count=Incident.alert_count + len(texts), updated_at=now).where(
            Incident.id == incident.id
        ).execute()
        rows = [
            {"incident": incident.id, "kind": "alert", "text": text, "occurred_at": now}
            for text in texts
        ]
        for batch in peewee.chunked(rows, 100):  # within SQLite's bound-variable limit
            TimelineEvent.insert_many(batch).execute()
