"""Retention: [retention] parsed and refused, applied in batches by the store, run by the
real daemon's scheduler (once for two replicas), and by `klaxon purge` without --older-than."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from settings.config import ConfigError, load
from settings.retention import Retention
from store import audit, declarations, incidents, periodic, retention
from store.db import close, open_database
from store.fields import utcnow
from store.models import AuditEvent, FollowUp, Incident, PeriodicRun, TimelineEvent
from tests.daemon import BASE_CONFIG, ROOT
from tests.test_cli_operations import klaxon

TOKENS = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test"}
RETENTION = BASE_CONFIG + (
    '\n[retention]\nresolved_incidents = "30d"\naudit = "90d"\nbatch = 2\n'
    'rate_attempts = "0"\naccepted_signatures = "0"\n'
)


def config_with(tmp_path, toml: str):
    path = tmp_path / "config.toml"
    path.write_text(toml)
    return load({**TOKENS, "KLAXON_CONFIG": str(path)})


def test_retention_defaults_and_zero_keeps_forever(tmp_path):
    assert config_with(tmp_path, "").retention == Retention()
    assert Retention().resolved_incidents == timedelta(days=365)
    assert Retention().audit == timedelta(days=730)
    config = config_with(tmp_path, '[retention]\naudit = "0"\nresolved_incidents = 0\n')
    assert config.retention.audit is None and config.retention.resolved_incidents is None


@pytest.mark.parametrize(
    "line, key",
    [
        ('audit = "-30d"', "[retention].audit"),
        ('resolved_incidents = "a year"', "[retention].resolved_incidents"),
        ("rate_attempts = 5", "[retention].rate_attempts"),
        ('accepted_signatures = ""', "[retention].accepted_signatures"),
        ('every = "0m"', "[retention].every"),
        ("batch = 0", "[retention].batch"),
        ('forever = "1d"', "[retention].forever"),
    ],
)
def test_bad_retention_settings_name_the_key(tmp_path, line, key):
    with pytest.raises(ConfigError, match="^config error: " + re.escape(key) + ": "):
        config_with(tmp_path, f"[retention]\n{line}\n")


def test_a_bad_retention_duration_stops_the_start_with_one_line(tmp_path):
    (tmp_path / "config.toml").write_text('[retention]\naudit = "-30d"\n')
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environment.update(TOKENS, KLAXON_CONFIG=str(tmp_path / "config.toml"), PYTHONPATH=str(ROOT))
    started = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2
    assert started.stderr.strip().splitlines() == [
        'config error: [retention].audit: expected a duration such as "365d", '
        "or \"0\" to keep forever, got '-30d'"
    ]


def seed_backlog(now, old_resolved=5):
    """Old resolved incidents (with timelines and follow-ups), a recent one, an old open
    one, and audit records old and new."""
    old = now - timedelta(days=100)
    for index in range(old_resolved + 2):
        title = "old open" if index == old_resolved + 1 else f"incident {index}"
        incident, _ = declarations.declare(
            declarations.NewIncident(title=title, severity="SEV3", reporter_id="UALICE"), now=old
        )
        if title != "old open":
            recent = index == old_resolved
            resolved_at = now - timedelta(days=5) if recent else old
            incidents.update_fields(incident, status="resolved", resolved_at=resolved_at)
        FollowUp.create(incident=incident, text="add an alert", created_by="UALICE")
    for age in (timedelta(days=200), timedelta(days=95), timedelta(days=1)):
        record = audit.record("role_granted", actor_id="cli:ops", role="ops_admin", holder="UBOB")
        AuditEvent.update(occurred_at=now - age).where(AuditEvent.id == record.id).execute()


def test_apply_removes_a_backlog_in_batches_and_keeps_what_it_must(db):
    now = utcnow()
    seed_backlog(now)
    policy = Retention(resolved_incidents=timedelta(days=30), audit=timedelta(days=90), batch=2)
    preview = retention.preview(policy, now=now, rate_window=timedelta(minutes=1))
    assert preview.counts["resolved_incidents"] == 5 and preview.counts["audit"] == 2
    assert Incident.select().count() == 7, "a preview changes nothing"

    removed = retention.apply(policy, now=now, rate_window=timedelta(minutes=1))
    assert removed.counts["resolved_incidents"] == 5
    assert removed.counts["follow_ups"] == 5
    assert removed.counts["timeline_events"] == 5  # one "declared" line each
    assert removed.counts["audit"] == 2
    assert removed.refs == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    # 5 incidents two at a time, 2 audit records two at a time.
    assert removed.batches == 4
    assert sorted(i.title for i in Incident.select()) == ["incident 5", "old open"]
    assert TimelineEvent.select().count() == 2 and FollowUp.select().count() == 2
    assert AuditEvent.select().count() == 1
    assert preview.counts == removed.counts


def test_zero_keeps_forever(db):
    now = utcnow()
    seed_backlog(now)
    removed = retention.apply(
        Retention(resolved_incidents=None, audit=None), now=now, rate_window=timedelta(minutes=1)
    )
    assert removed.batches == 0 and Incident.select().count() == 7


def test_of_replicas_claiming_the_retention_run_at_once_one_wins(database_url):
    database = open_database(database_url)
    from store import migrate

    migrate.apply(database)
    now = utcnow()
    start, results = threading.Barrier(6), []

    def replica(number: int) -> None:
        with database.connection_context():
            start.wait()
            won = periodic.claim("retention", now=now, every=timedelta(hours=1), owner=f"r{number}")
            results.append(won)

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    with database.connection_context():
        [row] = PeriodicRun.select()
        assert row.next_run_at == now + timedelta(hours=1)
        assert not periodic.claim("retention", now=now, every=timedelta(hours=1), owner="late")
        periodic.release("retention", row.lease_owner)
        later = now + timedelta(hours=1)
        assert periodic.claim("retention", now=later, every=timedelta(hours=1), owner="late")
    close(database)


@pytest.mark.e2e
def test_the_daemon_applies_retention_on_its_own(db, daemon_factory):
    now = utcnow()
    seed_backlog(now)
    daemon = daemon_factory(RETENTION)
    event = daemon.wait_for_event("retention_applied", timeout=20)
    assert event["resolved_incidents"] == 5 and event["audit"] == 2
    assert sorted(i.title for i in Incident.select()) == ["incident 5", "old open"]
    [record] = audit.events("retention_applied")
    detail = json.loads(record.detail)
    assert record.actor_id == "klaxon:retention"
    assert (detail["resolved_incidents"], detail["timeline_events"], detail["audit"]) == (5, 5, 2)
    assert detail["refs"] == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    assert detail["batches"] == 4
    assert detail["policy"]["rate_attempts"] == "forever"


@pytest.mark.e2e
def test_two_replicas_apply_retention_once(db, daemon_factory, emulator):
    now = utcnow()
    seed_backlog(now)
    debug = {"LOG_LEVEL": "DEBUG"}
    first = daemon_factory(RETENTION, env=debug)
    daemon_factory(RETENTION, env=debug)

    def checks() -> dict:
        # Both replicas write one log file; each check names its replica.
        return {event["replica"]: event["ran"] for event in first.events("retention_checked")}

    emulator.wait_for(lambda: len(checks()) == 2, timeout=30, what="both replicas' checks")
    assert sorted(checks().values()) == [False, True]
    assert len(audit.events("retention_applied")) == 1
    assert Incident.select().count() == 2


def test_purge_without_older_than_applies_retention(db, database_url, tmp_path):
    seed_backlog(utcnow())
    refused = klaxon("purge", database_url=database_url, tmp_path=tmp_path, config=RETENTION)
    assert refused.returncode == 2 and "needs --yes" in refused.stderr
    dry = klaxon(
        "purge", "--dry-run", database_url=database_url, tmp_path=tmp_path, config=RETENTION
    )
    assert dry.returncode == 0, dry.stderr
    assert "would remove      5 resolved_incidents (older than 30d)" in dry.stdout
    assert "would remove      2 audit (older than 90d)" in dry.stdout
    assert "would remove      0 rate_attempts (kept forever)" in dry.stdout
    assert Incident.select().count() == 7 and not audit.events("retention_applied")
    done = klaxon("purge", "--yes", database_url=database_url, tmp_path=tmp_path, config=RETENTION)
    assert done.returncode == 0, done.stderr
    assert "removed      5 resolved_incidents (older than 30d)" in done.stdout
    assert Incident.select().count() == 2
    [record] = audit.events("retention_applied")
    assert record.actor_id.startswith("cli:") and json.loads(record.detail)["batches"] == 4


def test_every_table_hanging_off_an_incident_goes_with_it():
    """A table with a foreign key to the incident must be in INCIDENT_CHILDREN, or removing
    an old incident would fail on it (or leave its rows behind)."""
    import peewee

    from store.models import MODELS

    children = {model for model, _ in retention.INCIDENT_CHILDREN}
    for model in MODELS:
        for column in model._meta.fields.values():
            if isinstance(column, peewee.ForeignKeyField) and column.rel_model is Incident:
                assert model in children, f"{model._meta.table_name}: add it to INCIDENT_CHILDREN"
