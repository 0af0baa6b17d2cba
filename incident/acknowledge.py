"""Acknowledge: the one workflow behind /incident-ack, the Acknowledge buttons and, later,
the HTTP ack API.

Checks run cheapest first and every attempt leaves an audit record: rate limit (one
insert and one indexed count), role (one indexed query), then the incident's state. The
acknowledgement itself is a single conditional UPDATE, so of two racing acks exactly one
wins; only then does Slack hear about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import refs
from incident.refs import IncidentRef
from incident.services import Services
from integrations.slack import messages
from integrations.slack.reply import reply
from integrations.slack.surface import post_in_channel, refresh_messages
from integrations.slack.text import escape
from observability import metrics
from store import audit, incidents, ratelimit
from store.models import Incident
from store.roles import canonical_holder

log = structlog.get_logger("klaxon.ack")
RATE_BUCKET = "ack"


@dataclass(frozen=True)
class AckResult:
    outcome: str  # acknowledged | already_acknowledged | access_denied | rate_limited |
    #               resolved | not_found
    message: str
    incident: Incident | None = None
    retry_after: int = 0


@dataclass(frozen=True)
class Actor:
    """Who acknowledges: a Slack user, or an identity (email) from the ops API's JWT."""

    user_id: str | None = None
    email: str | None = None

    @property
    def key(self) -> str:
        """Who this is for the rate limit and the audit trail: one key per person, so
        `Ops@Example.com` and `ops@example.com` share one limit."""
        return self.user_id or (canonical_holder(self.email) if self.email else "unknown")

    def mention(self) -> str:
        return f"<@{self.user_id}>" if self.user_id else escape(self.email or "someone")


def who_acknowledged(incident: Incident) -> str:
    return Actor(incident.acknowledged_by_id, incident.acknowledged_by_email).mention()


def authorize(
    services: Services,
    actor: Actor,
    *,
    target: object = "",
    incident: Incident | None = None,
    request_id: str | None = None,
) -> bool:
    """Whether the actor holds the ack role; a refusal is audited and logged."""
    role = services.config.ack_role
    if actor.user_id:
        allowed, held = services.roles.holds(actor.user_id, role)
    else:
        allowed, held = services.roles.holds_email(actor.email or "", role)
    if allowed:
        return True
    audit.record(
        "ops_admin_access_denied",
        actor_id=actor.key,
        incident=incident,
        request_id=request_id,
        required_role=role,
        user_roles=sorted(held),
        target=str(target),
    )
    log.warning(
        "ops_admin_access_denied",
        user_id=actor.user_id,
        user_email=actor.email,
        user_roles=sorted(held),
        required_role=role,
        target=str(target),
        incident_id=str(incident.id) if incident else None,
    )
    metrics.access_denied.labels("acknowledge").inc()
    return False


def acknowledge(
    services: Services,
    *,
    target: IncidentRef | str,
    user_id: str | None = None,
    email: str | None = None,
    reason: str = "",
    request_id: str | None = None,
) -> AckResult:
    """Acknowledge as a Slack user (`user_id`) or as an ops API identity (`email`)."""
    config = services.config
    actor = Actor(user_id, email)
    wait = ratelimit.attempt(
        RATE_BUCKET, actor.key, limit=config.ack_rate_limit, window=config.ack_rate_window
    )
    if wait:
        audit.record(
            "ack_rate_limited",
            actor_id=actor.key,
            request_id=request_id,
            target=str(target),
            retry_after=wait,
        )
        log.warning("ack_rate_limited", user=actor.key, retry_after=wait, target=str(target))
        metrics.rate_limited.inc()
        return AckResult(
            "rate_limited", f"Rate limit exceeded, try again in {wait} s", retry_after=wait
        )

    incident = refs.find(target)
    if not authorize(services, actor, target=target, incident=incident, request_id=request_id):
        return AckResult("access_denied", f"Access denied. Required role: {config.ack_role}")
    if incident is None:
        audit.record("ack_not_found", actor_id=actor.key, request_id=request_id, target=str(target))
        return AckResult("not_found", f"There is no incident {target}.")
    return _acknowledge_incident(services, incident, actor, reason, request_id)


