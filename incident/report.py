"""The post-incident report: Markdown, a pure function of the incident, its records and the
display names of the people in it (`markdown`); `for_incident` reads those records,
`publish` (and `post`, when the incident is resolved) refreshes the names from Slack, posts
the report in the incident's channel and records where (the Home tab links to it).

Times are ISO-8601 UTC so the report reads the same wherever it is pasted. The four times
(to detect, acknowledge, mitigate and resolve) are measured from when impact started, as
recorded by people (the Update modal, `/incident timeline`); without it, from the
declaration, which then is also when it was detected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from incident.outcomes import Done, NotFound
from incident.timeline import spans
from incident.vocabulary import SLACK_USER_ID
from settings.durations import humanize
from store import followups, incident_roles, incidents, person_names
from store.fields import utcnow

ROOT_CAUSE_PLACEHOLDER = (
    "_To be written by the team: what made this incident possible, and why it was not "
    "caught earlier. `/incident rootcause …` records it._"
)
# Someone whose name Klaxon has not cached (Slack does not know them, or `klaxon report`
# ran without SLACK_BOT_TOKEN before any report was posted): still never a raw id.
UNKNOWN_PERSON = "someone Klaxon has no name for"
_MENTION = re.compile(rf"<@({SLACK_USER_ID.pattern})(?:\|[^>]*)?>")
_WORD = re.compile(rf"\b{SLACK_USER_ID.pattern}\b")
# An id written after an "@" in text Klaxon composed ("Comms: @U123 (was @U456)").
_AT_ID = re.compile(rf"@?\b({SLACK_USER_ID.pattern})\b")


def iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "—"


class Names:
    """How people are written in the report: "@display name", never a Slack id."""

    def __init__(self, names: Mapping[str, str], people: Iterable[str]) -> None:
        self._names = dict(names)
        # Bare ids are replaced in text only when they are the incident's people, so a
        # word that merely looks like one ("UTC") stays as it is.
        self._people = {p for p in people if p and SLACK_USER_ID.fullmatch(p)}

    def person(self, user_id: str | None) -> str:
        if not user_id:
            return "—"
        if user_id in self._names:
            return f"@{self._names[user_id]}"
        # Ops API callers are emails, forgotten people pseudonyms: those are no ids.
        return UNKNOWN_PERSON if SLACK_USER_ID.fullmatch(user_id) else user_id

    def text(self, text: str) -> str:
        text = _MENTION.sub(lambda m: self.person(m.group(1)), text)
        return _AT_ID.sub(
            lambda m: self.person(m.group(1)) if m.group(1) in self._people else m.group(0), text
        )


def people_of(incident, timeline, follow_ups, roles: Mapping[str, str]) -> set[str]:
    """Every Slack user the report names: in its fields, its records and its texts."""
    people = {
        incident.lead_id,
        incident.reporter_id,
        incident.acknowledged_by_id,
        *roles.values(),
    }
    for event in timeline:
        people.add(event.actor_id)
        people.update(_MENTION.findall(event.text))
        if event.kind == "lead":  # "Lead: U1 → U2"
            people.update(_WORD.findall(event.text.partition(":")[2]))
        people.update(m for m in _AT_ID.findall(event.text) if f"@{m}" in event.text)
    for item in follow_ups:
        people.update((item.owner_id, item.created_by, item.done_by))
    for text in (incident.description, incident.impact, incident.resolution, incident.root_cause):
        people.update(_MENTION.findall(text or ""))
    return {p for p in people if p and SLACK_USER_ID.fullmatch(p)}


def _took(span) -> str:
    return humanize(span) if span is not None else "—"


def _times(incident, now: datetime) -> list[str]:
    took = spans(incident)
    since = "impact start" if took.from_impact else "declaration; impact start not recorded"
    ongoing = "" if incident.resolved_at else f" (still open: {humanize(now - took.origin)} so far)"
    return [
        f"- **Impact started:** {iso(incident.impact_started_at)}",
        f"- **Mitigated:** {iso(incident.mitigated_at)}",
        f"- **Times (from {since}):** detect {_took(took.detect)}"
        f" · acknowledge {_took(took.acknowledge)}"
        f" · mitigate {_took(took.mitigate)}"
        f" · resolve {_took(took.resolve)}{ongoing}",
    ]


def markdown(incident, timeline, follow_ups, *, now: datetime, roles=None, names=None) -> str:
    """`roles`: the incident's [incident_roles] holders (role name -> user id), if any;
    `names`: display names by Slack user id (those missing read as UNKNOWN_PERSON)."""
    roles = roles or {}
    who = Names(names or {}, people_of(incident, timeline, follow_ups, roles))
    end = incident.resolved_at or now
    duration = humanize(end - incident.declared_at)
    if incident.resolved_at is None:
        duration += " (still open)"
    notes = [e for e in timeline if e.kind == "note"]
    lines = [
        f"# {incident.display_ref}: {incident.title}",
        "",
        f"- **Date:** {incident.declared_at:%Y-%m-%d}",
        f"- **Severity:** {incident.severity}",
        f"- **Status:** {incident.status}",
        f"- **Lead:** {who.person(incident.lead_id)}",
        f"- **Reporter:** {who.person(incident.reporter_id)}",
        *_runbook_lines(incident, roles, who),
        f"- **Detected:** {iso(incident.declared_at)}",
        f"- **Acknowledged:** {iso(incident.acknowledged_at)}"
        + (f" by {who.person(incident.acknowledged_by_id)}" if incident.acknowledged_at else ""),
        f"- **Resolved:** {iso(incident.resolved_at)}",
        f"- **Duration:** {duration}",
        *_times(incident, now),
        "",
        "## What happened",
        "",
        who.text(incident.description.strip()) or "_No description was given._",
    ]
    if notes:
        lines += ["", "Updates:", ""]
        lines += [
            f"- {iso(e.occurred_at)} {who.person(e.actor_id)}: {who.text(e.text)}" for e in notes
        ]
    if incident.resolution.strip():
        lines += ["", f"Resolution: {who.text(incident.resolution.strip())}"]
    lines += [
        "",
        "## Impact",
        "",
        who.text(incident.impact.strip()) or "_No impact was recorded._",
        "",
        "## Root cause",
        "",
        who.text(incident.root_cause.strip()) or ROOT_CAUSE_PLACEHOLDER,
        "",
        "## Actions taken",
        "",
    ]
    for event in timeline:
        link = f" ({event.permalink})" if event.permalink else ""
        lines.append(
            f"- {iso(event.occurred_at)} {who.person(event.actor_id)}: "
            f"{who.text(_timeline_text(event))}{link}"
        )
    lines += ["", "## Prevention", ""]
    if follow_ups:
        for item in follow_ups:
            box = "x" if item.done_at else " "
            owner = f" (owner {who.person(item.owner_id)})" if item.owner_id else " (no owner)"
            lines.append(f"- [{box}] {who.text(item.text)}{owner}")
    else:
        lines.append("_No follow-ups yet: add them with `/incident followup …`._")
    return "\n".join(lines) + "\n"


def _runbook_lines(incident, roles: Mapping[str, str], who: Names) -> list[str]:
    """The type (and privacy) and the roles beside the lead, when the incident has them."""
    lines = []
    kind = getattr(incident, "incident_type", None)
    if kind or getattr(incident, "private", False):
        private = " (private)" if getattr(incident, "private", False) else ""
        lines.append(f"- **Type:** {kind or 'general'}{private}")
    lines += [f"- **{role.title()}:** {who.person(holder)}" for role, holder in roles.items()]
    return lines


def _timeline_text(event) -> str:
    return f"Pinned: {event.text}" if event.kind == "pin" else event.text


def for_incident(incident, *, refresh_names=None) -> str:
    """The report of a stored incident, as of now. `refresh_names(user ids)` asks Slack for
    the names missing from the cache or stale (the daemon; `klaxon report` when it has a
    token); the report then reads every name from the cache."""
    timeline = incidents.timeline(incident)
    follow_ups = followups.of(incident)
    roles = incident_roles.of(incident)
    people = people_of(incident, timeline, follow_ups, roles)
    if refresh_names is not None:
        refresh_names(people)
    return markdown(
        incident,
        timeline,
        follow_ups,
        now=utcnow(),
        roles=roles,
        names=person_names.known(people),
    )


def publish(services, caller, incident_id: str) -> Done | NotFound:
    """Post the report where the incident's people read it (`/incident report`)."""
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    post(services, incident)
    return Done(incident)


def post(services, incident) -> None:
    """Post the report in the incident's channel (on resolution, and on `/incident report`)
    and record where: the Home tab links to the report posted last."""
    markdown_text = for_incident(incident, refresh_names=services.people.refresh_names)
    ts = services.surface.report_published(incident, markdown_text)
    if ts is not None:
        incidents.update_fields(incident, report_channel_id=incident.channel_id, report_ts=ts)
