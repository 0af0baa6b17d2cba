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


@dataclass(frozen=True)
class Archiving:
    """Slack's answer to archiving an incident's channel: done, refused (`refused` is its
    error code: final, never retried), or neither (no answer: try again later)."""

    done: bool
    refused: str | None = None


class IncidentSurface(Protocol):
    # The declaration
    def place_name(self, incident: Incident) -> str | None:
        """The name the incident's place is tried under first (no call to Slack): the
        declaration reserves it with the incident's row when no other incident has it.
        Asked first before the incident's ref is known (its `ref` is None): None then if
        the name is made of the ref, and it is asked again once the ref is taken."""

    def name_place(self, incident: Incident) -> None:
        """Reserve the name of the incident's place on its row, inside the declaration's
        transaction (no call to Slack), so that building it starts with the channel."""

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

    def report_published(self, incident: Incident, markdown: str) -> str | None:
        """Post the report in the incident's channel; the message's ts, or None if it
        could not be posted."""

    def refreshed(self, incident: Incident) -> None:
        """The incident changed in a way only its living messages show (a counted alert, a
        follow-up done, an escalation level): bring them up to date."""

    # What time brought
    def escalate(self, incident: Incident, target: str, escalation: Escalation) -> bool: ...

    def nudge_lead(self, incident: Incident, waited: str) -> bool: ...

    def nudge_update(self, incident: Incident, silence: str) -> bool: ...

    def remind_follow_ups(self, incident: Incident, open_items: Sequence[FollowUp]) -> bool: ...

    # Tidy channels ([lifecycle] archive_after)
    def archive_channel(self, incident: Incident, *, open_follow_ups: int) -> Archiving:
        """Say so in the channel, then archive it (Slack removes Klaxon from it)."""

    def channel_unarchived(self, incident: Incident) -> bool:
        """A person unarchived the channel: join it again and say how to reopen; False if
        Klaxon could not join (a private channel needs a person to invite it)."""

    def invited_back(self, incident: Incident, inviter_id: str | None) -> None:
        """A person invited Klaxon back into the unarchived (private) channel: say so
        there, and how to reopen."""

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


@dataclass(frozen=True)
class MirrorUpdate:
    """One published update as a hosted status page receives it: public fields only."""

    status: str
    body: str
    components: dict[str, str]  # our component name -> impact; absent: operational


@dataclass(frozen=True)
class Mirrored:
    """How far a push got: the incident's id there (None if it could not be created),
    how many updates are there now, and why it stopped short (None: all went out)."""

    mirror_id: str | None
    pushed: int
    error: str | None = None


class StatusPageMirror(Protocol):
    """A hosted status page that mirrors what people publish (Atlassian Statuspage)."""

    def push(
        self,
        title: str,
        mirror_id: str | None,
        updates: Sequence[MirrorUpdate],
        already: int,
    ) -> Mirrored:
        """Send `updates[already:]` (creating the incident there first when `mirror_id` is
        None), in order, stopping at the first failure. Never raises."""


# Paging outside Slack (PRODUCT §14): one Pager per provider, in `services.pagers`.
@dataclass(frozen=True)
class PageContent:
    """What a page tells the provider; built in one place, incident/paging.py
    `page_content`, which decides what may leave Klaxon."""

    summary: str  # "[SEV1] INC-42 Checkout is down"
    severity: str  # SEV1 … SEV4; each provider maps it to its own scale
    link: str | None  # to the incident's channel
    details: dict[str, str]  # ref, status, lead, impact


@dataclass(frozen=True)
class Delivery:
    """How one call to a provider went: `error` in a few words when it failed, and the
    provider's Retry-After in seconds when it gave one."""

    ok: bool
    error: str = ""
    retry_after: float | None = None


class Pager(Protocol):
    """A paging provider. `key` is the incident's id (PagerDuty's dedup_key, Opsgenie's
    alias), so a repeated call never opens a second page; `name` is the target after the
    colon (a routing key's name, a team). Never raises: a failure is a Delivery."""

    def page(self, key: str, name: str, content: PageContent) -> Delivery: ...

    def acknowledge(self, key: str, name: str) -> Delivery: ...

    def resolve(self, key: str, name: str) -> Delivery: ...
