"""Who may do what: the one place a permission is checked, audited and counted.

The interaction declares the permission it needs (a handler's PERMISSION, the ops API's
ack) and passes it in a `Caller`; a use case asks `check` at the moment it knows enough
(after the rate limit, once the incident is found), adding what the change itself needs
(`vocabulary.permission_for`). Each permission has one audit action for its refusals.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident.vocabulary import PERMISSIONS, Actor, Holder, Permission
from observability import metrics
from store import audit, incident_roles
from store.models import Incident
from store.roles import canonical_holder

log = structlog.get_logger("klaxon.access")

# The audit action (and log event) of a refusal, per permission. PRODUCT.md names
# ops_admin_access_denied; incident_change_denied covers every change to an incident.
DENIED_ACTIONS = {
    Permission.ACKNOWLEDGE: "ops_admin_access_denied",
    Permission.STEER: "incident_change_denied",
    Permission.EDIT_TIMELINE: "edit_timeline_denied",
}
# The `action` label of klaxon_access_denied_total, per permission.
METRIC_LABELS = {Permission.ACKNOWLEDGE: "acknowledge", Permission.STEER: "change"}


@dataclass(frozen=True)
class Caller:
    """Who asks, under the permission their interaction declared, in which request."""

    actor: Actor
    permission: Permission
    request_id: str | None = None

    @property
    def key(self) -> str:
        return actor_key(self.actor)

    @property
    def user_id(self) -> str | None:
        return self.actor.user_id


@dataclass(frozen=True)
class Denied:
    """The caller does not hold `permission`; `field` is the input it is about."""

    permission: Permission
    required_role: str
    field: str = "status"


def system_caller(name: str, request_id: str | None = None) -> Caller:
    """Klaxon itself acting for a machine (an alert source): declaring, resolving."""
    return Caller(Actor(user_id=name), Permission.STEER, request_id)


def actor_key(actor: Actor) -> str:
    """Who this is for the rate limit and the audit trail: one key per person, so
    `Ops@Example.com` and `ops@example.com` share one limit."""
    return actor.user_id or (canonical_holder(actor.email) if actor.email else "unknown")


def _holds(services, actor: Actor, permission: Permission, incident: Incident | None):
    """Whether the actor holds the permission, and their roles (for the audit trail)."""
    holders = PERMISSIONS[permission]
    if Holder.ANYONE in holders:
        return True, set()
    if incident is not None and actor.user_id:
        if Holder.LEAD in holders and actor.user_id == incident.lead_id:
            return True, set()
        if Holder.REPORTER in holders and actor.user_id == incident.reporter_id:
            return True, set()
    role = services.config.ack_role
    if not actor.user_id:
        return services.roles.holds_email(actor.email or "", role)
    allowed, held = services.roles.holds(actor.user_id, role)
    if not allowed and incident is not None and Holder.ROLE_HOLDER in holders:
        # Asked last: it is the one check that reads the database.
        allowed = incident_roles.holds_any(incident, actor.user_id)
    return allowed, held


def check(
    services,
    caller: Caller,
    *,
    incident: Incident | None = None,
    target: object = "",
    needs: Permission | None = None,
    fields: tuple[str, ...] = (),
    field: str = "status",
) -> Denied | None:
    """None when the caller holds their declared permission (and `needs`, what the change
    itself requires); else the refusal, audited and logged once."""
    for permission in dict.fromkeys((caller.permission, needs or caller.permission)):
        allowed, held = _holds(services, caller.actor, permission, incident)
        if not allowed:
            _record(services, caller, permission, held, incident, target, fields)
            return Denied(permission, services.config.ack_role, field)
    return None


def denied_action(permission: Permission) -> str:
    """The audit action of a refusal of `permission`."""
    return DENIED_ACTIONS.get(permission, f"{permission}_denied")


def _record(services, caller, permission, held, incident, target, fields) -> None:
    action = denied_action(permission)
    role = services.config.ack_role
    details = {"fields": list(fields)} if fields else {}
    audit.record(
        action,
        actor_id=caller.key,
        incident=incident,
        request_id=caller.request_id,
        required_role=role,
        user_roles=sorted(held),
        target=str(target),
        **details,
    )
    log.warning(
        action,
        user_id=caller.actor.user_id,
        user_email=caller.actor.email,
        user_roles=sorted(held),
        required_role=role,
        target=str(target),
        incident_id=str(incident.id) if incident else None,
        incident_ref=incident.display_ref if incident else None,
        **details,
    )
    metrics.access_denied.labels(METRIC_LABELS.get(permission, str(permission))).inc()
