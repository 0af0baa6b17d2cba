"""Roles beside the lead ([incident_roles]): claim an empty seat, or give a role to
someone (`/incident role comms @user`, `role scribe me`, the Claim button). Holders may
steer the incident like the lead (vocabulary.PERMISSIONS, Holder.ROLE_HOLDER)."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import access
from incident.access import Caller, Denied
from incident.outcomes import NotFound
from incident.services import Services
from incident.vocabulary import Permission, Reason, Refused
from store import audit, incident_roles, incidents
from store.models import Incident

log = structlog.get_logger("klaxon.roles")


@dataclass(frozen=True)
class RoleSet:
    incident: Incident
    role: str
    label: str
    holder_id: str
    before: str | None


@dataclass(frozen=True)
class RoleHeld:
    """The role is already held by `holder_id` (nothing changed)."""

    incident: Incident
    label: str
    holder_id: str


def assign(
    services: Services, caller: Caller, incident_id: str, role: str, holder_id: str
) -> RoleSet | RoleHeld | Refused | Denied | NotFound:
    """Give `role` to `holder_id`. Anyone may take an empty seat themselves; giving a role
    to someone else, or taking one somebody holds, needs Permission.ASSIGN_ROLE."""
    roles = services.config.incident_roles
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    name = role.lower()
    if name not in roles:
        return Refused(Reason.UNKNOWN_ROLE, "role", (role, tuple(roles)))
    held = incident_roles.of(incident)
    current = held.get(name)
    if current == holder_id:
        return RoleHeld(incident, roles[name], holder_id)
    claiming = current is None and holder_id == caller.user_id
    needs = None if claiming else Permission.ASSIGN_ROLE
    denied = access.check(
        services, caller, incident=incident, target=name, needs=needs, field="role"
    )
    if denied:
        return denied
    if claiming:
        if not incident_roles.claim_vacant(incident, name, holder_id):
            now_held = incident_roles.of(incident)[name]
            return RoleHeld(incident, roles[name], now_held)
        before = None
    else:
        before = incident_roles.assign(incident, name, holder_id, by=caller.key)
    was = f" (was @{before})" if before else ""
    incidents.add_event(
        incident, "role_changed", f"{roles[name]}: @{holder_id}{was}", actor_id=caller.key
    )
    audit.record(
        "incident_role_assigned",
        actor_id=caller.key,
        incident=incident,
        request_id=caller.request_id,
        role=name,
        holder=holder_id,
    )
    log.info("incident_role_assigned", incident_ref=incident.display_ref, role=name)
    services.surface.role_changed(incident, roles[name], holder_id, caller.key)
    return RoleSet(incident, name, roles[name], holder_id, before)
