from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from store import audit, declarations, incidents, migrate
from store.db import is_postgresql, open_database, write_transaction
from store.models import Incident, TimelineEvent


def new(title="Checkout is down", key=None, **kw):
    return declarations.NewIncident(
        title=title, severity="SEV2", reporter_id="U1", declaration_key=key, **kw
    )


def test_migrations_apply_once(database_url):
    database = open_database(database_url)
    names = sorted(p.stem for p in migrate.MIGRATIONS.glob("[0-9]*.py"))
    assert names[:3] == ["0001_initial", "0002_roles_and_rate_limit", "0003_lifecycle"]
    assert migrate.pending(database) == names
    assert migrate.apply(database) == names
    assert migrate.apply(database) == []
    assert migrate.pending(database) == []


def test_refs_are_a_per_database_sequence(db):
    first, _ = declarations.declare(new())
    second, _ = declarations.declare(new("Payments slow"))
    assert (first.ref, second.ref) == (1, 2)
    assert incidents.by_ref(2).title == "Payments slow"


def test_declare_writes_the_timeline_in_the_same_transaction(db):
    incident, created = declarations.declare(new())
    assert created
    [event] = incidents.timeline(incident)
    assert (event.kind, event.actor_id) == ("declared", "U1")
    assert "Checkout is down" in event.text


def test_a_redelivered_declaration_returns_the_first_incident(db):
    def audited(incident):
        return audit.entry("incident_declared", actor_id="U1", incident=incident)

    first, created = declarations.declare(new(key="view:V1"), audited=audited)
    again, created_again = declarations.declare(new(key="view:V1"), audited=audited)
    assert created and not created_again
    assert again.id == first.id
    assert Incident.select().count() == 1
    assert TimelineEvent.select().count() == 1
    [line] = audit.events("incident_declared")  # written with the incident, once
    assert (line.incident_id, line.incident_ref) == (first.id, first.ref)


@pytest.mark.parametrize("alone", [False, True])
def test_a_redelivered_declaration_consumes_no_ref(db, alone):
    declarations.declare(new(key="view:V1"), alone=alone)
    declarations.declare(new(key="view:V1"), alone=alone)
    following, _ = declarations.declare(new("Payments slow", key="view:V2"), alone=alone)
    assert following.ref == 2  # not 3: the redelivery took no ref, or gave it back


def committed_elsewhere(db) -> list[str]:
    """The incidents another connection sees: what is committed."""
    if is_postgresql(db):
        other = psycopg2.connect(dbname=db.database, **db.connect_params)
    else:
        other = sqlite3.connect(db.database)
    try:
        cursor = other.cursor()
        cursor.execute("SELECT title FROM incident ORDER BY title")
        return [title for (title,) in cursor.fetchall()]
    finally:
        other.close()


def test_a_declaration_alone_commits_with_its_statement_on_postgresql(db):
    with write_transaction():
        declarations.declare(new("Alone", key="view:V1"), alone=True)
        seen = committed_elsewhere(db)
    assert seen == (["Alone"] if is_postgresql(db) else [])  # SQLite: at the COMMIT
    checklist = (("Page the payments team", None),)
    with write_transaction():
        declarations.declare(new("Listed", key="view:V2", checklist=checklist), alone=True)
        seen = committed_elsewhere(db)
    assert seen == ["Alone"], "its checklist commits with it, so it waits for the COMMIT"


def in_threads(work, count: int) -> list[Exception]:
    """Run `work` in `count` threads at once; what they raised."""
    errors = []

    def run():
        try:
            work()
        except Exception as error:  # returned to the test
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("alone", [False, True])
def test_deliveries_of_one_declaration_racing_declare_it_once(database_url, alone):
    database = open_database(database_url)
    migrate.apply(database)
    start, outcomes = threading.Barrier(4), []

    def deliver():
        with database.connection_context():
            start.wait()
            outcomes.append(declarations.declare(new(key="view:V1"), alone=alone))

    assert in_threads(deliver, 4) == []
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    with database.connection_context():
        assert {incident.id for incident, _ in outcomes} == {Incident.get().id}
        assert declarations.declare(new("Payments slow"))[0].ref == 2


