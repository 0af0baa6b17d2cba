"""What a pager tells Klaxon (its webhooks): acknowledged there, resolved there.

An acknowledgement goes through the same acknowledge use case as the Slack button, with
the pager's responder as the actor. Events Klaxon cannot use (an unknown incident, one it
never paged through that provider, one already acknowledged) are answered as handled and
only logged: the provider would otherwise retry them for hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import acknowledge, lifecycle
from incident.access import Caller, system_caller
from incident.services import Services
from incident.vocabulary import Actor, Changes, Permission, Status, fit
from settings.paging import PROVIDER_LABELS
from store import incidents, pages
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.paging")

IGNORED = "ignored"
NAME_MAX = 200


@dataclass(frozen=True)
class Responder:
    """Who acted in the pager: PagerDuty's agent (id and name; its v3 webhooks carry no
    email) or Opsgenie's `alert.username` (an email, as id and name)."""

    provider: str
    id: str
    name: str

    @property
    def label(self) -> str:
        return PROVIDER_LABELS[self.provider]

    @property
    def actor_id(self) -> str:
        return f"{self.provider}:{self.id}"[:320]


def _paged_incident(key: str, responder: Responder, event: str) -> Incident | None:
    incident = incidents.get(key)
    if incident is None:
        log.info(
            "pager_event_ignored", provider=responder.provider, event_type=event, reason="unknown"
        )
        return None
    if not pages.was_paged(incident.id, responder.provider):
        log.info(
            "pager_event_ignored",
            provider=responder.provider,
            event_type=event,
            reason="not_paged",
            incident_ref=incident.display_ref,
        )
        return None
    return incident


def acknowledged(services: Services, key: str, responder: Responder, request_id: str) -> str:
    """The page was acknowledged in the pager; returns what Klaxon made of it."""
    incident = _paged_incident(key, responder, "acknowledged")
    if incident is None:
        return IGNORED
    pages.known(incident.id, responder.provider, pages.ACKNOWLEDGED, utcnow())
    actor = Actor(email=fit(responder.name, "title") or responder.id, via=responder.label)
    outcome = acknowledge.acknowledge_from_pager(
        services,
        incident,
        Caller(actor, Permission.ACKNOWLEDGE, request_id),
        actor_id=responder.actor_id,
        source=responder.provider,
        responder_id=responder.id,
        responder_name=responder.name[:NAME_MAX],
    )
    result = {
        acknowledge.Acknowledged: "acknowledged",
        acknowledge.AlreadyAcknowledged: "already_acknowledged",
        acknowledge.AlreadyResolved: "already_resolved",
    }.get(type(outcome), IGNORED)
    log.info(
        "pager_acknowledged",
        provider=responder.provider,
        incident_ref=incident.display_ref,
        result=result,
    )
    return result


def resolved(services: Services, key: str, responder: Responder, request_id: str) -> str:
    """The page was resolved in the pager: a timeline line, and with
    `[paging] resolve_from_pager = true` the incident is resolved too."""
    incident = _paged_incident(key, responder, "resolved")
    if incident is None:
        return IGNORED
    now = utcnow()
    pages.known(incident.id, responder.provider, pages.RESOLVED, now)
    text = f"Resolved in {responder.label} by {responder.name[:NAME_MAX]}"
    if incident.status == Status.RESOLVED:
        return "already_resolved"
    if not services.config.paging_resolve_from_pager:
        incidents.add_event(incident, "pager_resolved", text, actor_id=None, now=now)
        log.info("pager_resolved_noted", provider=responder.provider, incident=incident.display_ref)
        return "noted"
    lifecycle.update(
        services,
        system_caller(responder.provider, request_id),
        incident,
        Changes(status=Status.RESOLVED, resolution=text),
        system=True,
    )
    log.info("pager_resolved_incident", provider=responder.provider, incident=incident.display_ref)
    return "resolved"
