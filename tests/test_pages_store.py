"""A page's state in the store when the provider's webhook overtakes the answer to Klaxon's
own call (a real race: the provider may tell of its page before its API call returns)."""

from __future__ import annotations

from store import declarations, pages
from store.fields import utcnow
from store.models import Page


def test_an_ack_from_the_provider_while_the_trigger_is_under_way_is_not_sent_back(db):
    incident, _ = declarations.declare(
        declarations.NewIncident(title="Checkout is down", severity="SEV1", reporter_id="U1")
    )
    now = utcnow()
    pages.request(incident, [("pagerduty", "pagerduty:payments")], now)
    [page] = pages.pending(incident, now)  # the trigger's call is under way
    pages.known(incident.id, "pagerduty", pages.ACKNOWLEDGED, now)  # its webhook overtakes it
    pages.want(incident.id, pages.ACKNOWLEDGED, now)  # Klaxon's incident is acknowledged
    pages.delivered(page, pages.TRIGGERED, now)  # the trigger's answer arrives
    page = Page.get_by_id(page.id)
    assert (page.sent, page.next_attempt_at) == (pages.ACKNOWLEDGED, None)
    assert pages.pending(incident, utcnow()) == []


def test_a_delivery_moves_a_page_on_and_leaves_it_due_when_klaxon_moved_further(db):
    incident, _ = declarations.declare(
        declarations.NewIncident(title="Checkout is down", severity="SEV1", reporter_id="U1")
    )
    now = utcnow()
    pages.request(incident, [("pagerduty", "pagerduty:payments")], now)
    [page] = pages.pending(incident, now)
    pages.want(incident.id, pages.RESOLVED, now)  # resolved while the trigger was under way
    pages.delivered(page, pages.TRIGGERED, now)
    page = Page.get_by_id(page.id)
    assert page.sent == pages.TRIGGERED and page.next_attempt_at is not None
    pages.delivered(page, pages.RESOLVED, now)
    page = Page.get_by_id(page.id)
    assert (page.sent, page.next_attempt_at) == (pages.RESOLVED, None)
