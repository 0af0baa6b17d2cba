"""Alertmanager ingestion in the store: a webhook's database work grows with its distinct
keys, not with its alerts, so the largest webhook the API takes (1000 alerts) is answered
well within the sender's timeout however busy the machine is."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from incident import alerts
from settings.config import Config
from store import declarations, incidents
from store.models import Incident, TimelineEvent

KEY = "GET /api/tasks::HighErrorRate"
LABELS = {"alertname": "HighErrorRate", "route": "GET /api/tasks"}


class _Statements(logging.Handler):
    """Counts the SQL statements peewee runs (it logs each one at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, _record) -> None:
        self.count += 1


def _statements_to_ingest(services, batch: list[alerts.Alert]) -> tuple[int, list]:
    logger = logging.getLogger("peewee")
    handler, level = _Statements(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        results = alerts.ingest(services, batch)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return handler.count, results


def _open_incident() -> Incident:
    incident, _created = declarations.declare(
        declarations.NewIncident(
            title="HighErrorRate", severity="SEV1", reporter_id="alertmanager", incident_key=KEY
        )
    )
    return incident


def _services() -> tuple[SimpleNamespace, list]:
    """Services whose incident surface (Slack, in the daemon) records what it was told."""
    refreshed: list = []
    surface = SimpleNamespace(refreshed=refreshed.append)
    config = Config(bot_token="xoxb-x", app_token="xapp-x")
    return SimpleNamespace(config=config, surface=surface), refreshed


def test_repeats_of_one_alert_cost_the_same_statements_however_many(db):
    incident = _open_incident()
    services, refreshed = _services()
    few, _ = _statements_to_ingest(services, [alerts.Alert("firing", LABELS, {})] * 10)
    many, results = _statements_to_ingest(services, [alerts.Alert("firing", LABELS, {})] * 1000)
    # Before, every alert cost four statements (4000 here); now the timeline lines go in
    # batches of a hundred rows and the rest is once per key.
    assert many <= few + 1000 // 100, f"{many} statements for 1000 alerts, {few} for 10"
    assert {(r["action"], r["incident"]) for r in results} == {("counted", incident.display_ref)}
    assert len(results) == 1000
    assert Incident.get_by_id(incident.id).alert_count == 1010
    fired = TimelineEvent.select().where(
        (TimelineEvent.incident == incident) & TimelineEvent.text.contains("fired again")
    )
    assert fired.count() == 1010, "a timeline line for every firing"
    assert [i.id for i in refreshed] == [incident.id, incident.id], "one edit per webhook"


def test_counts_are_written_before_the_resolution_that_follows_them(db):
    incident = _open_incident()
    services, _refreshed = _services()
    results = alerts.ingest(
        services,
        [
            alerts.Alert("firing", LABELS, {}),
            alerts.Alert("resolved", LABELS, {}),
            alerts.Alert("firing", LABELS, {}),
        ],
    )
    assert [r["action"] for r in results] == ["counted", "noted", "counted"]
    texts = [event.text for event in incidents.timeline(incident) if event.kind == "alert"]
    assert texts == [
        "Alert HighErrorRate fired again",
        "Alert HighErrorRate resolved",
        "Alert HighErrorRate fired again",
    ]
