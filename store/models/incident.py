"""The incident and the rows that belong to it: its timeline, follow-ups, checklist and
role holders (each deleted with the incident, ON DELETE CASCADE)."""

from __future__ import annotations

import uuid

import peewee

from incident.vocabulary import SEVERITIES, STATUSES
from store.fields import UTCDateTimeField, utcnow
from store.models.base import BaseModel


class Incident(BaseModel):
    id = peewee.UUIDField(primary_key=True, default=uuid.uuid4)
    ref = peewee.IntegerField(unique=True)
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    impact = peewee.TextField(default="")
    severity = peewee.CharField(max_length=4, choices=[(s, s) for s in SEVERITIES])
    status = peewee.CharField(max_length=16, default="open", choices=[(s, s) for s in STATUSES])
    lead_id = peewee.CharField(max_length=32, null=True)
    reporter_id = peewee.CharField(max_length=32)
    channel_id = peewee.CharField(max_length=32, null=True, index=True)
    channel_name = peewee.CharField(max_length=80, null=True, index=True)
    summary_ts = peewee.CharField(max_length=32, null=True)
    announcement_channel_id = peewee.CharField(max_length=32, null=True)
    announcement_ts = peewee.CharField(max_length=32, null=True)
    # Deduplication key of the thing that raised the incident (e.g. an alert route).
    incident_key = peewee.CharField(max_length=255, null=True, index=True)
    # Idempotency key of the declaration (e.g. the modal's view id): a redelivered
    # submission finds the incident it already created instead of making a second one.
    declaration_key = peewee.CharField(max_length=255, null=True, unique=True)
    escalation_level = peewee.IntegerField(default=0)
    latest_update = peewee.TextField(default="")
    declared_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    acknowledged_at = UTCDateTimeField(null=True)
    acknowledged_by_id = peewee.CharField(max_length=32, null=True)
    acknowledged_by_email = peewee.CharField(max_length=320, null=True)
    resolved_at = UTCDateTimeField(null=True)
    resolution = peewee.TextField(default="")
    # Timed work. Each next_* is when that work is due (None: nothing to do);
    # next_due_at is the earliest of them, so one indexed range scan finds all due work.
    last_update_at = UTCDateTimeField(null=True)
    next_update_nudge_at = UTCDateTimeField(null=True)
    next_lead_nudge_at = UTCDateTimeField(null=True)
    next_followup_at = UTCDateTimeField(null=True)
    next_escalation_at = UTCDateTimeField(null=True)
    next_reconcile_at = UTCDateTimeField(null=True)
    next_due_at = UTCDateTimeField(null=True, index=True)
    reconcile_attempts = peewee.IntegerField(default=0)
    summary_pinned = peewee.BooleanField(default=False)
    # Raised by an alert: the route it names, and how often it has fired since.
    route = peewee.CharField(max_length=255, null=True)
    alert_count = peewee.IntegerField(default=0)
    # Which replica is working on the incident's due work, until when.
    lease_until = UTCDateTimeField(null=True)
    lease_owner = peewee.CharField(max_length=64, null=True)
    # When its mirror on a hosted Statuspage is due to be brought up to date (retries).
    next_status_page_sync_at = UTCDateTimeField(null=True)
    # When a page (PagerDuty, Opsgenie) is next tried: see the Page rows.
    next_page_at = UTCDateTimeField(null=True)
    # Private incidents ([types] or the declare form): decided at declaration, never undone.
    # Whether one is private is asked through incident.privacy.is_private.
    private = peewee.BooleanField(default=False)
    incident_type = peewee.CharField(max_length=32, null=True)
    # The checklist message in the incident channel, and when an open item falls due.
    checklist_ts = peewee.CharField(max_length=32, null=True)
    next_checklist_at = UTCDateTimeField(null=True)
    # After the incident (§16): when impact started (set by people, may precede the
    # declaration), when it was first in monitoring (mitigated), and the root cause.
    impact_started_at = UTCDateTimeField(null=True)
    mitigated_at = UTCDateTimeField(null=True)
    root_cause = peewee.TextField(default="")
    # [lifecycle] archive_after: when the channel is due to be archived, when it was, and
    # Slack's error when it refused (recorded once, never retried).
    next_archive_at = UTCDateTimeField(null=True)
    archived_at = UTCDateTimeField(null=True)
    archive_error = peewee.CharField(max_length=64, null=True)
    # The post-incident report's message in Slack, last posted (the Home tab links to it).
    report_channel_id = peewee.CharField(max_length=32, null=True)
    report_ts = peewee.CharField(max_length=32, null=True)

    class Meta:
        table_name = "incident"
        indexes = ((("status", "declared_at"), False),)

    @property
    def display_ref(self) -> str:
        return f"INC-{self.ref}"


class TimelineEvent(BaseModel):
    id = peewee.BigAutoField()
    incident = peewee.ForeignKeyField(Incident, backref="timeline", on_delete="CASCADE")
    kind = peewee.CharField(max_length=32)
    actor_id = peewee.CharField(max_length=32, null=True)
    text = peewee.TextField(default="")
    occurred_at = UTCDateTimeField(default=utcnow)
    # For pinned messages: which message, and a link to it.
    message_ts = peewee.CharField(max_length=32, null=True)
    permalink = peewee.TextField(null=True)

    class Meta:
        table_name = "timeline_event"
        indexes = ((("incident", "occurred_at"), False), (("incident", "message_ts"), False))


class FollowUp(BaseModel):
    """An action item; the post-incident report's prevention section."""

    id = peewee.BigAutoField()
    incident = peewee.ForeignKeyField(Incident, backref="follow_ups", on_delete="CASCADE")
    text = peewee.TextField()
    owner_id = peewee.CharField(max_length=32, null=True)
    created_by = peewee.CharField(max_length=32, null=True)
    created_at = UTCDateTimeField(default=utcnow)
    done_at = UTCDateTimeField(null=True)
    done_by = peewee.CharField(max_length=32, null=True)

    class Meta:
        table_name = "follow_up"
        indexes = ((("incident", "created_at"), False),)


class ChecklistItem(BaseModel):
    """One item of the incident type's checklist, ticked (or not) in the incident channel."""

    id = peewee.BigAutoField()
    incident = peewee.ForeignKeyField(Incident, backref="checklist", on_delete="CASCADE")
    position = peewee.IntegerField()
    text = peewee.CharField(max_length=200)
    due_at = UTCDateTimeField(null=True)
    done_at = UTCDateTimeField(null=True)
    done_by = peewee.CharField(max_length=32, null=True)
    nudged_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "checklist_item"
        indexes = ((("incident", "position"), True),)


class RoleAssignment(BaseModel):
    """Who holds one of the incident's [incident_roles] (the lead is on the incident row)."""

    id = peewee.BigAutoField()
    incident = peewee.ForeignKeyField(Incident, backref="role_assignments", on_delete="CASCADE")
    role = peewee.CharField(max_length=32)
    holder_id = peewee.CharField(max_length=32)
    assigned_by = peewee.CharField(max_length=320, null=True)
    assigned_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "role_assignment"
        indexes = ((("incident", "role"), True), (("holder_id",), False))
