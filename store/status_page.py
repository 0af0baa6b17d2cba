"""The public status page's state: published incidents and their updates.

Written only by the publish use case (incident/status_page.py) and read by the page's
server process (web/status_page/), which knows nothing of Slack: these rows hold only what
a person published, never the incident's internal fields.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime

import peewee

from store import due
from store.db import write_transaction
from store.fields import utcnow
from store.incidents import add_event
from store.models import Incident, PublicIncident, PublicUpdate

# Public ids look like Statuspage's (12 characters of [a-z0-9]) and say nothing of the ref.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_public_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


@dataclass(frozen=True)
class Publication:
    """One update as it is to be published (already checked by the use case)."""

    title: str
    status: str
    components: dict[str, str]
    body: str


def public_of(incident: Incident | str) -> PublicIncident | None:
    incident_id = incident.id if isinstance(incident, Incident) else incident
    return PublicIncident.get_or_none(PublicIncident.incident == incident_id)


def components_of(row: PublicIncident | PublicUpdate) -> dict[str, str]:
    return json.loads(row.components or "{}")


def publish(
    incident: Incident,
    publication: Publication,
    *,
    actor_id: str,
    event_text: str,
    sync_at: datetime | None,
    now: datetime | None = None,
) -> tuple[PublicIncident, PublicUpdate]:
    """Record the update, its timeline event and (with a mirror) when to push it, in one
    transaction."""
    now = now or utcnow()
    components = json.dumps(publication.components, sort_keys=True)
    with write_transaction():
        public = public_of(incident)
        if public is None:
            public = PublicIncident.create(
                public_id=new_public_id(),
                incident=incident,
                title=publication.title,
                status=publication.status,
                components=components,
                created_at=now,
                updated_at=now,
            )
        resolved_at = now if publication.status == "resolved" else None
        if public.status == "resolved" and resolved_at is not None:
            resolved_at = public.resolved_at or now
        (
            PublicIncident.update(
                title=publication.title,
                status=publication.status,
                components=components,
                updated_at=now,
                resolved_at=resolved_at,
            )
            .where(PublicIncident.id == public.id)
            .execute()
        )
        update = PublicUpdate.create(
            public_incident=public,
            status=publication.status,
            body=publication.body,
            components=components,
            created_at=now,
        )
        add_event(incident, "status_page", event_text, actor_id=actor_id, now=now)
        if sync_at is not None:
            Incident.update(next_status_page_sync_at=sync_at).where(
                Incident.id == incident.id
            ).execute()
            due.refresh_next_due(incident.id)
    return PublicIncident.get_by_id(public.id), update


def updates_of(public: PublicIncident) -> list[PublicUpdate]:
    """Oldest first."""
    return list(
        PublicUpdate.select()
        .where(PublicUpdate.public_incident == public.id)
        .order_by(PublicUpdate.created_at, PublicUpdate.id)
    )


def record_mirror(
    public: PublicIncident, *, mirror_id: str | None, pushed: int, failed: bool
) -> int:
    """How far the mirror got; returns the failed attempts in a row (0 after a success)."""
    attempts = public.mirror_attempts + 1 if failed else 0
    PublicIncident.update(
        mirror_id=mirror_id, mirrored_updates=pushed, mirror_attempts=attempts
    ).where(PublicIncident.id == public.id).execute()
    return attempts


# ----- what the page's server reads -----


@dataclass(frozen=True)
class PageUpdate:
    id: int
    status: str
    body: str
    components: dict[str, str]
    created_at: datetime


@dataclass(frozen=True)
class PageIncident:
    public_id: str
    title: str
    status: str
    components: dict[str, str]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    updates: tuple[PageUpdate, ...]  # newest first


def version() -> tuple:
    """Changes whenever anything is published (or purged): the page's cache key."""
    row = PublicUpdate.select(
        peewee.fn.COUNT(PublicUpdate.id), peewee.fn.MAX(PublicUpdate.id)
    ).tuples()
    return tuple(row.first() or (0, None))


def page_incidents(since: datetime) -> list[PageIncident]:
    """Every unresolved public incident, and those resolved since `since`; newest first."""
    rows = list(
        PublicIncident.select(
            PublicIncident.id,
            PublicIncident.public_id,
            PublicIncident.title,
            PublicIncident.status,
            PublicIncident.components,
            PublicIncident.created_at,
            PublicIncident.updated_at,
            PublicIncident.resolved_at,
        )
        .where(PublicIncident.resolved_at.is_null() | (PublicIncident.resolved_at >= since))
        .order_by(PublicIncident.created_at.desc(), PublicIncident.id.desc())
    )
    updates: dict[int, list[PageUpdate]] = {row.id: [] for row in rows}
    if rows:
        query = (
            PublicUpdate.select()
            .where(PublicUpdate.public_incident.in_(list(updates)))
            .order_by(PublicUpdate.created_at.desc(), PublicUpdate.id.desc())
        )
        for update in query:
            updates[update.public_incident_id].append(
                PageUpdate(
                    id=update.id,
                    status=update.status,
                    body=update.body,
                    components=components_of(update),
                    created_at=update.created_at,
                )
            )
    return [
        PageIncident(
            public_id=row.public_id,
            title=row.title,
            status=row.status,
            components=components_of(row),
            created_at=row.created_at,
            updated_at=row.updated_at,
            resolved_at=row.resolved_at,
            updates=tuple(updates[row.id]),
        )
        for row in rows
    ]
