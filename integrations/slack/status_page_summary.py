"""What the summary says of the status page: the line it shows and whether it offers the
"Publish to status page" button (only where a status page is configured, and never for a
private incident, which the page refuses)."""

from __future__ import annotations

from incident import status_page, status_page_shown
from incident.services import Services
from integrations.slack.messages import OnPage
from store.models import Incident


def on_page(services: Services, incident: Incident) -> OnPage | None:
    if status_page.page_refusal(services, incident) is not None:
        return None
    public = status_page_shown.on_page(incident)
    if public is None:
        return OnPage()
    return OnPage(
        line=status_page_shown.line(public),
        url=status_page_shown.page_url(services, public),
        resolved=public.status == "resolved",
    )
