"""What the page computes from what was published: statuses, indicator, uptime cells, the
Statuspage v2 shapes; and the [status_page] settings' refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from settings.errors import ConfigError
from settings.status_page import StatusPage, parse
from store.status_page import PageIncident, PageUpdate
from web.status_page import api_v2, state

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SETTINGS = StatusPage(title="Acme", components=("API", "Payments"), history_days=5)


def update(id_, status, hours_ago, **components) -> PageUpdate:
    return PageUpdate(id_, status, f"body {id_}", components, NOW - timedelta(hours=hours_ago))


def incident(public_id, *updates, resolved=False) -> PageIncident:
    newest_first = tuple(sorted(updates, key=lambda u: u.created_at, reverse=True))
    return PageIncident(
        public_id=public_id,
        title=f"Incident {public_id}",
        status=newest_first[0].status,
        components=newest_first[0].components,
        created_at=newest_first[-1].created_at,
        updated_at=newest_first[0].created_at,
        resolved_at=newest_first[0].created_at if resolved else None,
        updates=newest_first,
    )


def test_nothing_published_is_all_operational():
    page = state.build(SETTINGS, [], NOW)
    assert (page.indicator, page.description) == ("none", "All Systems Operational")
    assert [c.status for c in page.components] == ["operational", "operational"]
    assert [len(c.cells) for c in page.components] == [5, 5]
    assert page.components[0].cells[-1].day == NOW.date()


def test_the_worst_active_impact_sets_status_and_indicator():
    one = incident("a", update(1, "investigating", 1, API="degraded_performance"))
    two = incident("b", update(2, "identified", 2, API="major_outage", Payments="partial_outage"))
    page = state.build(SETTINGS, [one, two], NOW)
    assert [c.status for c in page.components] == ["major_outage", "partial_outage"]
    assert page.indicator == "critical" and page.description == "Major System Outage"
    assert state.impact_of(two) == "critical" and state.impact_of(one) == "minor"


def test_resolved_incidents_leave_components_operational_but_mark_the_days():
    resolved = incident(
        "a",
        update(1, "identified", 49, API="partial_outage"),
        update(2, "monitoring", 26, API="degraded_performance"),
        update(3, "resolved", 25, API="degraded_performance"),
        resolved=True,
    )
    page = state.build(SETTINGS, [resolved], NOW)
    api = page.components[0]
    assert api.status == "operational" and page.indicator == "none"
    by_day = {cell.day: cell.status for cell in api.cells}
    today = NOW.date()
    assert by_day[today] == "operational", "the resolution ended the impact"
    assert by_day[today - timedelta(days=1)] == "partial_outage", "worst of the day"
    assert by_day[today - timedelta(days=2)] == "partial_outage"
    assert by_day[today - timedelta(days=3)] == "operational"
    assert api.days_affected == 2
    assert {c.status for c in page.components[1].cells} == {"operational"}


def test_an_open_incident_naming_no_component_is_still_minor():
    page = state.build(SETTINGS, [incident("a", update(1, "investigating", 1))], NOW)
    assert page.indicator == "minor"


def test_the_v2_shapes():
    active = incident(
        "a",
        update(1, "investigating", 2, API="partial_outage"),
        update(2, "monitoring", 1, API="degraded_performance", Payments="major_outage"),
    )
    page = state.build(SETTINGS, [active], NOW)
    summary = api_v2.DOCUMENTS["/api/v2/summary.json"](page)
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert summary["scheduled_maintenances"] == []
    [shown] = summary["incidents"]
    assert shown["status"] == "monitoring" and shown["impact"] == "critical"
    assert shown["created_at"].endswith("Z") and shown["resolved_at"] is None
    newest, oldest = shown["incident_updates"]
    assert (newest["status"], oldest["status"]) == ("monitoring", "investigating")
    assert {
        (c["name"], c["old_status"], c["new_status"]) for c in newest["affected_components"]
    } == {
        ("API", "partial_outage", "degraded_performance"),
        ("Payments", "operational", "major_outage"),
    }
    assert oldest["affected_components"] == [
        {
            "code": page.components[0].id,
            "name": "API",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    assert {c["name"] for c in shown["components"]} == {"API", "Payments"}
    component = summary["components"][0]
    assert set(component) >= {"id", "name", "status", "position", "page_id", "group"}


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"components": ["API", "api"]}, "[status_page].components"),
        ({"components": ["API", ""]}, "[status_page].components"),
        ({"components": []}, "[status_page].components"),
        ({}, "[status_page].components"),
        ({"components": ["API"], "colour": "red"}, "[status_page].colour"),
        ({"components": ["API"], "port": 70000}, "[status_page].port"),
        ({"components": ["API"], "url": "ftp://x"}, "[status_page].url"),
        ({"components": ["API"], "atlassian": {"page_id": "p1"}}, "STATUSPAGE_API_KEY"),
        (
            {"components": ["API"], "atlassian": {"page_id": "p1", "components": {"DB": "c"}}},
            "[status_page].atlassian.components.DB",
        ),
    ],
)
def test_settings_refuse_with_the_key_named(table, key):
    with pytest.raises(ConfigError) as refused:
        parse(table, {})
    assert str(refused.value).startswith(f"config error: {key}")


def test_settings_with_a_mirror():
    parsed = parse(
        {"components": ["API"], "atlassian": {"page_id": "p1", "components": {"API": "c1"}}},
        {"STATUSPAGE_API_KEY": "k", "STATUSPAGE_API_URL": "http://127.0.0.1:9/v1"},
    )
    assert parsed.atlassian.components == {"API": "c1"}
    assert parsed.atlassian.api_url == "http://127.0.0.1:9/v1/"


def test_every_page_is_html_without_parse_errors():
    """html5lib in strict mode raises on any WHATWG parse error: unclosed or misnested
    elements, bad attributes, stray characters."""
    import html5lib

    from web.status_page.render import Renderer

    nasty = update(1, "identified", 3, API="partial_outage")
    nasty = PageUpdate(
        nasty.id, nasty.status, '<b>x</b> "q" & ש\u202e', nasty.components, nasty.created_at
    )
    page = state.build(
        SETTINGS,
        [
            incident("a", nasty),
            incident("b", update(2, "identified", 30), update(3, "resolved", 28), resolved=True),
        ],
        NOW,
    )
    renderer = Renderer()
    documents = [
        renderer.index(page),
        renderer.history(page),
        renderer.incident(page, page.active[0]),
        renderer.not_found(page),
        renderer.not_allowed(page),
    ]
    parser = html5lib.HTMLParser(strict=True)
    for document in documents:
        parser.parse(document)
        assert document.startswith(b"<!DOCTYPE html>")
    assert b"&lt;b&gt;x&lt;/b&gt; &#34;q&#34; &amp;" in documents[0]
