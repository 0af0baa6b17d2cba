"""The incident's words: what an incident can be, what may change, who may change it.

Everything else (the store, the config, the modals, the subcommands, the use cases) reads
these names from here, so a status, a limit or a permission is defined once. This module
imports nothing of Klaxon's, so every layer may import it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """SEV1 is the worst; the names sort from worst to mildest."""

    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"


STATUSES = tuple(Status)
SEVERITIES = tuple(Severity)
# The statuses a person may set by hand (an incident starts open and never returns there).
SETTABLE_STATUSES = tuple(s for s in Status if s is not Status.OPEN)

# Status moves people may make; `open` is where incidents start, never where they return.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.ACKNOWLEDGED, Status.MONITORING, Status.RESOLVED}),
    Status.ACKNOWLEDGED: frozenset({Status.MONITORING, Status.RESOLVED}),
    Status.MONITORING: frozenset({Status.ACKNOWLEDGED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.MONITORING}),
}


def is_raised(old: str, new: str) -> bool:
    """Whether `new` is a worse severity than `old` (SEV1 < SEV2 as names)."""
    return new < old


# How long each piece of text may be, in characters: the modals' max_length, the
# subcommands' checks, the use cases' refusals and the trimming of generated text.
LIMITS: dict[str, int] = {
    "title": 100,
    "impact": 1000,
    "description": 2500,
    "note": 2900,
    "resolution": 2900,
    "follow_up": 500,
    "pin": 1000,
    "root_cause": 2900,
    "timeline_entry": 1000,
}
# How long before its declaration an incident's impact may have started (and a timeline
# entry be placed): further back is taken for a mistyped date.
TIMELINE_REACH = timedelta(days=7)


def trim(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and surrounding blanks."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def fit(text: str, name: str) -> str:
    """`text` trimmed to the limit of the field `name` (text Klaxon itself composes)."""
    return trim(text, LIMITS[name])


# A Slack user id (U… or W…): who may be mentioned, invited, told in a direct message.
# Other actors (alertmanager, an ops API email) do not match.
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def is_slack_user(actor_id: str | None) -> bool:
    return bool(actor_id) and SLACK_USER_ID.fullmatch(actor_id) is not None


@dataclass(frozen=True)
class Changes:
    """What someone asked to change; None means leave as is."""

    status: str | None = None
    severity: str | None = None
    lead_id: str | None = None
    title: str | None = None
    impact: str | None = None
    description: str | None = None
    note: str | None = None
    resolution: str | None = None
    # After the incident (§16): when impact started (a UTC datetime), the root cause.
    impact_started_at: datetime | None = None
    root_cause: str | None = None


# The fields of an incident whose change steers it (and so needs Permission.STEER).
STEERING_FIELDS = frozenset({"status", "severity", "lead_id"})
# The same fields as the inputs that carry them in forms and subcommands.
FIELD_INPUTS = {"lead_id": "lead", "impact_started_at": "impact_started"}


class Reason(StrEnum):
    """Why a change or an action is refused."""

    BACK_TO_OPEN = "back_to_open"
    BAD_TRANSITION = "bad_transition"
    BAD_SEVERITY = "bad_severity"
    TOO_LONG = "too_long"
    NOT_PERMITTED = "not_permitted"
    # The status page: a component it does not list, a required public field left empty,
    # a further update to an incident never published, a page that is not configured.
    UNKNOWN_COMPONENT = "unknown_component"
    BAD_IMPACT = "bad_impact"
    MISSING = "missing"
    NOT_PUBLISHED = "not_published"
    NO_STATUS_PAGE = "no_status_page"
    # A private incident never goes on the public status page.
    PRIVATE_INCIDENT = "private_incident"
    UNKNOWN_TYPE = "unknown_type"
    UNKNOWN_ROLE = "unknown_role"
    # Slack cannot turn a public channel private: privacy is decided at declaration.
    PRIVACY_FIXED = "privacy_fixed"
    # A time on the incident's timeline outside what it can be: in the future, or more than
    # TIMELINE_REACH before the declaration (detail: the earliest and latest accepted).
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Refused:
    """A refusal as a value: why, which input it is about (for inline form errors), and
    what the wording needs (`detail`: the limit, the statuses, the role)."""

    reason: Reason
    field: str
    detail: tuple = ()


def transition_refusal(current: str, target: str) -> Refused | None:
    if target == current:
        return None
    if target == Status.OPEN:
        return Refused(Reason.BACK_TO_OPEN, "status")
    if target not in TRANSITIONS.get(current, frozenset()):
        return Refused(Reason.BAD_TRANSITION, "status", (current, target))
    return None


@dataclass(frozen=True)
class Actor:
    """Who acts: a Slack user, or an identity (email) from the ops API's JWT."""

    user_id: str | None = None
    email: str | None = None
    # Where an identity that is no Slack user acted: a pager ("PagerDuty", "Opsgenie", whose
    # responder is `email`: an Opsgenie username, a PagerDuty agent's name); None for the
    # ops API.
    via: str | None = None


