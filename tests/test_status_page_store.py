"""The status page's tables on SQLite and PostgreSQL: publishing, what the page reads, the
version that invalidates its cache, the mirror's progress, and purging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store import declarations, incidents, retention
from store import status_page as published
from store.models import Incident, PublicIncident, PublicUpdate, TimelineEvent

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def declared() -> Incident:
    incident, _ = declarations.declare(
        declarations.NewIncident(title="Internal", severity="SEV2", reporter_id="UALICE")
    )
    return incident


def publish(incident, status, body, now, sync_at=None, **components):
    return published.publish(
        incident,
        published.Publication("Public title", status, components, body),
        actor_id="UBOB",
        event_text=f"Published: {status}",
        sync_at=sync_at,
        now=now,
    )


def test_publishing_keeps_one_public_incident_with_its_updates(db):
    incident = declared()
    before = published.version()
    first, _ = publish(incident, "investigating", "one", T0, API="partial_outage")
    assert published.version() != before
    second, _ = publish(incident, "resolved", "two", T0 + timedelta(hours=1))
    assert first.public_id == second.public_id and len(first.public_id) == 12
    assert second.resolved_at == T0 + timedelta(hours=1)
    assert [u.body for u in published.updates_of(second)] == ["one", "two"]
    assert published.components_of(published.updates_of(second)[0]) == {"API": "partial_outage"}
    kinds = [e.kind for e in TimelineEvent.select().where(TimelineEvent.incident == incident)]
    assert kinds.count("status_page") == 2

    [shown] = published.page_incidents(since=T0 - timedelta(days=1))
    assert [u.body for u in shown.updates] == ["two", "one"], "newest first"
    assert published.page_incidents(since=T0 + timedelta(days=1)) == [], "resolved before"


def test_reopening_clears_resolved_at(db):
    incident = declared()
    publish(incident, "resolved", "done", T0)
    public, _ = publish(incident, "monitoring", "back", T0 + timedelta(minutes=5))
    assert public.resolved_at is None


def test_a_mirrored_publish_sets_the_due_time(db):
    incident = declared()
    publish(incident, "investigating", "one", T0, sync_at=T0)
    fresh = Incident.get_by_id(incident.id)
    assert fresh.next_status_page_sync_at == T0 and fresh.next_due_at <= T0
    public = published.public_of(incident)
    assert published.record_mirror(public, mirror_id="m1", pushed=0, failed=True) == 1
    public = published.public_of(incident)
    assert published.record_mirror(public, mirror_id="m1", pushed=1, failed=False) == 0
    assert (published.public_of(incident).mirror_id, public.mirrored_updates) == ("m1", 0)


def test_purging_an_incident_removes_its_public_face(db):
    incident = declared()
    publish(incident, "resolved", "done", T0)
    incidents.update_fields(incident, status="resolved", resolved_at=T0)
    removed = retention.Removed()
    retention.purge_incidents(
        T0 + timedelta(days=1), batch=10, removed=removed, between=lambda: None
    )
    assert removed.counts["public_incidents"] == 1
    assert PublicIncident.select().count() == 0 and PublicUpdate.select().count() == 0
