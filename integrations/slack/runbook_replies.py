"""Replies for incident types, roles and checklists (PRODUCT.md §15)."""

from __future__ import annotations

from incident.access import Denied
from incident.checklists import Ticked
from incident.incident_roles import RoleHeld, RoleSet
from incident.outcomes import NotFound
from incident.types import SameType, TypeChanged
from incident.vocabulary import Reason, Refused
from integrations.slack.replies import NO_INCIDENT, Reply
from integrations.slack.text import escape

STEERERS = "the lead, the reporter, a holder of one of the incident's roles or of the {role} role"


def _listed(names, what: str, where: str) -> str:
    if not names:
        return f"No {what} are configured ({where} in Klaxon's config)."
    return f"Valid {what}: {', '.join(f'`{n}`' for n in names)}."


def refusal(outcome: Refused | Denied | NotFound, doing: str) -> str:
    if isinstance(outcome, NotFound):
        return NO_INCIDENT
    if isinstance(outcome, Denied):
        return f"Only {STEERERS.format(role=outcome.required_role)} can {doing}."
    if outcome.reason == Reason.UNKNOWN_TYPE:
        name, valid = outcome.detail
        return f"There is no incident type `{escape(name)}`. " + _listed(valid, "types", "[types]")
    if outcome.reason == Reason.UNKNOWN_ROLE:
        name, valid = outcome.detail
        return f"There is no role `{escape(name)}`. " + _listed(valid, "roles", "[incident_roles]")
    if outcome.reason == Reason.PRIVACY_FIXED:
        (label,) = outcome.detail
        return (
            f"{escape(label)} incidents are private, and this one is public: Slack cannot turn "
            "a public channel private, so privacy is decided when an incident is declared. "
            "Declare a new private incident instead."
        )
    raise ValueError(outcome.reason)


def type_reply(outcome) -> str:
    if isinstance(outcome, TypeChanged):
        added = " Its checklist is posted in the channel." if outcome.checklist_added else ""
        return f"{outcome.incident.display_ref} is now {escape(outcome.kind.label)}.{added}"
    if isinstance(outcome, SameType):
        return f"{outcome.incident.display_ref} already is {escape(outcome.kind.label)}."
    return refusal(outcome, "change the incident's type")


def role_reply(outcome) -> str:
    if isinstance(outcome, RoleSet):
        return f"{escape(outcome.label)} of {outcome.incident.display_ref}: <@{outcome.holder_id}>."
    if isinstance(outcome, RoleHeld):
        return f"<@{outcome.holder_id}> already is {escape(outcome.label)}."
    return refusal(outcome, "give a role to someone else or take one somebody holds")


def tick_reply(outcome) -> Reply | None:
    if isinstance(outcome, Ticked):
        return None  # the checklist message itself shows it
    return Reply(refusal(outcome, "tick checklist items"))
