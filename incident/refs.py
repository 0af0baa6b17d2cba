"""Reading the incident a person means: "INC-42", "42", "#inc-20261122-db", "<#C123|name>"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from store import incidents
from store.models import Incident

_REF = re.compile(r"(?:inc-?)?(\d{1,9})", re.IGNORECASE)
_CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL_NAME = re.compile(r"#([a-z0-9][a-z0-9_-]{0,79})")


@dataclass(frozen=True)
class IncidentRef:
    ref: int | None = None
    channel_id: str | None = None
    channel_name: str | None = None

    def __str__(self) -> str:
        if self.ref is not None:
            return f"INC-{self.ref}"
        return f"<#{self.channel_id}>" if self.channel_id else f"#{self.channel_name}"


class MalformedRef(ValueError):
    pass


def parse(text: str) -> IncidentRef:
    """Raises MalformedRef with a message fit for the person who typed it."""
    text = text.strip()
    if match := _REF.fullmatch(text):
        return IncidentRef(ref=int(match.group(1)))
    if match := _CHANNEL_MENTION.fullmatch(text):
        return IncidentRef(channel_id=match.group(1))
    if match := _CHANNEL_NAME.fullmatch(text):
        return IncidentRef(channel_name=match.group(1))
    raise MalformedRef(
        f"“{text[:80]}” is not an incident I can find: use INC-42, 42 or #channel-name."
    )


def find(target: IncidentRef | str) -> Incident | None:
    """The incident named by a parsed ref, or by its uuid."""
    if isinstance(target, str):
        return incidents.get(target)
    if target.ref is not None:
        return incidents.by_ref(target.ref)
    if target.channel_id:
        return incidents.by_channel(target.channel_id)
    return incidents.by_channel_name(target.channel_name)
