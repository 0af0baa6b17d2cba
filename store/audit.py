"""The audit trail: who tried what, allowed or refused."""

from __future__ import annotations

import json

from store.fields import utcnow
from store.models import AuditEvent, Incident


def record(
    action: str,
    *,
    actor_id: str | None,
    incident: Incident | None = None,
    request_id: str | None = None,
    **detail,
) -> AuditEvent:
    return AuditEvent.create(
        action=action,
        actor_id=actor_id,
        incident_id=incident.id if incident else None,
        incident_ref=incident.ref if incident else None,
        detail=json.dumps(detail, default=str, sort_keys=True),
        request_id=request_id,
        occurred_at=utcnow(),
    )


def events(action: str | None = None) -> list[AuditEvent]:
    query = AuditEvent.select().order_by(AuditEvent.occurred_at, AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(query)
