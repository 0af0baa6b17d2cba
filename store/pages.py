"""The pages of an incident (store/models/paging.py `Page`): requested by escalation, delivered
by the scheduler under the incident's lease, moved on by acknowledgement and resolution.

A page's states climb triggered → acknowledged → resolved, in `wanted` (what Klaxon wants
the provider to know) and in `sent` (what the provider accepted). A page is due while
`sent` lags `wanted` and `next_attempt_at` has come.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import peewee

from store.db import write_transaction
from store.due import refresh_next_due
from store.models import Incident, Page

TRIGGERED = "triggered"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
RANK = {None: 0, TRIGGERED: 1, ACKNOWLEDGED: 2, RESOLVED: 3}


def of(incident: Incident) -> list[Page]:
    return list(Page.select().where(Page.incident == incident.id).order_by(Page.id))


def request(incident: Incident, targets: Iterable[tuple[str, str]], now: datetime) -> list[str]:
    """Create the pages not yet requested, as (provider, target) pairs; returns the new
    targets. A target paged before is left alone: a repeat never pages twice."""
    created = []
    with write_transaction():
        known = {page.target for page in of(incident)}
        for provider, target in targets:
            if target in known:
                continue
            Page.create(
                incident=incident.id,
                target=target,
                provider=provider,
                wanted=TRIGGERED,
                next_attempt_at=now,
                created_at=now,
            )
            known.add(target)
            created.append(target)
    return created


def want(incident_id, state: str, now: datetime) -> bool:
    """Klaxon's incident moved on (acknowledged, resolved): every page that knows less is
    due now. Returns whether any page is due."""
    due = False
    with write_transaction():
        for page in Page.select().where(Page.incident == incident_id):
            if RANK[page.wanted] >= RANK[state]:
                continue
            changes: dict = {Page.wanted: state}
            if page.sent != state:
                changes.update({Page.next_attempt_at: now, Page.attempts: 0})
                due = True
            Page.update(changes).where(Page.id == page.id).execute()
        if due:
            Incident.update(next_page_at=now).where(Incident.id == incident_id).execute()
            refresh_next_due(incident_id)
    return due


def known(incident_id, provider: str, state: str, now: datetime) -> None:
    """The provider told Klaxon (a webhook) that its page is `state`: nothing to send it. A
    page whose trigger is still under way counts too: the provider has it."""
    for page in Page.select().where((Page.incident == incident_id) & (Page.provider == provider)):
        if RANK[page.sent] < RANK[state]:
            Page.update({Page.sent: state, Page.changed_at: now}).where(
                Page.id == page.id
            ).execute()


def pending(incident: Incident, now: datetime) -> list[Page]:
    return list(
        Page.select()
        .where((Page.incident == incident.id) & (Page.next_attempt_at <= now))
        .order_by(Page.id)
    )


def delivered(page: Page, action: str, now: datetime) -> None:
    """The provider accepted `action`; due again at once if Klaxon moved on meanwhile. What
    the provider told Klaxon meanwhile (`known`, a webhook that overtook the call's answer)
    is never lowered, so it is not sent back to the provider."""
    moment = peewee.Value(Page.next_attempt_at.db_value(now), unpack=False)
    sent, wanted = _rank(Page.sent), _rank(Page.wanted)
    Page.update(
        {
            Page.sent: peewee.Case(None, [(sent >= RANK[action], Page.sent)], action),
            Page.attempts: 0,
            Page.last_error: "",
            Page.changed_at: now,
            Page.paged_at: peewee.fn.COALESCE(Page.paged_at, moment),
            Page.next_attempt_at: peewee.Case(
                None, [((wanted <= RANK[action]) | (wanted <= sent), None)], moment
            ),
        }
    ).where(Page.id == page.id).execute()


def _rank(column) -> peewee.Case:
    """RANK of a state column, in SQL."""
    return peewee.Case(column, [(state, rank) for state, rank in RANK.items() if state], 0)


def skipped(page: Page, now: datetime) -> None:
    """Klaxon moved on before the page ever went out: nothing to tell the provider."""
    Page.update({Page.sent: page.wanted, Page.changed_at: now, Page.next_attempt_at: None}).where(
        (Page.id == page.id) & (Page.wanted == page.wanted)
    ).execute()


def failed(page: Page, error: str, retry_at: datetime | None) -> None:
    """A failed attempt; `retry_at` None gives up."""
    Page.update(
        {
            Page.attempts: Page.attempts + 1,
            Page.last_error: error,
            Page.next_attempt_at: retry_at,
        }
    ).where(Page.id == page.id).execute()


def claim(incident_id, now: datetime, *, owner: str, lease) -> Incident | None:
    """Take the incident's lease to page right away (after an ack or a resolve), when no
    replica holds it; None when one does (its next tick pages, as next_page_at is due)."""
    won = (
        Incident.update(lease_until=now + lease, lease_owner=owner)
        .where(
            (Incident.id == incident_id)
            & (Incident.next_page_at <= now)
            & (Incident.lease_until.is_null() | (Incident.lease_until < now))
        )
        .execute()
    )
    return Incident.get_by_id(incident_id) if won else None


def next_attempt(incident_id) -> datetime | None:
    row = (
        Page.select(Page.next_attempt_at)
        .where((Page.incident == incident_id) & Page.next_attempt_at.is_null(False))
        .order_by(Page.next_attempt_at)
        .first()
    )
    return row.next_attempt_at if row else None


def was_paged(incident_id, provider: str) -> bool:
    """Whether Klaxon paged this incident through the provider (so its webhooks are about
    an incident Klaxon paged). A page whose call is under way counts: the provider may
    answer (a webhook) before the replica that sent it has recorded its success."""
    return (
        Page.select().where((Page.incident == incident_id) & (Page.provider == provider)).exists()
    )
