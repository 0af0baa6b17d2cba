"""`klaxon stats` (PRODUCT.md §16), run as the command it is, on both databases: counts,
MTTA and MTTR (median, p90) per group, CSV, the chart, private incidents counted but never
named, and an empty database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from incident.stats import Spread
from store import declarations, incidents
from store.fields import utcnow
from tests.daemon import ROOT

DECLARED = utcnow().replace(microsecond=0) - timedelta(days=10)


def klaxon(database_url, tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "stats", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def incident(title, severity, *, ack=None, resolve=None, private=False, kind=None, days=0):
    declared = DECLARED - timedelta(days=days)
    made, _ = declarations.declare(
        declarations.NewIncident(
            title=title,
            severity=severity,
            reporter_id="UALICE",
            private=private,
            incident_type=kind,
        ),
        now=declared,
    )
    if ack is not None:
        at = declared + timedelta(minutes=ack)
        incidents.acknowledge(made, user_id="UBOB", email="bob@example.com", now=at)
    if resolve is not None:
        at = declared + timedelta(minutes=resolve)
        incidents.apply_changes(
            made, {"status": "resolved", "resolved_at": at}, [], actor_id="UBOB", now=at
        )
    return made


@pytest.fixture
def seeded(db):
    incident("Checkout is down", "SEV1", ack=2, resolve=30)
    incident("Payments fail", "SEV1", ack=4, resolve=60)
    incident("Secret breach at Acme", "SEV1", ack=10, resolve=90, private=True, kind="security")
    incident("Search is slow", "SEV3")
    incident("Long ago", "SEV2", ack=1, resolve=5, days=200)


def test_the_spread_is_the_median_and_the_nearest_rank_p90():
    minutes = [timedelta(minutes=m) for m in (5, 1, 3, 2, 4, 10, 6, 7, 8, 9)]
    assert Spread.of(minutes) == Spread(timedelta(minutes=5.5), timedelta(minutes=9))
    assert Spread.of([]) == Spread(None, None)


def test_counts_mtta_and_mttr_per_severity(seeded, database_url, tmp_path):
    printed = klaxon(database_url, tmp_path)
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[0].split() == [
        "severity",
        "incidents",
        "acknowledged",
        "resolved",
        "mtta_median",
        "mtta_p90",
        "mttr_median",
        "mttr_p90",
    ]
    assert lines[1].split() == ["SEV1", "3", "3", "3", "4m", "10m", "1h", "1h", "30m"]
    assert lines[2].split() == ["SEV3", "1", "0", "0", "—", "—", "—", "—"]
    assert lines[3] == "4 incident(s) declared in the last 90d; times from impact start"
    assert "Secret breach" not in printed.stdout and "INC-" not in printed.stdout

    longer = klaxon(database_url, tmp_path, "--since", "365d", "--by", "type", "--csv")
    assert longer.returncode == 0, longer.stderr
    assert longer.stdout.splitlines() == [
        "type,incidents,acknowledged,resolved,mtta_median_seconds,mtta_p90_seconds,"
        "mttr_median_seconds,mttr_p90_seconds",
        "general,4,3,3,120,240,1800,3600",
        "security,1,1,1,600,600,5400,5400",
    ]
    monthly = klaxon(database_url, tmp_path, "--by", "month", "--csv")
    assert monthly.stdout.splitlines()[1].startswith(f"{DECLARED:%Y-%m},4,3,3,")


def test_the_chart_is_an_svg_that_names_groups_not_incidents(seeded, database_url, tmp_path):
    chart = tmp_path / "numbers.svg"
    printed = klaxon(database_url, tmp_path, "--chart", str(chart))
    assert printed.returncode == 0, printed.stderr
    drawn = chart.read_text()
    assert drawn.startswith("<?xml") and "<svg" in drawn
    for words in ("Incidents by severity, last 90d", "SEV1", "SEV3", "MTTA median", "MTTR p90"):
        assert words in drawn, words
    assert "Secret breach" not in drawn

    refused = klaxon(database_url, tmp_path, "--chart", str(tmp_path / "numbers.png"))
    assert refused.returncode == 2
    assert "stats: --chart: expected a file name ending in .svg" in refused.stderr


def test_an_empty_database_prints_an_empty_table(db, database_url, tmp_path):
    printed = klaxon(database_url, tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines()[1:] == [
        "0 incident(s) declared in the last 90d; times from impact start"
    ]
    as_csv = klaxon(database_url, tmp_path, "--csv")
    assert as_csv.returncode == 0 and len(as_csv.stdout.splitlines()) == 1
    chart = tmp_path / "empty.svg"
    assert klaxon(database_url, tmp_path, "--chart", str(chart)).returncode == 0
    assert "No incidents" in chart.read_text()


def test_a_bad_since_is_refused_plainly(db, database_url, tmp_path):
    refused = klaxon(database_url, tmp_path, "--since", "lately")
    assert refused.returncode == 2
    assert refused.stderr.startswith("stats: --since: ")
    assert "Traceback" not in refused.stderr
