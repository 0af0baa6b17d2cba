"""Peewee models, one module per part of the schema, every table importable from here. The
schema itself is owned by the versioned files in store/migrations/.

- incident.py: the incident and its rows (timeline, follow-ups, checklist, role holders)
- paging.py: the pages sent to PagerDuty or Opsgenie
- status_page.py: what the public status page shows
- access.py: the audit trail, role grants, rate limits, accepted ops API signatures
- bookkeeping.py: counters, the periodic jobs' schedule, people's display names
"""

from __future__ import annotations

from store.models.access import AcceptedSignature, AuditEvent, RateAttempt, RoleGrant
from store.models.bookkeeping import Counter, PeriodicRun, PersonName
from store.models.incident import ChecklistItem, FollowUp, Incident, RoleAssignment, TimelineEvent
from store.models.paging import Page
from store.models.status_page import PublicIncident, PublicUpdate

# Every table, each after the tables it refers to: store/db.py binds these, and the tests
# walk them (personal data, retention), so a new table is added here too.
MODELS = (
    Incident,
    TimelineEvent,
    FollowUp,
    AuditEvent,
    Counter,
    RoleGrant,
    RateAttempt,
    AcceptedSignature,
    Page,
    ChecklistItem,
    RoleAssignment,
    PublicIncident,
    PublicUpdate,
    PeriodicRun,
    PersonName,
)
