"""Where personal data lives: one entry per table, read by `klaxon forget` (what to change
for one person), checked against docs/data.md and against the models by the tests.

A new table with people's data adds one `PersonalTable` here (and a section in
docs/data.md); a text column that holds nobody's data goes in `NOT_PERSONAL` with the
reason in a comment. The tests fail while a text column is in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import peewee

from store.models import (
    AuditEvent,
    ChecklistItem,
    FollowUp,
    Incident,
    PersonName,
    PublicIncident,
    PublicUpdate,
    RateAttempt,
    RoleAssignment,
    RoleGrant,
    TimelineEvent,
)


class Holds(StrEnum):
    SLACK_ID = "Slack user id"
    EMAIL = "email"
    IDENTITY = "Slack user id or email"
    FREE_TEXT = "free text people typed"
    NAME = "the person's display name in Slack"


class Forget(StrEnum):
    """What `klaxon forget` does to the column for the person forgotten."""

    PSEUDONYMISE = "replaced by the run's pseudonym (the record keeps who did what, unnamed)"
    CLEAR = "emptied (NULL)"
    DELETE_ROW = "row deleted"
    SCRUB = "the person's id or email inside the text replaced by the pseudonym"
    REDACT_AUTHORED = (
        "text replaced by a notice where the person wrote it; elsewhere their id or email "
        "replaced by the pseudonym"
    )


@dataclass(frozen=True)
class PersonalColumn:
    name: str
    holds: Holds
    forget: Forget
    # For REDACT_AUTHORED: the column naming who wrote the text.
    author: str | None = None

    def field(self, model: type[peewee.Model]) -> peewee.Field:
        return model._meta.fields[self.name]


@dataclass(frozen=True)
class PersonalTable:
    model: type[peewee.Model]
    why: str
    kept: str
    columns: tuple[PersonalColumn, ...]

    @property
    def table(self) -> str:
        return self.model._meta.table_name


C = PersonalColumn
REGISTRY: tuple[PersonalTable, ...] = (
    PersonalTable(
        Incident,
        why="the incident itself: who reported, leads and acknowledged it, and what people wrote",
        kept="resolved incidents: [retention].resolved_incidents after resolution (365d); "
        "open incidents until resolved",
        columns=(
            C("reporter_id", Holds.SLACK_ID, Forget.PSEUDONYMISE),
            C("lead_id", Holds.SLACK_ID, Forget.CLEAR),
            C("acknowledged_by_id", Holds.IDENTITY, Forget.PSEUDONYMISE),
            C("acknowledged_by_email", Holds.EMAIL, Forget.CLEAR),
            C("title", Holds.FREE_TEXT, Forget.SCRUB),
            C("description", Holds.FREE_TEXT, Forget.SCRUB),
            C("impact", Holds.FREE_TEXT, Forget.SCRUB),
            C("latest_update", Holds.FREE_TEXT, Forget.SCRUB),
            C("resolution", Holds.FREE_TEXT, Forget.SCRUB),
            C("root_cause", Holds.FREE_TEXT, Forget.SCRUB),
        ),
    ),
    PersonalTable(
        TimelineEvent,
        why="what happened during the incident and who did it (the report's actions taken)",
        kept="with its incident",
        columns=(
            C("actor_id", Holds.IDENTITY, Forget.PSEUDONYMISE),
            C("text", Holds.FREE_TEXT, Forget.REDACT_AUTHORED, author="actor_id"),
        ),
    ),
    PersonalTable(
        FollowUp,
        why="action items: who owns them, who added and closed them",
        kept="with its incident",
        columns=(
            C("owner_id", Holds.SLACK_ID, Forget.CLEAR),
            C("created_by", Holds.IDENTITY, Forget.PSEUDONYMISE),
            C("done_by", Holds.IDENTITY, Forget.PSEUDONYMISE),
            C("text", Holds.FREE_TEXT, Forget.SCRUB),
        ),
    ),
    PersonalTable(
        ChecklistItem,
        why="the incident type's checklist: who ticked each item (the timeline says when)",
        kept="with its incident",
        columns=(C("done_by", Holds.IDENTITY, Forget.PSEUDONYMISE),),
    ),
    PersonalTable(
        RoleAssignment,
        why="who held a role beside the lead ([incident_roles]), for the report",
        kept="with its incident",
        columns=(
            C("holder_id", Holds.SLACK_ID, Forget.PSEUDONYMISE),
            C("assigned_by", Holds.IDENTITY, Forget.PSEUDONYMISE),
        ),
    ),
    PersonalTable(
        PublicIncident,
        why="what people chose to publish on the status page (its public title)",
        kept="with its incident",
        columns=(C("title", Holds.FREE_TEXT, Forget.SCRUB),),
    ),
    PersonalTable(
        PublicUpdate,
        why="the public messages people published on the status page",
        kept="with its incident",
        columns=(C("body", Holds.FREE_TEXT, Forget.SCRUB),),
    ),
    PersonalTable(
        PersonName,
        why="reports name people by their Slack display name, also `klaxon report` "
        "(which runs without Slack)",
        kept="refreshed from Slack once a day when a report needs it; until forgotten",
        columns=(
            C("user_id", Holds.SLACK_ID, Forget.DELETE_ROW),
            C("display_name", Holds.NAME, Forget.DELETE_ROW),
        ),
    ),
    PersonalTable(
        AuditEvent,
        why="accountability: who tried what, allowed or refused (security reviews)",
        kept="[retention].audit (730d); it outlives the incident it names",
        columns=(
            C("actor_id", Holds.IDENTITY, Forget.PSEUDONYMISE),
            C("detail", Holds.FREE_TEXT, Forget.SCRUB),
        ),
    ),
    PersonalTable(
        RoleGrant,
        why="who holds a role granted with `klaxon roles grant`",
        kept="until revoked",
        columns=(
            C("holder", Holds.IDENTITY, Forget.DELETE_ROW),
            C("granted_by", Holds.IDENTITY, Forget.PSEUDONYMISE),
        ),
    ),
    PersonalTable(
        RateAttempt,
        why="the ack rate limit counts each person's attempts",
        kept="[retention].rate_attempts (1d), never less than [ack].rate_window",
        columns=(C("actor", Holds.IDENTITY, Forget.DELETE_ROW),),
    ),
)

# Text columns that hold nobody's personal data.
NOT_PERSONAL = {
    "incident": {
        "id",
        "severity",
        "status",
        "channel_id",
        # The channel's name is made from the title's words when declared; it cannot be
        # renamed by Klaxon without breaking links, so it is removed with the incident.
        "channel_name",
        "summary_ts",
        "announcement_channel_id",
        "announcement_ts",
        "incident_key",
        "declaration_key",
        "route",
        "lease_owner",
        # The type's name from [types], and the checklist message's timestamp.
        "incident_type",
        "checklist_ts",
        # Slack's error code when it refused to archive the channel.
        "archive_error",
        # Where the report message is (a channel id and a message ts).
        "report_channel_id",
        "report_ts",
    },
    "timeline_event": {"kind", "message_ts", "permalink"},
    "follow_up": set(),
    "audit_event": {"action", "request_id", "incident_id"},
    "counter": {"name"},
    # Public ids, statuses and component impacts, and the hosted mirror's incident id.
    "public_incident": {"public_id", "status", "components", "mirror_id"},
    "public_update": {"status", "components"},
    # A paging target ("pagerduty:payments"), its provider and state, and the provider's
    # own error text.
    # The checklist's items come from the config's [types]; the role names too.
    "checklist_item": {"text"},
    "role_assignment": {"role"},
    "page": {"target", "provider", "wanted", "sent", "last_error"},
    "role_grant": {"role"},
    "rate_attempt": {"bucket"},
    # A hex HMAC: it names the request, not the caller.
    "accepted_signature": {"signature"},
    # Job names and host:pid of the replica holding them.
    "periodic_run": {"name", "lease_owner"},
}
