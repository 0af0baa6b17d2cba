"""The post-incident report, rendered from real store records, against an expected file."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident import report
from store import followups, incidents

EXPECTED = Path(__file__).parent / "data" / "report_midnight.md"
DECLARED = datetime(2026, 11, 21, 23, 40, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return DECLARED + timedelta(minutes=minutes)


def build_incident():
    incident, _ = incidents.declare(
        incidents.NewIncident(
            title="Checkout is down",
            severity="SEV2",
            reporter_id="UALICE",
            lead_id="UBOB",
            impact="EU customers could not pay.",
            description="500s from the payments API.",
        ),
        now=DECLARED,
    )
    incidents.acknowledge(incident, user_id="UBOB", email="bob@example.com", now=at(7))
    incidents.apply_changes(
        incident,
        {"latest_update": "Rolled back 1.42"},
        [("note", "Rolled back 1.42")],
        actor_id="UBOB",
        now=at(15),
    )
    incidents.add_event(
        incident,
        "pin",
        "Error rate graph",
        actor_id="UCAROL",
        now=at(30),
        message_ts="1795400000.000100",
        permalink="https://example.slack.com/archives/C1/p1795400000000100",
    )
    incidents.apply_changes(
        incident,
        {"severity": "SEV1"},
        [("severity", "Severity: SEV2 → SEV1")],
        actor_id="UBOB",
        now=at(35),
    )
    first = followups.add(
        incident, "Alert on payment 5xx", owner_id="UCAROL", created_by="UBOB", now=at(60)
    )
    followups.add(
        incident, "Canary deploys for payments", owner_id=None, created_by="UBOB", now=at(61)
    )
    followups.mark_done(first, by="UCAROL", now=at(70))
    incidents.apply_changes(
        incident,
        {"status": "resolved", "resolved_at": at(72), "resolution": "Rollback and cache flush"},
        [("resolved", "Status: acknowledged → resolved")],
        actor_id="UBOB",
        now=at(72),
    )
    return incidents.get(incident.id)


def test_report_across_midnight_matches_the_expected_file(db):
    incident = build_incident()
    text = report.markdown(
        incident, incidents.timeline(incident), followups.of(incident), now=at(600)
    )
    assert text == EXPECTED.read_text()


def test_report_of_an_open_incident_says_so(db):
    incident, _ = incidents.declare(
        incidents.NewIncident(title="Slow", severity="SEV4", reporter_id="UALICE"), now=DECLARED
    )
    text = report.markdown(incident, incidents.timeline(incident), [], now=at(90))
    assert "- **Duration:** 1h 30m (still open)" in text
    assert "- **Resolved:** —" in text
    assert "No follow-ups yet" in text
