"""Publishing to the public status page: a deliberate act by a person who steers the
incident (Permission.PUBLISH), never a copy of the incident's internal fields.

The person gives the public title, status, components with their impact and a message; the
use case checks them against the vocabulary and `[status_page].components`, persists the
update with its timeline event (store/status_page.py) and, when a hosted Statuspage is
mirrored, the time to push it (the scheduler does: incident/status_page_mirror.py); then
it refreshes the incident's living summary through the surface. The page's own server
process notices the new state in the store (web/status_page/), so nothing here waits on
HTTP. What the page shows of an incident is read through incident/status_page_shown.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import lifecycle
from incident.access import Caller, Denied, check
from incident.outcomes import NotFound
from incident.privacy import is_private
from incident.services import Services
from incident.status_page_shown import described, page_url
from incident.vocabulary import (
    COMPONENT_IMPACTS,
    LIMITS,
    OPERATIONAL,
    PUBLIC_STATUSES,
    Changes,
    Permission,
    Reason,
    Refused,
    clean,
)
from store import audit, incidents
from store import status_page as public_store
from store.fields import utcnow
from store.models import Incident, PublicIncident, PublicUpdate

log = structlog.get_logger("klaxon.status_page")


@dataclass(frozen=True)
class PublicInput:
    """What a person asks to publish. None keeps what is on the page (a further update
    from `/incident statuspage <message>`)."""

    message: str
    title: str | None = None
    status: str | None = None
    components: dict[str, str] | None = None
    # Changes to what the page shows ({name: impact or "operational"}), from the keyboard.
    component_changes: dict[str, str] | None = None


@dataclass(frozen=True)
class Published:
    incident: Incident
    public: PublicIncident
    update: PublicUpdate
    first: bool
    url: str


@dataclass(frozen=True)
class Blocked:
    why: Refused | Denied


PublishOutcome = Published | Blocked | NotFound


def page_refusal(services: Services, incident: Incident) -> Refused | None:
    """Why this incident may not appear on the public page at all (None: it may): the one
    place that refuses incidents that must stay internal."""
    if services.config.status_page is None:
        return Refused(Reason.NO_STATUS_PAGE, "message")
    if is_private(incident):
        return Refused(Reason.PRIVATE_INCIDENT, "message")
    return None


@dataclass(frozen=True)
class Publishable:
    """The form may open: the incident, and its public face if it has one."""

    incident: Incident
    public: PublicIncident | None


def publishable(
    services: Services, caller: Caller, incident_id: str
) -> Publishable | Blocked | NotFound:
    """Whether the caller may open the publish form on this incident (a refusal is audited
    like a refused publish)."""
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    denied = check(services, caller, incident=incident, target=incident.display_ref)
    if denied:
        return Blocked(denied)
    refused = page_refusal(services, incident)
    if refused:
        return Blocked(refused)
    return Publishable(incident, public_store.public_of(incident))


def _components(
    services: Services, asked: dict[str, str], *, allow_operational: bool = False
) -> dict[str, str] | Refused:
    """Names as configured (matched without regard to case, spaces, `-` or `_`)."""
    known = services.config.status_page.components

    def key(name: str) -> str:
        return "".join(ch for ch in name.casefold() if ch not in " -_")

    by_key = {key(name): name for name in known}
    chosen = {}
    for name, impact in asked.items():
        canonical = by_key.get(key(name))
        if canonical is None:
            return Refused(Reason.UNKNOWN_COMPONENT, "components", (name, *known))
        allowed = (*COMPONENT_IMPACTS, OPERATIONAL) if allow_operational else COMPONENT_IMPACTS
        if impact not in allowed:
            return Refused(Reason.BAD_IMPACT, "components", (impact, *allowed))
        chosen[canonical] = impact
    return chosen


def _publication(
    services: Services, incident: Incident, public: PublicIncident | None, asked: PublicInput
) -> public_store.Publication | Refused:
    message = clean(asked.message or "")
    if not message:
        return Refused(Reason.MISSING, "message")
    if len(message) > LIMITS["public_message"]:
        return Refused(Reason.TOO_LONG, "message", (LIMITS["public_message"],))
    if asked.title is not None:
        title = " ".join(clean(asked.title).split())
    else:
        title = public.title if public else " ".join(incident.title.split())
    if not title:
        return Refused(Reason.MISSING, "title")
    if len(title) > LIMITS["public_title"]:
        return Refused(Reason.TOO_LONG, "title", (LIMITS["public_title"],))
    status = asked.status or (public.status if public else None)
    if status is None:
        return Refused(Reason.NOT_PUBLISHED, "message")
    if status not in PUBLIC_STATUSES:
        return Refused(Reason.BAD_TRANSITION, "status", (status, *PUBLIC_STATUSES))
    if asked.components is not None:
        components = _components(services, asked.components)
        if isinstance(components, Refused):
            return components
    else:
        components = public_store.components_of(public) if public else {}
    if asked.component_changes:
        changes = _components(services, asked.component_changes, allow_operational=True)
        if isinstance(changes, Refused):
            return changes
        components = {**components, **changes}
        components = {name: impact for name, impact in components.items() if impact != OPERATIONAL}
    return public_store.Publication(title, status, components, message)


def publish(
    services: Services, caller: Caller, incident_id: str, asked: PublicInput
) -> PublishOutcome:
    """Check, persist (the update, its timeline event, the mirror's due time), then refresh
    the summary. The page's process picks the new state up from the store."""
    found = publishable(services, caller, incident_id)
    if not isinstance(found, Publishable):
        return found
    incident, public = found.incident, found.public
    first = public is None
    publication = _publication(services, incident, public, asked)
    if isinstance(publication, Refused):
        return Blocked(publication)
    now = utcnow()
    mirrored = services.config.status_page.atlassian is not None
    public, update = public_store.publish(
        incident,
        publication,
        actor_id=caller.key,
        event_text="Published to the status page: "
        + described(publication.status, publication.components),
        sync_at=now if mirrored else None,
        now=now,
    )
    audit.record(
        "status_page_published",
        actor_id=caller.key,
        incident=incident,
        request_id=caller.request_id,
        public_id=public.public_id,
        status=publication.status,
    )
    log.info(
        "status_page_published",
        incident_ref=incident.display_ref,
        public_id=public.public_id,
        status=publication.status,
        components=sorted(publication.components),
    )
    services.surface.refreshed(incidents.get(incident.id))
    return Published(incident, public, update, first, page_url(services, public))


def still_public(incident: Incident | str) -> bool:
    """Whether resolving this incident must also resolve it on the page (and so ask for
    the public resolution message)."""
    public = public_store.public_of(incident)
    return public is not None and public.status != "resolved"


def resolve(
    services: Services, caller: Caller, incident_id: str, changes: Changes, public_message: str
) -> lifecycle.UpdateOutcome:
    """Resolve the incident and, once it is resolved, publish its public resolution."""
    outcome = lifecycle.update(services, caller, incident_id, changes)
    if isinstance(outcome, lifecycle.Updated) and public_message.strip():
        published = publish(
            services,
            Caller(caller.actor, Permission.PUBLISH, caller.request_id),
            incident_id,
            PublicInput(message=public_message, status="resolved"),
        )
        if not isinstance(published, Published):
            log.warning("status_page_resolution_not_published", outcome=type(published).__name__)
    return outcome
