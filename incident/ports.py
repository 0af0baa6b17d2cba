"""The ports the use cases drive: how the world hears about an incident.

Use cases persist first, then call `services.surface.<what happened>(…)`. Each method is
named for what happened to the incident, not for how it is shown: Slack implements it
today (`integrations.slack.surface.SlackSurface`); a status page or a pager is added the
same way, beside it. A method never raises for a failed delivery: it logs, and those that
return a bool say whether the message went out (so timed work can be retried later).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from incident.vocabulary import Actor
from settings.types import IncidentType
from store.due import Hold
from store.models import ChecklistItem, FollowUp, Incident


@dataclass(frozen=True)
class Change:
    """An update as it was made: old and new values of each field that changed, the note
    posted with it (empty for none), and who made it."""

    before: dict
    after: dict
    note: str
    actor_id: str

    def changed(self, name: str) -> bool:
        return name in self.after


@dataclass(frozen=True)
class Escalation:
    """One escalation step being sent: its level, the levels skipped while Klaxon was away,
    whether it repeats the last level, and how long the incident has waited."""

    level: int
    skipped: tuple[int, ...]
    repeat: bool
    waited: str


class IncidentSurface(Protocol):
    # The declaration
    def build_place(self, incident: Incident, hold: Hold, *, resuming: bool) -> list[str]:
        """Create what is missing of the incident's place (channel, invitations, pinned
        summary, announcement); returns the steps that failed, in the reporter's words."""

    def declaration_completed(self, incident: Incident) -> None:
        """A declaration that had failed steps is complete now."""

    def declaration_abandoned(self, incident: Incident, failures: Sequence[str]) -> None:
        """Klaxon stopped retrying the missing steps of a declaration."""

    # What people did
    def acknowledged(self, incident: Incident, actor: Actor, reason: str) -> None: ...

    def updated(self, incident: Incident, change: Change) -> None: ...

    def follow_up_added(self, incident: Incident, item: FollowUp, actor_id: str) -> None: ...

    def report_published(self, incident: Incident, markdown: str) -> None: ...

    def refreshed(self, incident: Incident) -> None:
        """The incident changed in a way only its living messages show (a counted alert, a
        follow-up done, an escalation level): bring them up to date."""

    # What time brought
    def escalate(self, incident: Incident, target: str, escalation: Escalation) -> bool: ...

    def nudge_lead(self, incident: Incident, waited: str) -> bool: ...

    def nudge_update(self, incident: Incident, silence: str) -> bool: ...

    def remind_follow_ups(self, incident: Incident, open_items: Sequence[FollowUp]) -> bool: ...

    # Types, roles and checklists (PRODUCT.md §15)
    def type_changed(
        self, incident: Incident, kind: IncidentType, actor_id: str, *, checklist_added: bool
    ) -> None:
        """The incident has a new type: invite its people, post its checklist if added."""

    def role_changed(
        self, incident: Incident, label: str, holder_id: str, actor_id: str
    ) -> None: ...

    def checklist_changed(self, incident: Incident) -> None:
        """An item was ticked or unticked: bring the checklist and the summary up to date."""

    def nudge_checklist(self, incident: Incident, items: Sequence[ChecklistItem]) -> bool:
        """Name the open items past their due time in the incident channel."""

    # What the incident's channel brought
    def permalink(self, incident: Incident, message_ts: str) -> str | None:
        """A link to a message in the incident's channel (for pinned messages)."""
