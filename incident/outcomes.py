"""Outcomes shared by several use cases. Each use case returns a value (one of its own
outcome dataclasses, one of these, `access.Denied` or `vocabulary.Refused`), never reply
wording; `integrations.slack.replies` and the ops API turn it into words."""

from __future__ import annotations

from dataclasses import dataclass

from store.models import Incident


@dataclass(frozen=True)
class NotFound:
    """The incident (or follow-up) asked for does not exist (any more)."""

    target: str = ""


@dataclass(frozen=True)
class Done:
    """The use case did what was asked; nothing more to say than which incident."""

    incident: Incident
