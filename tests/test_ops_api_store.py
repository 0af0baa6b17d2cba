"""What the ops API keeps in the database: used signatures (shared by replicas) and role
holders in one canonical form."""

from __future__ import annotations

import threading
from datetime import timedelta

from store import migrate, roles, signatures
from store.db import close, open_database
from store.fields import utcnow
from store.models import AcceptedSignature, RoleGrant

SIGNATURE = "ab" * 32


def test_a_signature_is_accepted_once_and_forgotten_after_it_expires(db):
    now = utcnow()
    assert signatures.accept(SIGNATURE, now + timedelta(minutes=5))
    assert not signatures.accept(SIGNATURE, now + timedelta(minutes=5)), "a replay"
    assert signatures.accept("cd" * 32, now - timedelta(seconds=1))
    assert signatures.prune(now) == 1
    assert [row.signature for row in AcceptedSignature.select()] == [SIGNATURE]


def test_retention_removes_signatures_expired_longer_ago_than_it_keeps_them(db):
    from settings.retention import Retention
    from store import retention

    now = utcnow()
    signatures.accept(SIGNATURE, now - timedelta(hours=2))
    signatures.accept("cd" * 32, now - timedelta(seconds=1))
    signatures.accept("ef" * 32, now + timedelta(minutes=5))
    policy = Retention(accepted_signatures=timedelta(hours=1))
    removed = retention.apply(policy, now=now, rate_window=timedelta(minutes=1))
    assert removed.counts["accepted_signatures"] == 1
    assert sorted(row.signature for row in AcceptedSignature.select()) == ["cd" * 32, "ef" * 32]


def test_two_replicas_racing_on_one_signature_one_wins(database_url):
    database = open_database(database_url)
    migrate.apply(database)
    start, results = threading.Barrier(8), []

    def replica() -> None:
        with database.connection_context():
            start.wait()
            results.append(signatures.accept(SIGNATURE, utcnow() + timedelta(minutes=5)))

    threads = [threading.Thread(target=replica) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close(database)
    assert sorted(results) == [False] * 7 + [True]


def test_role_holders_are_one_canonical_form(db):
    assert roles.canonical_holder(" Ops@Example.COM ") == "ops@example.com"
    assert roles.canonical_holder("U0ABC") == "U0ABC", "user ids keep their case"
    assert roles.canonical_holder("@Oncall") == "@Oncall", "so do usergroup handles"
    assert roles.grant("ops_admin", "Ops@Example.com")
    assert not roles.grant("ops_admin", "ops@example.COM"), "the same holder"
    assert roles.roles_of("OPS@example.com") == {"ops_admin"}
    assert [g.holder for g in roles.grants()] == ["ops@example.com"]
    assert roles.revoke("ops_admin", "oPs@example.com")
    assert roles.roles_of("ops@example.com") == set()


def test_the_migration_folds_grants_stored_in_mixed_case(database_url):
    database = open_database(database_url)
    runner = migrate._runner(database)
    with database.connection_context():
        runner.up("0006_accepted_signatures")
        earlier = utcnow() - timedelta(days=2)
        for role, holder, when in (
            ("ops_admin", "Ops@Example.com", earlier),
            ("ops_admin", "OPS@EXAMPLE.COM", earlier + timedelta(hours=1)),
            ("viewer", "Ops@Example.com", earlier),
            ("viewer", "ops@example.com", earlier + timedelta(hours=1)),
            ("ops_admin", "U0ABC", earlier),
        ):
            RoleGrant.insert(role=role, holder=holder, granted_at=when).execute()
        assert "0007_canonical_role_holders" in migrate.apply(database)
        rows = sorted((g.role, g.holder, g.granted_at) for g in RoleGrant.select())
    close(database)
    assert [(role, holder) for role, holder, _ in rows] == [
        ("ops_admin", "U0ABC"),
        ("ops_admin", "ops@example.com"),
        ("viewer", "ops@example.com"),
    ]
    assert rows[1][2] == earlier, "the earliest of two spellings is kept"
    assert rows[2][2] == earlier + timedelta(hours=1), "the one already canonical is kept"
