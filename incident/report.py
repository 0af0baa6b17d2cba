"""The post-incident report: Markdown, a pure function of the incident and its records
(`markdown`); `for_incident` reads those records, `publish` posts the report.

Times are ISO-8601 UTC so the report reads the same wherever it is pasted.
"""

from __future__ import annotations

from datetime import datetime

from incident.outcomes import Done, NotFound
from settings.durations import humanize
from store import followups, incident_roles, incidents
from store.fields import utcnow

ROOT_CAUSE_PLACEHOLDER = (
    "_To be written by the team: what made this incident possible, and why it was not "
    "caught earlier._"
)


def iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "—"


def _person(user_id: str | None) -> str:
    return f"@{user_id}" if user_id else "—"


def markdown(incident, timeline, follow_ups, *, now: datetime, roles=None) -> str:
    """`roles`: the incident's [incident_roles] holders (role name -> user id), if any."""
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
        f"- **Lead:** {_person(incident.lead_id)}",
        f"- **Reporter:** {_person(incident.reporter_id)}",
        *_runbook_lines(incident, roles or {}),
        f"- **Detected:** {iso(incident.declared_at)}",
        f"- **Acknowledged:** {iso(incident.acknowledged_at)}"
        + (f" by {_person(incident.acknowledged_by_id)}" if incident.acknowledged_at else ""),
        f"- **Resolved:** {iso(incident.resolved_at)}",
        f"- **Duration:** {duration}",
        "",
        "## What happened",
        "",
        incident.description.strip() or "_No description was given._",
    ]
    if notes:
        lines += ["", "Updates:", ""]
        lines += [f"- {iso(e.occurred_at)} {_person(e.actor_id)}: {e.text}" for e in notes]
    if incident.resolution.strip():
        lines += ["", f"Resolution: {incident.resolution.strip()}"]
    lines += [
        "",
        "## Impact",
        "",
        incident.impact.strip() or "_No impact was recorded._",
        "",
        "## Root cause",
        "",
        ROOT_CAUSE_PLACEHOLDER,
        "",
        "## Actions taken",
        "",
    ]
    for event in timeline:
        link = f" ({event.permalink})" if event.permalink else ""
        lines.append(
            f"- {iso(event.occurred_at)} {_person(event.actor_id)}: {_timeline_text(event)}{link}"
        )
    lines += ["", "## Prevention", ""]
    if follow_ups:
        for item in follow_ups:
            box = "x" if item.done_at else " "
            owner = f" (owner {_person(item.owner_id)})" if item.owner_id else " (no owner)"
            lines.append(f"- [{box}] {item.text}{owner}")
    else:
        lines.append("_No follow-ups yet: add them with `/incident followup …`._")
    return "\n".join(lines) + "\n"


def _runbook_lines(incident, roles: dict) -> list[str]:
    """The type (and privacy) and the roles beside the lead, when the incident has them."""
    lines = []
    kind = getattr(incident, "incident_type", None)
    if kind or getattr(incident, "private", False):
        private = " (private)" if getattr(incident, "private", False) else ""
        lines.append(f"- **Type:** {kind or 'general'}{private}")
    lines += [f"- **{role.title()}:** {_person(holder)}" for role, holder in roles.items()]
    return lines


def _timeline_text(event) -> str:
    return f"Pinned: {event.text}" if event.kind == "pin" else event.text


def for_incident(incident) -> str:
    """The report of a stored incident, as of now."""
    return markdown(
        incident,
        incidents.timeline(incident),
        followups.of(incident),
        now=utcnow(),
        roles=incident_roles.of(incident),
    )


def publish(services, caller, incident_id: str) -> Done | NotFound:
    """Post the report where the incident's people read it (`/incident report`)."""
    incident = incidents.get(incident_id)
    if incident is None:
        return NotFound(incident_id)
    services.surface.report_published(incident, for_incident(incident))
    return Done(incident)
