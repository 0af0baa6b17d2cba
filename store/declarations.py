"""Declaring an incident: its row, its ref, its first channel name, its timeline event and
its audit line, in as few statements as it takes (on PostgreSQL, one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from store import cached_insert, checklists, due, prepared
from store.db import is_postgresql, joined_write_transaction
from store.fields import utcnow
from store.models import AuditEvent, Counter, Incident, TimelineEvent

REF_COUNTER = "incident_ref"
# A new row's channel name unless another incident has (or is creating) a channel of that
# name: what `reserve_channel_name` decides, within the INSERT.
_CHANNEL_NAME_UNLESS_TAKEN = (
    'CASE WHEN EXISTS (SELECT 1 FROM "incident" WHERE "channel_name" = {value}) '
    "THEN NULL ELSE {value} END"
)


@dataclass(frozen=True)
class NewIncident:
    title: str
    severity: str
    reporter_id: str
    lead_id: str | None = None
    impact: str = ""
    description: str = ""
    declaration_key: str | None = None
    incident_key: str | None = None
    route: str | None = None
    alert_count: int = 0
    private: bool = False
    incident_type: str | None = None
    # The type's checklist: (item, when it falls due), created with the incident.
    checklist: tuple[tuple[str, datetime | None], ...] = ()


# Sent as written: Peewee would build the statement, and a row object for its result, anew
# on every declaration before its acknowledgement.
_INCREMENT = 'UPDATE "counter" SET "value" = "value" + 1 WHERE "name" = {param} RETURNING "value"'
# On PostgreSQL the counter is read inside the incident's INSERT, which takes its ref from
# it (and its audit line from the row): one round trip fewer before the acknowledgement. Its
# row stays locked until the declaration commits (one running meanwhile waits, then reads
# the value this one left), and it moves only if the incident was inserted: a redelivery
# takes no ref, and has none to give back.
_NEXT_REF = '"next_ref"'
_PEEK = 'SELECT "value" + 1 AS "value" FROM "counter" WHERE "name" = {param} FOR UPDATE'
_COUNT = (
    'UPDATE "counter" SET "value" = "inserted"."ref" FROM "inserted" '
    'WHERE "counter"."name" = {param}'
)
_REF_FROM_COUNTER = {"ref": '(SELECT "value" FROM "next_ref")'}
_REF_FROM_INCIDENT = {"incident_ref": '"inserted"."ref"'}


def _next_value(name: str) -> int:
    """Increment a named counter inside the caller's transaction and return the new value."""
    database = Counter._meta.database
    values = prepared.execute(database, _INCREMENT.format(param=database.param), (name,)).fetchall()
    if not values:
        raise LookupError(f"counter {name!r} is missing; run `klaxon migrate`")
    return values[0][0]


def _give_back(name: str) -> None:
    """Undo `_next_value` in the same transaction, which still holds the counter's row (on
    SQLite, the write lock): nobody took a value since, so no value is skipped."""
    Counter.update(value=Counter.value - 1).where(Counter.name == name).execute()


def declare(
    new: NewIncident,
    now: datetime | None = None,
    schedule: dict | None = None,
    held_by: due.Hold | None = None,
    channel_name: Callable[[Incident], str | None] | None = None,
    audited: Callable[[Incident], dict] | None = None,
    alone: bool = False,
) -> tuple[Incident, bool]:
    """Persist a new incident and its `declared` timeline event, in the caller's transaction
    (or one of its own).

    Returns (incident, created). A declaration_key seen before returns the incident it
    created the first time, with created=False, so a redelivered submission is harmless.
    `held_by` leases the new incident's due work to the replica that goes on to build it in
    Slack, so the scheduler's reconciliation never works on it at the same time.
    `channel_name` names the incident's channel from the incident about to be stored, first
    before its ref is known (incident.ref is None), when it answers None if the name is made
    of the ref; the name is reserved with the row unless another incident has it (as
    `reserve_channel_name` would; incident.channel_name stays None then), which saves the
    reservation's own statement. `audited` gives the declaration's audit line (an
    `audit.entry`), written with the incident.

    With `alone` (the caller's transaction is the declaration's own, and nothing it writes
    next must commit with the incident), the statement that writes the incident, its event
    and its audit line commits on its own if it is the transaction's first, sparing the
    COMMIT's round trip (store/db.py `next_statement_alone`). Not when the incident has
    checklist items: they commit with it.
    """
    now = now or utcnow()
    schedule = schedule or {}
    lease = {"lease_owner": held_by.owner, "lease_until": held_by.until} if held_by else {}
    with joined_write_transaction():
        incident = Incident(
            ref=None,
            title=new.title,
            severity=new.severity,
            reporter_id=new.reporter_id,
            lead_id=new.lead_id,
            impact=new.impact,
            description=new.description,
            declaration_key=new.declaration_key,
            incident_key=new.incident_key,
            route=new.route,
            alert_count=new.alert_count,
            private=new.private,
            incident_type=new.incident_type,
            declared_at=now,
            updated_at=now,
            last_update_at=now,
            **schedule,
            **lease,
            next_due_at=min((t for t in schedule.values() if t), default=None),
        )
        name = channel_name(incident) if channel_name is not None else None
        counted_with_row = is_postgresql(Incident._meta.database) and (
            channel_name is None or name is not None
        )
        if not counted_with_row:
            incident.ref = _next_value(REF_COUNTER)
            if channel_name is not None and name is None:
                name = channel_name(incident)
        # A declaration_key seen before inserts nothing (a redelivery, or two deliveries of
        # one declaration racing: the first one won). Trying first saves asking first, a
        # round trip before every declaration's acknowledgement, and needs no savepoint.
        row, expressions = incident.__data__, {}
        if channel_name is not None:
            row = {**row, "channel_name": name}
            expressions = {"channel_name": _CHANNEL_NAME_UNLESS_TAKEN}
        declared = {
            "incident": incident.id,
            "kind": "declared",
            "actor_id": new.reporter_id,
            "text": f"Declared {new.severity}: {new.title}",
            "occurred_at": now,
        }
        dependents = [(TimelineEvent, declared, {})]
        if audited is not None:
            audit_ref = _REF_FROM_INCIDENT if counted_with_row else {}
            dependents.append((AuditEvent, audited(incident), audit_ref))
        before = after = None
        if counted_with_row:
            expressions |= _REF_FROM_COUNTER
            param = Incident._meta.database.param
            before = (_NEXT_REF, _PEEK.format(param=param), (REF_COUNTER,))
            after = (_COUNT.format(param=param), (REF_COUNTER,))
        inserted = cached_insert.insert_with(
            Incident,
            row,
            dependents,
            tail='ON CONFLICT ("declaration_key") DO NOTHING RETURNING "ref", "channel_name"',
            expressions=expressions,
            before=before,
            after=after,
            alone=alone and not new.checklist,
        )
        if not inserted:
            if not counted_with_row:
                _give_back(REF_COUNTER)
            return Incident.get(Incident.declaration_key == new.declaration_key), False
        [(incident.ref, incident.channel_name)] = inserted
        checklists.add(incident, list(new.checklist), existing=0)
    return incident, True
