"""Acknowledge: the one use case behind /incident-ack, the Acknowledge buttons, the ops
API, and setting the status to acknowledged.

Checks run cheapest first and every attempt leaves an audit record: rate limit (one
insert and one indexed count), permission (one indexed query), then the incident's state.
The acknowledgement itself is a single conditional UPDATE, so of two racing acks exactly
one wins; only then does the world hear about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import paging, refs
from incident.access import Caller, Denied, check
from incident.outcomes import NotFound
from incident.refs import IncidentRef
from incident.services import Services
from incident.vocabulary import Status
from observability import metrics
from store import audit, incidents, ratelimit
from store.models import Incident

log = structlog.get_logger("klaxon.ack")
RATE_BUCKET = "ack"


@dataclass(frozen=True)
class Acknowledged:
    incident: Incident


@dataclass(frozen=True)
class AlreadyAcknowledged:
    incident: Incident


@dataclass(frozen=True)
class AlreadyResolved:
    incident: Incident


@dataclass(frozen=True)
class RateLimited:
    retry_after: int


AckOutcome = Acknowledged | AlreadyAcknowledged | AlreadyResolved | RateLimited | NotFound | Denied


@dataclass(frozen=True)
class Malformed:
    """The ref typed after /incident-ack is not one; `problem` says how to write it."""

    problem: str


@dataclass(frozen=True)
class Waiting:
    """/incident-ack outside an incident channel: what waits for acknowledgement."""

    incidents: list[Incident]


def acknowledge(
    services: Services, caller: Caller, target: IncidentRef | str, *, reason: str = ""
) -> AckOutcome:
    """Acknowledge as a Slack user or as an ops API identity (the caller's actor)."""
    config = services.config
    wait = ratelimit.attempt(
        RATE_BUCKET, caller.key, limit=config.ack_rate_limit, window=config.ack_rate_window
    )
    if wait:
        audit.record(
            "ack_rate_limited",
            actor_id=caller.key,
            request_id=caller.request_id,
            target=str(target),
            retry_after=wait,
        )
        log.warning("ack_rate_limited", user=caller.key, retry_after=wait, target=str(target))
        metrics.rate_limited.inc()
        return RateLimited(wait)

    incident = refs.find(target)
    denied = check(services, caller, incident=incident, target=target)
    if denied:
        return denied
    if incident is None:
        audit.record(
            "ack_not_found", actor_id=caller.key, request_id=caller.request_id, target=str(target)
        )
        return NotFound(str(target))
    return _acknowledge_incident(services, incident, caller, reason)


def acknowledge_typed(
    services: Services, caller: Caller, text: str, *, channel_id: str
) -> AckOutcome | Waiting | Malformed:
    """/incident-ack [INC-42 | 42 | #channel]: ack that one; without a ref, ack this
    channel's incident, or list what waits when this is no incident's channel."""
    text = text.strip()
    if text:
        try:
            target = refs.parse(text)
        except refs.MalformedRef as error:
            audit.record(
                "ack_malformed_ref",
                actor_id=caller.key,
                request_id=caller.request_id,
                text=text[:200],
            )
            return Malformed(str(error))
        return acknowledge(services, caller, target)
    here = incidents.by_channel(channel_id)
    if here is None:
        return Waiting(incidents.awaiting_acknowledgement())
    return acknowledge(services, caller, str(here.id))


def acknowledge_from_pager(
    services: Services, incident: Incident, caller: Caller, *, actor_id: str, **details
) -> AckOutcome:
    """Acknowledged in a pager (its webhook): the pager has already decided who may
    acknowledge, so neither the ack role nor the rate limit is asked; the audit record
    names the pager's responder (`actor_id`) and `details` (source, responder)."""
    return _acknowledge_incident(services, incident, caller, "", actor_id=actor_id, **details)


def _acknowledge_incident(
    services: Services,
    incident: Incident,
    caller: Caller,
    reason: str,
    *,
    actor_id: str | None = None,
    **details,
) -> AckOutcome:
    actor = caller.actor
    email = services.people.email(actor.user_id) if actor.user_id else actor.email
    if incidents.acknowledge(incident, user_id=actor.user_id, email=email):
        incident = incidents.get(incident.id)
        metrics.time_to_acknowledge.observe(
            (incident.acknowledged_at - incident.declared_at).total_seconds()
        )
        audit.record(
            "incident_acknowledged",
            actor_id=actor_id or caller.key,
            incident=incident,
            request_id=caller.request_id,
            email=email,
            reason=reason,
            escalation_level=incident.escalation_level,
            **details,
        )
        log.info(
            "incident_acknowledged",
            incident_id=str(incident.id),
            incident_ref=incident.display_ref,
            incident_key=incident.incident_key,
            user=caller.key,
            email=email,
            escalation_level=incident.escalation_level,
        )
        services.surface.acknowledged(incident, actor, reason)
        paging.incident_acknowledged(services, incident)
        return Acknowledged(incident)

    incident = incidents.get(incident.id)  # someone else got there first, or it is resolved
    if incident.status == Status.RESOLVED:
        audit.record(
            "ack_incident_resolved",
            actor_id=actor_id or caller.key,
            incident=incident,
            request_id=caller.request_id,
            **details,
        )
        return AlreadyResolved(incident)
    audit.record(
        "ack_already_acknowledged",
        actor_id=actor_id or caller.key,
        incident=incident,
        request_id=caller.request_id,
        acknowledged_by=incident.acknowledged_by_id or incident.acknowledged_by_email,
        **details,
    )
    return AlreadyAcknowledged(incident)