def test_times_round_trip_as_aware_utc(db):
    moment = datetime(2026, 11, 22, 23, 59, 59, 123456, tzinfo=UTC)
    incident, _ = declarations.declare(new(), now=moment)
    fresh = incidents.get(incident.id)
    assert fresh.declared_at == moment
    assert fresh.declared_at.tzinfo is not None
    assert incidents.declared_since(moment - timedelta(seconds=1))[0].id == incident.id
    assert incidents.declared_since(moment + timedelta(seconds=1)) == []


def test_times_are_not_stored_as_text(db):
    declarations.declare(new())
    [(value,)] = db.execute_sql("SELECT declared_at FROM incident").fetchall()
    assert not isinstance(value, str)


def test_naive_datetimes_are_refused(db):
    with pytest.raises(ValueError, match="naive"):
        declarations.declare(new(), now=datetime(2026, 1, 1))


def test_lookup_by_channel_and_update_fields(db):
    incident, _ = declarations.declare(new())
    incidents.update_fields(incident, channel_id="C123", channel_name="inc-20261122-checkout")
    assert incidents.by_channel("C123").id == incident.id
    other, _ = declarations.declare(new("other"))
    assert not incidents.reserve_channel_name(other, "inc-20261122-checkout")  # taken
    assert incidents.reserve_channel_name(incident, "inc-20261122-checkout")  # its own
    assert incidents.reserve_channel_name(other, "inc-20261122-other")
    assert other.channel_name == "inc-20261122-other"
    assert [i.channel_name for i in (incidents.get(incident.id), incidents.get(other.id))] == [
        "inc-20261122-checkout",
        "inc-20261122-other",
    ]


def test_declare_reserves_the_channel_name_it_is_given_unless_taken(db):
    def named(incident: Incident) -> str | None:  # made of the ref: asked again once known
        return None if incident.ref is None else f"inc-20261122-{incident.title}-{incident.ref}"

    first, _ = declarations.declare(new("checkout"), channel_name=named)
    assert first.channel_name == "inc-20261122-checkout-1"
    incidents.update_fields(first, channel_name="inc-20261122-payments-2")
    second, _ = declarations.declare(new("payments"), channel_name=named)
    assert second.channel_name is None  # taken: the surface tries its next names
    third, _ = declarations.declare(new("search"), channel_name=named)
    assert [incidents.get(i.id).channel_name for i in (first, second, third)] == [
        "inc-20261122-payments-2",
        None,
        "inc-20261122-search-3",
    ]


def test_a_name_without_the_ref_is_reserved_and_the_ref_taken_with_the_row(db):
    asked = []

    def named(incident: Incident) -> str:
        asked.append(incident.ref)
        return f"inc-20261122-{incident.title}"

    def audited(incident: Incident) -> dict:
        return audit.entry("incident_declared", actor_id="U1", incident=incident)

    declarations.declare(new("checkout", key="view:V1"), channel_name=named, audited=audited)
    again, created = declarations.declare(new("checkout", key="view:V1"), channel_name=named)
    second, _ = declarations.declare(new("payments"), channel_name=named, audited=audited)
    assert not created and again.ref == 1
    assert (second.ref, second.channel_name) == (2, "inc-20261122-payments")
    lines = audit.events("incident_declared")
    assert [(line.incident_id, line.incident_ref) for line in lines] == [
        (again.id, 1),
        (second.id, 2),
    ]
    assert asked == [None, None, None]  # a name that needs no ref is asked for once


def test_get_tolerates_malformed_ids(db):
    assert incidents.get("not-a-uuid") is None


def test_audit_records_outlive_nothing_and_keep_detail(db):
    incident, _ = declarations.declare(new())
    audit.record("incident_declared", actor_id="U1", incident=incident, request_id="r1", sev="SEV2")
    [event] = audit.events("incident_declared")
    assert event.incident_ref == incident.ref
    assert '"sev": "SEV2"' in event.detail


@pytest.mark.parametrize("alone", [False, True])
def test_concurrent_declarations_get_distinct_refs(database_url, alone):
    database = open_database(database_url)
    migrate.apply(database)
    refs = []

    def declare_some():
        with database.connection_context():
            for index in range(10):
                refs.append(declarations.declare(new(f"t{index}"), alone=alone)[0].ref)

    assert in_threads(declare_some, 4) == []
    assert sorted(refs) == list(range(1, 41))


