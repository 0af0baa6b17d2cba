"""The audit trail: who tried what, allowed or refused."""

from __future__ import annotations

import json
from datetime import datetime

from store import cached_insert
from store.fields import utcnow
from store.models import AuditEvent, Incident

# Every action Klaxon writes, with what it means (`klaxon audit --action` lists them). A
# feature that writes a new action adds it here.
ACTIONS = {
    "incident_declared": "an incident was declared (Slack, an alert, the ops API)",
    "incident_updated": "fields of an incident changed (status, severity, lead, …)",
    "incident_acknowledged": "someone acknowledged an incident",
    "incident_escalated": "an unacknowledged incident reached the next escalation level",
    "ack_already_acknowledged": "an ack arrived after someone else's",
    "ack_incident_resolved": "an ack arrived for a resolved incident",
    "ack_not_found": "an ack named no known incident",
    "ack_malformed_ref": "an ack named something that is not an incident ref",
    "ack_rate_limited": "an ack was refused by the per-person rate limit",
    "ops_admin_access_denied": "an ack by someone without the ack role",
    "incident_change_denied": "a change to an incident by someone not allowed to",
    "followup_added": "a follow-up was added",
    "followup_done": "a follow-up was marked done",
    "role_granted": "`klaxon roles grant`",
    "role_revoked": "`klaxon roles revoke`",
    "incidents_purged": "`klaxon purge --older-than` removed resolved incidents",
    "retention_applied": "[retention] removed old records (the scheduler or `klaxon purge`)",
    "person_forgotten": "`klaxon forget` removed or anonymised one person's data",
    "checklist_changed": "a checklist item was ticked or unticked",
    "incident_role_assigned": "a role beside the lead ([incident_roles]) was given or claimed",
    "incident_type_changed": "an incident's type ([types]) was changed",
    "status_page_published": "something was published about an incident on the status page",
    "timeline_entry_added": "an entry was added to a timeline (shortcut or /incident timeline)",
    "timeline_entry_removed": "an entry people added was removed from a timeline",
    "edit_timeline_denied": "a timeline edit by someone not lead, reporter or ack role",
    "incident_channel_archived": "[lifecycle] archived a resolved incident's channel",
    "incident_channel_archive_refused": "Slack refused to archive an incident's channel",
    "incident_channel_unarchived": (
        "a person unarchived an incident's channel; Klaxon rejoined it (public) or was "
        "invited back (private)"
    ),
    # Refusals of the permissions without an action of their own above.
    "edit_denied": "a change to an incident's text by someone not allowed to",
    "take_lead_denied": "someone not allowed to tried to take the lead",
    "follow_up_denied": "someone not allowed to tried to add or close a follow-up",
    "snooze_denied": "someone not allowed to tried to snooze a nudge",
    "report_denied": "someone not allowed to tried to post the report",
    "declare_denied": "someone not allowed to tried to declare an incident",
    "publish_denied": "someone not allowed to tried to publish to the status page",
    "change_type_denied": "someone not allowed to tried to change an incident's type",
    "claim_role_denied": "someone not allowed to tried to claim a role",
    "assign_role_denied": "someone not allowed to tried to assign a role",
    "tick_denied": "someone not allowed to tried to tick a checklist item",
    "view_home_denied": "someone not allowed to tried to open Klaxon's Home tab",
}


def entry(
    action: str,
    *,
    actor_id: str | None,
    incident: Incident | None = None,
    request_id: str | None = None,
    **detail,
) -> dict:
    """An audit line as a row (field name: value), for `record` or to be written with the
    incident it is about (`declarations.declare`)."""
    return {
        "action": action,
        "actor_id": actor_id,
        "incident_id": incident.id if incident else None,
        "incident_ref": incident.ref if incident else None,
        "detail": json.dumps(detail, default=str, sort_keys=True),
        "request_id": request_id,
        "occurred_at": utcnow(),
    }


def record(
    action: str,
    *,
    actor_id: str | None,
    incident: Incident | None = None,
    request_id: str | None = None,
    **detail,
) -> AuditEvent:
    row = entry(action, actor_id=actor_id, incident=incident, request_id=request_id, **detail)
    [(event_id,)] = cached_insert.insert(AuditEvent, row, tail='RETURNING "id"').fetchall()
    return AuditEvent(id=event_id, **row)


def events(action: str | None = None) -> list[AuditEvent]:
    query = AuditEvent.select().order_by(AuditEvent.occurred_at, AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(query)


def known_actions() -> list[str]:
    """The actions above and any other action already in the trail (e.g. written by an
    older or newer release), sorted."""
    stored = AuditEvent.select(AuditEvent.action).distinct().tuples()
    return sorted(set(ACTIONS) | {action for (action,) in stored})


def search(
    *,
    since: datetime | None = None,
    actors: tuple[str, ...] = (),
    action: str | None = None,
    incident_ref: int | None = None,
    limit: int | None = None,
) -> list[AuditEvent]:
    """Audit records newest first, narrowed by each filter given."""
    query = AuditEvent.select().order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if actors:
        query = query.where(AuditEvent.actor_id.in_(actors))
    if action:
        query = query.where(AuditEvent.action == action)
    if incident_ref is not None:
        query = query.where(AuditEvent.incident_ref == incident_ref)
    if limit is not None:
        query = query.limit(limit)
    return list(query)