class Permission(StrEnum):
    """What an interaction needs the actor to hold; each handler declares one."""

    ACKNOWLEDGE = "acknowledge"
    STEER = "steer"  # status, severity, lead, resolve
    EDIT = "edit"  # title, description, impact, update notes
    TAKE_LEAD = "take_lead"  # fill an empty lead seat
    FOLLOW_UP = "follow_up"  # add follow-ups, mark them done
    SNOOZE = "snooze"  # snooze the update nudge
    REPORT = "report"  # post the post-incident report
    DECLARE = "declare"
    PUBLISH = "publish"  # what the public status page says about the incident
    CHANGE_TYPE = "change_type"  # /incident type …
    CLAIM_ROLE = "claim_role"  # take an empty role seat ([incident_roles]) oneself
    ASSIGN_ROLE = "assign_role"  # give a role to someone, or take a held one
    TICK = "tick"  # tick or untick a checklist item
    EDIT_TIMELINE = "edit_timeline"  # add or remove timeline entries, set when impact started
    VIEW_HOME = "view_home"  # see one's Home tab (private incidents: members only)


class Holder(StrEnum):
    ANYONE = "anyone"
    ACK_ROLE = "ack_role"  # [roles] / `klaxon roles grant` holders of [ack].role
    LEAD = "lead"  # the incident's lead
    REPORTER = "reporter"  # who declared it
    ROLE_HOLDER = "role_holder"  # holds one of the incident's [incident_roles]


# Who holds each permission. A permission held by ANYONE is never refused.
PERMISSIONS: dict[Permission, frozenset[Holder]] = {
    Permission.ACKNOWLEDGE: frozenset({Holder.ACK_ROLE}),
    Permission.STEER: frozenset(
        {Holder.LEAD, Holder.REPORTER, Holder.ACK_ROLE, Holder.ROLE_HOLDER}
    ),
    Permission.EDIT: frozenset({Holder.ANYONE}),
    Permission.TAKE_LEAD: frozenset({Holder.ANYONE}),
    Permission.FOLLOW_UP: frozenset({Holder.ANYONE}),
    Permission.SNOOZE: frozenset({Holder.ANYONE}),
    Permission.REPORT: frozenset({Holder.ANYONE}),
    Permission.DECLARE: frozenset({Holder.ANYONE}),
    Permission.PUBLISH: frozenset({Holder.LEAD, Holder.REPORTER, Holder.ACK_ROLE}),
    Permission.CHANGE_TYPE: frozenset(
        {Holder.LEAD, Holder.REPORTER, Holder.ACK_ROLE, Holder.ROLE_HOLDER}
    ),
    Permission.CLAIM_ROLE: frozenset({Holder.ANYONE}),
    Permission.ASSIGN_ROLE: frozenset(
        {Holder.LEAD, Holder.REPORTER, Holder.ACK_ROLE, Holder.ROLE_HOLDER}
    ),
    Permission.TICK: frozenset({Holder.ANYONE}),
    Permission.EDIT_TIMELINE: frozenset({Holder.LEAD, Holder.REPORTER, Holder.ACK_ROLE}),
    Permission.VIEW_HOME: frozenset({Holder.ANYONE}),
}


def permission_for(changed: set[str] | frozenset[str], *, lead_seat_empty: bool) -> Permission:
    """The permission a change to these fields needs. Anyone may fill an empty lead seat
    (the lead nudge asks exactly that); any other steering change needs STEER."""
    if not STEERING_FIELDS & changed:
        return Permission.EDIT
    if lead_seat_empty and changed == {"lead_id"}:
        return Permission.TAKE_LEAD
    return Permission.STEER


# The status page (PRODUCT.md §13): what a person publishes, in Atlassian Statuspage's words.
class PublicStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class ComponentImpact(StrEnum):
    """How badly a published incident hurts one component, mildest first."""

    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


PUBLIC_STATUSES = tuple(PublicStatus)
COMPONENT_IMPACTS = tuple(ComponentImpact)
# A component no published incident affects.
OPERATIONAL = "operational"
# What the public may read is shorter than what the channel may: a status page and its feeds
# are read on phones, and Statuspage's own limits are in this range.
LIMITS["public_title"] = 200
LIMITS["public_message"] = 2000