def test_rate_limit_is_a_sliding_window_with_the_real_wait(db):
    from store import ratelimit

    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    window = timedelta(minutes=1)
    for second in range(10):
        now = start + timedelta(seconds=second)
        assert ratelimit.attempt("ack", "U1", limit=10, window=window, now=now) == 0
    eleventh = start + timedelta(seconds=15)
    assert ratelimit.attempt("ack", "U1", limit=10, window=window, now=eleventh) == 45
    assert ratelimit.attempt("ack", "U2", limit=10, window=window, now=eleventh) == 0
    assert ratelimit.attempt("other", "U1", limit=10, window=window, now=eleventh) == 0
    # Refused attempts are not counted: once the first expires, one more is allowed.
    later = start + timedelta(seconds=60, microseconds=1)
    assert ratelimit.attempt("ack", "U1", limit=10, window=window, now=later) == 0
    assert ratelimit.attempt("ack", "U1", limit=10, window=window, now=later) == 1
    assert ratelimit.prune(start + timedelta(seconds=5)) == 5


def test_role_grants(db):
    from store import roles

    assert roles.grant("ops_admin", "U1", granted_by="cli:me")
    assert not roles.grant("ops_admin", "U1")
    roles.grant("viewer", "a@example.com")
    assert roles.roles_of("U1", "a@example.com") == {"ops_admin", "viewer"}
    assert roles.roles_of("U2") == set()
    assert [g.holder for g in roles.grants("ops_admin")] == ["U1"]
    assert roles.revoke("ops_admin", "U1")
    assert not roles.revoke("ops_admin", "U1")
    assert roles.roles_of("U1") == set()


def test_acknowledge_is_a_conditional_update(db):
    incident, _ = declarations.declare(new())
    assert incidents.acknowledge(incident, user_id="U7", email="u7@example.com")
    assert not incidents.acknowledge(incident, user_id="U8", email=None)
    fresh = incidents.get(incident.id)
    assert (fresh.status, fresh.acknowledged_by_id) == ("acknowledged", "U7")
    assert [e.kind for e in incidents.timeline(fresh)] == ["declared", "acknowledged"]


def test_acknowledge_keeps_a_later_status_and_refuses_resolved(db):
    monitoring, _ = declarations.declare(new("a"))
    incidents.update_fields(monitoring, status="monitoring")
    assert incidents.acknowledge(monitoring, user_id="U7", email=None)
    assert incidents.get(monitoring.id).status == "monitoring"
    resolved, _ = declarations.declare(new("b"))
    incidents.update_fields(resolved, status="resolved")
    assert not incidents.acknowledge(resolved, user_id="U7", email=None)


def test_awaiting_acknowledgement_most_severe_then_newest(db):
    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    for minute, severity in enumerate(("SEV3", "SEV1", "SEV3", "SEV2")):
        declarations.declare(
            declarations.NewIncident(title=f"t{minute}", severity=severity, reporter_id="U1"),
            now=start + timedelta(minutes=minute),
        )
    incidents.acknowledge(incidents.by_ref(4), user_id="U1", email=None)
    assert [i.ref for i in incidents.awaiting_acknowledgement()] == [2, 3, 1]


def test_claims_and_leases(db):
    from store import due

    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    soon, _ = declarations.declare(
        new("soon"), now=start, schedule={"next_update_nudge_at": start + timedelta(minutes=5)}
    )
    declarations.declare(
        new("later"), now=start, schedule={"next_escalation_at": start + timedelta(minutes=9)}
    )
    declarations.declare(new("nothing due"), now=start)
    assert due.claim(start, owner="a", lease=timedelta(minutes=1)) == []

    now = start + timedelta(minutes=10)
    claimed = due.claim(now, owner="a", lease=timedelta(minutes=1))
    assert [i.title for i in claimed] == ["soon", "later"], "earliest first"
    assert due.claim(now, owner="b", lease=timedelta(minutes=1)) == [], "leased to a"
    assert not due.release(soon, owner="b", next_update_nudge_at=None), "b holds no lease"
    assert due.release(soon, owner="a", next_update_nudge_at=now + timedelta(minutes=30))
    assert incidents.get(soon.id).next_due_at == now + timedelta(minutes=30)
    # a dies holding `later`: its lease expires and b gets the work.
    expired = now + timedelta(minutes=2)
    assert [i.title for i in due.claim(expired, owner="b", lease=timedelta(minutes=1))] == ["later"]


