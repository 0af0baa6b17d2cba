"""The post-incident report, rendered from real store records, against an expected file."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident import report
from store import declarations, followups, incidents, person_names

EXPECTED = Path(__file__).parent / "data" / "report_midnight.md"
DECLARED = datetime(2026, 11, 21, 23, 40, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return DECLARED + timedelta(minutes=minutes)


def build_incident():
    incident, _ = declarations.declare(
        declarations.NewIncident(
            title="Checkout is down",
            severity="SEV2",
            reporter_id="UALICE",
            lead_id="UBOB",
            impact="EU customers could not pay.",
            description="500s from the payments API.",
        ),
        now=DECLARED,
    )
    incidents.update_fields(incident, impact_started_at=at(-12))
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
        {"status": "monitoring", "mitigated_at": at(40), "lead_id": "UDAVE"},
        [("status", "Status: acknowledged → monitoring"), ("lead", "Lead: UBOB → UDAVE")],
        actor_id="UBOB",
        now=at(40),
    )
    incidents.apply_changes(
        incident,
        {
            "status": "resolved",
            "resolved_at": at(72),
            "resolution": "Rollback and cache flush",
            "root_cause": "A config push by <@UDAVE> dropped the payments pool to 1.",
        },
        [("resolved", "Status: monitoring → resolved")],
        actor_id="UBOB",
        now=at(72),
    )
    return incidents.get(incident.id)


NAMES = {"UALICE": "Alice Ng", "UBOB": "bob", "UCAROL": "Carol D", "UDAVE": "dave.k"}


def test_report_across_midnight_matches_the_expected_file(db):
    incident = build_incident()
    text = report.markdown(
        incident, incidents.timeline(incident), followups.of(incident), now=at(600), names=NAMES
    )
    assert text == EXPECTED.read_text()


def test_the_report_names_people_never_ids_even_when_slack_does_not_know_them(db):
    incident = build_incident()
    person_names.remember({"UALICE": "Alice Ng", "UBOB": "bob"}, now=at(0))
    text = report.for_incident(incident)
    assert (
        "- **Reporter:** @Alice Ng" in text and "- **Lead:** someone Klaxon has no name for" in text
    )
    for user_id in NAMES:
        assert user_id not in text, user_id
    assert "(owner someone Klaxon has no name for)" in text


def test_the_four_times_are_measured_from_impact_start(db):
    text = report.markdown(build_incident(), [], [], now=at(600), names=NAMES)
    assert "- **Impact started:** 2026-11-21T23:28:00Z" in text
    assert "detect 12m · acknowledge 19m · mitigate 52m · resolve 1h 24m" in text


def test_without_impact_start_the_times_count_from_the_declaration(db):
    incident, _ = declarations.declare(
        declarations.NewIncident(title="Slow", severity="SEV4", reporter_id="UALICE"), now=DECLARED
    )
    text = report.markdown(incident, [], [], now=at(90))
    assert "- **Times (from declaration; impact start not recorded):** detect 0s" in text
    assert "acknowledge — · mitigate — · resolve — (still open: 1h 30m so far)" in text


def test_report_of_an_open_incident_says_so(db):
    incident, _ = declarations.declare(
        declarations.NewIncident(title="Slow", severity="SEV4", reporter_id="UALICE"), now=DECLARED
    )
    text = report.markdown(incident, incidents.timeline(incident), [], now=at(90))
    assert "- **Duration:** 1h 30m (still open)" in text
    assert "- **Resolved:** —" in text
    assert "No follow-ups yet" in text
