"""Retention: remove what [retention] (or `klaxon purge`) says is old enough, in batches.

Every delete runs in short transactions of at most `batch` rows (incidents count with their
timelines and follow-ups), so a large backlog never holds a long lock: replicas keep
acknowledging and nudging between batches. Open incidents are never removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import peewee

from settings.retention import KINDS, Retention
from store import audit
from store.db import write_transaction
from store.models import (
    AcceptedSignature,
    AuditEvent,
    ChecklistItem,
    FollowUp,
    Incident,
    Page,
    PublicIncident,
    RateAttempt,
    RoleAssignment,
    TimelineEvent,
)

# The tables whose rows belong to one incident and go with it, and the name each count
# has in the audit record. A new table with an `incident` foreign key adds one entry
# (public_update rows follow their public_incident by ON DELETE CASCADE).
INCIDENT_CHILDREN = (
    (TimelineEvent, "timeline_events"),
    (FollowUp, "follow_ups"),
    (PublicIncident, "public_incidents"),
    (Page, "pages"),
    (ChecklistItem, "checklist_items"),
    (RoleAssignment, "role_assignments"),
)
COUNTED = (*KINDS, *(name for _, name in INCIDENT_CHILDREN))

# An audit record lists at most this many refs of the incidents it removed (and the count).
REFS_LISTED = 200


@dataclass
class Removed:
    """What one run removed (or, dry, would remove)."""

    counts: dict[str, int] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    batches: int = 0

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count

    def detail(self) -> dict:
        """For the audit record: the counts, the batches and the first refs."""
        detail = {**self.counts, "batches": self.batches, "refs": self.refs[:REFS_LISTED]}
        if len(self.refs) > REFS_LISTED:
            detail["refs_not_listed"] = len(self.refs) - REFS_LISTED
        return detail


def _old_incidents(resolved_before: datetime):
    return Incident.select().where(
        (Incident.status == "resolved") & (Incident.resolved_at < resolved_before)
    )


def purgeable(resolved_before: datetime) -> list[Incident]:
    """Resolved incidents resolved before the cutoff; open incidents are never included."""
    return list(_old_incidents(resolved_before).order_by(Incident.ref))


def purge_incidents(
    resolved_before: datetime, *, batch: int, removed: Removed, between: Callable[[], None]
) -> None:
    """Delete old resolved incidents with their timelines and follow-ups, `batch` at a time."""
    while True:
        doomed = list(
            _old_incidents(resolved_before)
            .select(Incident.id, Incident.ref)
            .order_by(Incident.resolved_at, Incident.ref)
            .limit(batch)
        )
        if not doomed:
            return
        ids = [incident.id for incident in doomed]
        with write_transaction():
            for model, name in INCIDENT_CHILDREN:
                removed.add(name, model.delete().where(model.incident.in_(ids)).execute())
            removed.add(
                "resolved_incidents",
                Incident.delete()
                .where(Incident.id.in_(ids) & (Incident.status == "resolved"))
                .execute(),
            )
        removed.refs.extend(incident.display_ref for incident in doomed)
        removed.batches += 1
        between()


def _delete_in_batches(
    model: type[peewee.Model],
    condition,
    *,
    name: str,
    batch: int,
    removed: Removed,
    between: Callable[[], None],
) -> None:
    key = model._meta.primary_key
    while True:
        keys = [row[0] for row in model.select(key).where(condition).limit(batch).tuples()]
        if not keys:
            return
        with write_transaction():
            removed.add(name, model.delete().where(key.in_(keys)).execute())
        removed.batches += 1
        between()


def _conditions(policy: Retention, now: datetime, rate_window: timedelta) -> dict:
    """The rows each kind would lose now (None: that kind is kept forever)."""
    keep = {kind: policy.keep(kind) for kind in KINDS}
    conditions = dict.fromkeys(KINDS)
    if keep["audit"] is not None:
        conditions["audit"] = AuditEvent.occurred_at < now - keep["audit"]
    if keep["rate_attempts"] is not None:
        # The rate limit counts attempts inside its window: those always stay.
        conditions["rate_attempts"] = RateAttempt.attempted_at < now - max(
            keep["rate_attempts"], rate_window
        )
    if keep["accepted_signatures"] is not None:
        conditions["accepted_signatures"] = (
            AcceptedSignature.expires_at < now - keep["accepted_signatures"]
        )
    return conditions


MODELS_OF = {
    "audit": AuditEvent,
    "rate_attempts": RateAttempt,
    "accepted_signatures": AcceptedSignature,
}


def apply(
    policy: Retention,
    *,
    now: datetime,
    rate_window: timedelta,
    between: Callable[[], None] = lambda: None,
) -> Removed:
    """Remove everything [retention] says is old enough; `between` runs after each batch
    (the scheduler renews its lease there)."""
    removed = Removed(counts=dict.fromkeys(COUNTED, 0))
    if policy.resolved_incidents is not None:
        purge_incidents(
            now - policy.resolved_incidents, batch=policy.batch, removed=removed, between=between
        )
    for kind, condition in _conditions(policy, now, rate_window).items():
        if condition is not None:
            _delete_in_batches(
                MODELS_OF[kind],
                condition,
                name=kind,
                batch=policy.batch,
                removed=removed,
                between=between,
            )
    return removed


def preview(policy: Retention, *, now: datetime, rate_window: timedelta) -> Removed:
    """What `apply` would remove now, changing nothing."""
    removed = Removed(counts=dict.fromkeys(COUNTED, 0))
    if policy.resolved_incidents is not None:
        cutoff = now - policy.resolved_incidents
        removed.refs = [incident.display_ref for incident in purgeable(cutoff)]
        removed.add("resolved_incidents", len(removed.refs))
        ids = _old_incidents(cutoff).select(Incident.id)
        for model, name in INCIDENT_CHILDREN:
            removed.add(name, model.select().where(model.incident.in_(ids)).count())
    for kind, condition in _conditions(policy, now, rate_window).items():
        if condition is not None:
            removed.add(kind, MODELS_OF[kind].select().where(condition).count())
    return removed


def run(
    policy: Retention,
    *,
    now: datetime,
    rate_window: timedelta,
    actor: str,
    between: Callable[[], None] = lambda: None,
    **context,
) -> Removed:
    """Apply the policy and write one `retention_applied` audit record of what went (the
    scheduler's job and `klaxon purge` both come through here)."""
    removed = apply(policy, now=now, rate_window=rate_window, between=between)
    audit.record(
        "retention_applied",
        actor_id=actor,
        policy={kind: _shown(policy.keep(kind)) for kind in KINDS},
        **context,
        **removed.detail(),
    )
    return removed


def _shown(keep: timedelta | None) -> str:
    return "forever" if keep is None else f"{keep.days}d" if not keep.seconds else str(keep)
