"""What the public status page shows of an incident, for the summary and the publish form:
read from what was published (store/status_page.py), never from the incident's own fields.
"""

from __future__ import annotations

from incident.services import Services
from store import status_page as public_store
from store.models import Incident, PublicIncident

IMPACT_WORDS = {
    "degraded_performance": "degraded performance",
    "partial_outage": "partial outage",
    "major_outage": "major outage",
}


def line(public: PublicIncident | None) -> str | None:
    """How the summary says what the page shows: "identified · API partial outage"."""
    if public is None:
        return None
    return described(public.status, public_store.components_of(public))


def described(status: str, components: dict[str, str]) -> str:
    """A public status and its components' impacts in a line, the way Klaxon says them."""
    parts = [status]
    parts += [
        f"{name} {IMPACT_WORDS.get(impact, impact)}" for name, impact in sorted(components.items())
    ]
    return " · ".join(parts)


def impacts(public: PublicIncident | None) -> dict[str, str]:
    """{component: impact} as the page shows it now."""
    return public_store.components_of(public) if public else {}


def page_url(services: Services, public: PublicIncident) -> str:
    base = services.config.status_page.url if services.config.status_page else ""
    return f"{base}/incidents/{public.public_id}"


def on_page(incident: Incident) -> PublicIncident | None:
    """The incident's public face, if it has been published."""
    return public_store.public_of(incident)