def test_a_declaration_is_born_leased_to_its_builder(db):
    from store import due

    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    hold = due.Hold(None, "host:1", start + timedelta(minutes=1), timedelta(minutes=1))
    incident, _ = declarations.declare(
        new(), now=start, schedule={"next_reconcile_at": start}, held_by=hold
    )
    assert incident.next_due_at == start
    assert due.claim(start, owner="host:2", lease=timedelta(minutes=1)) == [], "held by host:1"
    hold.incident_id = incident.id
    assert hold.keep(start + timedelta(seconds=10)), "early on: nothing to renew"
    assert incidents.get(incident.id).lease_until == start + timedelta(minutes=1)
    assert hold.keep(start + timedelta(seconds=40)), "past half: renewed"
    assert incidents.get(incident.id).lease_until == start + timedelta(seconds=100)
    # The lease expires (the builder stalled) and the scheduler takes over: the builder
    # learns it at its next step and stops.
    later = start + timedelta(seconds=101)
    assert [i.id for i in due.claim(later, owner="host:2", lease=timedelta(minutes=1))] == [
        incident.id
    ]
    assert not hold.keep(later + timedelta(seconds=60))


def test_leases_of_dead_processes_on_this_host_are_freed_at_start(db):
    from store import due

    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    owners = ["here:100", "here:200", "here:300", "there:100"]
    for owner in owners:
        declarations.declare(new(owner), now=start, schedule={"next_reconcile_at": start})
        due.claim(start, owner=owner, lease=timedelta(minutes=5), limit=1)
    alive = {200}
    freed = due.free_leases_of_dead_replicas("here:300", host="here", is_running=alive.__contains__)
    assert freed == 2, "here:100 is dead; here:300 is this very name (a restarted container)"
    held = {i.title: i.lease_owner for i in Incident.select()}
    assert held == {
        "here:100": None,
        "here:200": "here:200",
        "here:300": None,
        "there:100": "there:100",
    }


def test_release_cannot_revive_escalation_after_an_ack(db):
    from store import due

    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    incident, _ = declarations.declare(new(), now=start, schedule={"next_escalation_at": start})
    [claimed] = due.claim(start, owner="a", lease=timedelta(minutes=1))
    incidents.acknowledge(incidents.get(incident.id), user_id="U1", email=None)
    due.release(
        claimed, owner="a", escalation_level=1, next_escalation_at=start + timedelta(minutes=5)
    )
    fresh = incidents.get(incident.id)
    assert fresh.next_escalation_at is None
    assert fresh.lease_owner is None


def test_release_keeps_a_due_time_a_person_changed_meanwhile(db):
    from store import due

    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    incident, _ = declarations.declare(new(), now=start, schedule={"next_update_nudge_at": start})
    [claimed] = due.claim(start, owner="a", lease=timedelta(minutes=1))
    snoozed_until = start + timedelta(minutes=30)
    incidents.update_fields(incidents.get(incident.id), next_update_nudge_at=snoozed_until)
    assert due.release(claimed, owner="a", next_update_nudge_at=start + timedelta(seconds=2))
    fresh = incidents.get(incident.id)
    assert fresh.next_update_nudge_at == snoozed_until
    assert fresh.next_due_at == snoozed_until


def test_retention_keeps_rate_attempts_inside_the_window_whatever_it_is_told(db):
    from settings.retention import Retention
    from store import ratelimit, retention
    from store.fields import utcnow
    from store.models import RateAttempt

    now = utcnow()
    window = timedelta(minutes=10)
    for age in (timedelta(minutes=30), timedelta(minutes=5), timedelta(0)):
        ratelimit.attempt("ack", "U1", limit=10, window=window, now=now - age)
    policy = Retention(rate_attempts=timedelta(minutes=1))
    removed = retention.apply(policy, now=now, rate_window=window)
    assert removed.counts["rate_attempts"] == 1
    assert RateAttempt.select().count() == 2, "attempts inside the window still count"