def _acknowledge_incident(
    services: Services, incident: Incident, actor: Actor, reason: str, request_id: str | None
) -> AckResult:
    email = services.people.email(actor.user_id) if actor.user_id else actor.email
    if incidents.acknowledge(incident, user_id=actor.user_id, email=email):
        incident = incidents.get(incident.id)
        metrics.time_to_acknowledge.observe(
            (incident.acknowledged_at - incident.declared_at).total_seconds()
        )
        audit.record(
            "incident_acknowledged",
            actor_id=actor.key,
            incident=incident,
            request_id=request_id,
            email=email,
            reason=reason,
            escalation_level=incident.escalation_level,
        )
        log.info(
            "incident_acknowledged",
            incident_id=str(incident.id),
            incident_ref=incident.display_ref,
            incident_key=incident.incident_key,
            user=actor.key,
            email=email,
            escalation_level=incident.escalation_level,
        )
        because = f": {escape(reason)}" if reason else ""
        via = "" if actor.user_id else " (ops API)"
        post_in_channel(
            services,
            incident,
            f":white_check_mark: {incident.display_ref} "
            f"acknowledged by {actor.mention()}{via}{because}",
        )
        refresh_messages(services, incident)
        return AckResult(
            "acknowledged", f":white_check_mark: You acknowledged {incident.display_ref}.", incident
        )

    incident = incidents.get(incident.id)  # someone else got there first, or it is resolved
    if incident.status == "resolved":
        audit.record(
            "ack_incident_resolved", actor_id=actor.key, incident=incident, request_id=request_id
        )
        return AckResult(
            "resolved",
            f"{incident.display_ref} is resolved; there is nothing to acknowledge.",
            incident,
        )
    audit.record(
        "ack_already_acknowledged",
        actor_id=actor.key,
        incident=incident,
        request_id=request_id,
        acknowledged_by=incident.acknowledged_by_id or incident.acknowledged_by_email,
    )
    return AckResult(
        "already_acknowledged",
        f"Already acknowledged by {who_acknowledged(incident)} at "
        f"{messages.date_token(incident.acknowledged_at)}.",
        incident,
    )


def from_command(
    services: Services,
    *,
    user_id: str,
    channel_id: str,
    text: str,
    response_url: str | None,
    request_id: str | None = None,
) -> None:
    """/incident-ack [INC-42 | 42 | #channel]: ack here, ack that one, or list what waits."""
    text = text.strip()
    if text:
        try:
            target: IncidentRef | str = refs.parse(text)
        except refs.MalformedRef as error:
            audit.record(
                "ack_malformed_ref", actor_id=user_id, request_id=request_id, text=text[:200]
            )
            reply(services.slack, user_id=user_id, response_url=response_url, text=str(error))
            return
    else:
        here = incidents.by_channel(channel_id)
        if here is None:
            waiting = incidents.awaiting_acknowledgement()
            reply(
                services.slack,
                user_id=user_id,
                response_url=response_url,
                text=f"{len(waiting)} incident(s) waiting for acknowledgement",
                blocks=messages.awaiting_ack_blocks(waiting),
            )
            return
        target = str(here.id)
    result = acknowledge(services, user_id=user_id, target=target, request_id=request_id)
    reply(services.slack, user_id=user_id, response_url=response_url, text=result.message)


def from_button(
    services: Services,
    *,
    user_id: str,
    incident_id: str,
    response_url: str | None,
    request_id: str | None = None,
) -> None:
    result = acknowledge(services, user_id=user_id, target=incident_id, request_id=request_id)
    reply(services.slack, user_id=user_id, response_url=response_url, text=result.message)
