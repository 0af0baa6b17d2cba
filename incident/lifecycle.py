"""Update and resolve: change an incident's fields, persist each change as a timeline
event, then tell Slack (channel line, summary and announcement edited in place, the
incidents channel for raised severity, resolution and reopening)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import structlog

from incident import acknowledge, due_times
from incident.services import Services
from integrations.slack.declare_modal import DESCRIPTION_MAX, IMPACT_MAX, TITLE_MAX
from integrations.slack.surface import announce, post_in_channel, refresh_messages
from integrations.slack.text import escape, trim
from observability import metrics
from settings.durations import humanize
from store import audit, incidents
from store.fields import utcnow
from store.models import SEVERITIES, Incident

log = structlog.get_logger("klaxon.lifecycle")

# Status moves people may make; `open` is where incidents start, never where they return.
TRANSITIONS = {
    "open": {"acknowledged", "monitoring", "resolved"},
    "acknowledged": {"monitoring", "resolved"},
    "monitoring": {"acknowledged", "resolved"},
    "resolved": {"monitoring"},
}
STEERING_FIELDS = {"status", "severity", "lead_id"}
LIMITS = {"title": TITLE_MAX, "impact": IMPACT_MAX, "description": DESCRIPTION_MAX}
NOTE_MAX = 2900


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


class Refused(Exception):
    """The change is not allowed; `field` says which input it is about (for modals)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def transition_error(current: str, target: str) -> str | None:
    if target == current:
        return None
    if target == "open":
        return "An incident cannot go back to open."
    if target not in TRANSITIONS.get(current, set()):
        return f"Cannot move from {current} to {target}."
    return None


def may_steer(services: Services, incident: Incident, user_id: str) -> bool:
    """The lead, the reporter and holders of the ops role steer an incident."""
    if user_id in (incident.lead_id, incident.reporter_id):
        return True
    allowed, _ = services.roles.holds(user_id, services.config.ack_role)
    return allowed


def _effective(incident: Incident, changes: Changes) -> dict:
    """Only the fields whose value really changes."""
    effective = {}
    for item in fields(changes):
        if item.name in ("note", "resolution"):
            continue
        value = getattr(changes, item.name)
        if value is not None and value != getattr(incident, item.name):
            effective[item.name] = value
    return effective


def check(
    services: Services,
    incident: Incident,
    *,
    actor_id: str,
    changes: Changes,
    request_id: str | None = None,
    system: bool = False,
) -> dict:
    """The fields that would really change. Raises Refused for a forbidden transition, a
    value out of bounds, or a person who may not steer the incident (audited)."""
    effective = _effective(incident, changes)
    if "status" in effective:
        error = transition_error(incident.status, effective["status"])
        if error:
            raise Refused(error, "status")
    if "severity" in effective and effective["severity"] not in SEVERITIES:
        raise Refused("Severity is SEV1 (worst) to SEV4.", "severity")
    for name, limit in LIMITS.items():
        if len(effective.get(name, "")) > limit:
            raise Refused(f"Keep the {name} under {limit} characters.", name)
    # Anyone may fill an empty lead seat (the lead nudge asks exactly that).
    filling_lead = incident.lead_id is None and effective.keys() == {"lead_id"}
    if (
        STEERING_FIELDS & effective.keys()
        and not filling_lead
        and not system
        and not may_steer(services, incident, actor_id)
    ):
        audit.record(
            "incident_change_denied",
            actor_id=actor_id,
            incident=incident,
            request_id=request_id,
            fields=sorted(effective),
        )
        log.warning(
            "incident_change_denied",
            user=actor_id,
            fields=sorted(effective),
            incident_ref=incident.display_ref,
        )
        metrics.access_denied.labels("change").inc()
        field = next(f for f in ("status", "severity", "lead_id") if f in effective)
        raise Refused(
            "Only the lead, the reporter or a holder of the "
            f"{services.config.ack_role} role can change status, severity or lead, or resolve.",
            {"lead_id": "lead"}.get(field, field),
        )
    return effective


def update(
    services: Services,
    incident: Incident,
    *,
    actor_id: str,
    changes: Changes,
    request_id: str | None = None,
    system: bool = False,
) -> list[str]:
    """Apply `changes`; returns a short description of each change made.

    Raises Refused (and changes nothing) when `check` refuses.
    """
    effective = check(
        services, incident, actor_id=actor_id, changes=changes, request_id=request_id, system=system
    )
    if effective.get("status") == "acknowledged" and incident.acknowledged_at is None:
        result = acknowledge.acknowledge(
            services, user_id=actor_id, target=str(incident.id), request_id=request_id
        )
        if result.outcome not in ("acknowledged", "already_acknowledged"):
            raise Refused(result.message, "status")
        incident = incidents.get(incident.id)
        effective = _effective(incident, changes)
    note = (changes.note or "").strip()
    if not effective and not note:
        return []

    now = utcnow()
    events, said = _describe(incident, effective, note)
    was = {name: getattr(incident, name) for name in effective}
    if note:
        effective["latest_update"] = trim(note, NOTE_MAX)
    if effective.get("status") == "resolved":
        effective["resolved_at"] = now
        effective["resolution"] = (changes.resolution or "").strip()
    elif "status" in effective and was["status"] == "resolved":
        effective["resolved_at"] = None
    timers = due_times.on_changed(services.config, incident, effective, now)
    incidents.apply_changes(incident, {**effective, **timers}, events, actor_id=actor_id, now=now)
    audit.record(
        "incident_updated",
        actor_id=actor_id,
        incident=incident,
        request_id=request_id,
        fields=sorted(effective),
    )
    log.info(
        "incident_updated",
        incident_ref=incident.display_ref,
        user=actor_id,
        fields=sorted(effective),
    )
    _tell_slack(services, incident, was, effective, note, actor_id)
    return said


def _describe(incident: Incident, effective: dict, note: str):
    events, said = [], []
    for name, value in effective.items():
        old = getattr(incident, name)
        if name == "status":
            kind = {"resolved": "resolved"}.get(value, "status")
            if old == "resolved":
                kind = "reopened"
            events.append((kind, f"Status: {old} → {value}"))
            said.append(f"status is now *{value}*")
        elif name == "severity":
            events.append(("severity", f"Severity: {old} → {value}"))
            said.append(f"severity is now *{value}*")
        elif name == "lead_id":
            events.append(("lead", f"Lead: {old or 'none'} → {value}"))
            said.append(f"<@{value}> is now the lead")
        else:
            events.append((name, f"{name.capitalize()} changed to: {value}"))
            said.append(f"{name} updated")
    if note:
        events.append(("note", note))
        said.append("update posted")
    return events, said


def _tell_slack(services, incident, was: dict, effective: dict, note: str, actor_id: str):
    ref = incident.display_ref
    title = escape(incident.title)
    if note:
        post_in_channel(services, incident, f":memo: *Update* from <@{actor_id}>:\n{escape(note)}")
    if "lead_id" in effective and incident.channel_id:
        try:
            services.slack.conversations_invite(
                channel=incident.channel_id, users=effective["lead_id"]
            )
        except Exception as error:  # already in the channel, or not invitable: not fatal
            log.info("lead_not_invited", error=str(error)[:200])
    changed = [k for k in ("status", "severity", "lead_id") if k in effective]
    if changed and effective.get("status") != "resolved":
        parts = []
        if "status" in effective:
            parts.append(f"status *{was['status']}* → *{effective['status']}*")
        if "severity" in effective:
            parts.append(f"severity *{was['severity']}* → *{effective['severity']}*")
        if "lead_id" in effective:
            parts.append(f"lead <@{effective['lead_id']}>")
        post_in_channel(
            services,
            incident,
            f":arrows_counterclockwise: {ref}: {', '.join(parts)} (by <@{actor_id}>)",
        )
    if "severity" in effective and effective["severity"] < was["severity"]:
        announce(
            services,
            incident,
            f":arrow_up: {ref} raised to *{effective['severity']}* "
            f"(was {was['severity']}): {title} · <#{incident.channel_id}>",
        )
    if effective.get("status") == "resolved":
        _announce_resolution(services, incident, actor_id)
    elif was.get("status") == "resolved":
        post_in_channel(services, incident, f":rotating_light: {ref} reopened by <@{actor_id}>")
        announce(
            services,
            incident,
            f":rotating_light: {ref} reopened ({incident.status}): {title}"
            + (f" · <#{incident.channel_id}>" if incident.channel_id else ""),
        )
    refresh_messages(services, incident)


def durations(incident: Incident) -> tuple[str, str]:
    ack = (
        humanize(incident.acknowledged_at - incident.declared_at)
        if incident.acknowledged_at
        else "never acknowledged"
    )
    resolve = humanize((incident.resolved_at or utcnow()) - incident.declared_at)
    return ack, resolve


def _announce_resolution(services: Services, incident: Incident, actor_id: str) -> None:
    to_ack, to_resolve = durations(incident)
    metrics.time_to_resolve.observe((incident.resolved_at - incident.declared_at).total_seconds())
    resolution = f"\n>{escape(incident.resolution)}" if incident.resolution else ""
    post_in_channel(
        services,
        incident,
        f":white_check_mark: {incident.display_ref} resolved by <@{actor_id}>.{resolution}\n"
        f"Time to acknowledge: *{to_ack}* · time to resolve: *{to_resolve}*\n"
        "Next: `/incident report` for the post-incident report, `/incident followup …` "
        "for action items.",
    )
    announce(
        services,
        incident,
        f":white_check_mark: {incident.display_ref} resolved after {to_resolve}:"
        f" {escape(incident.title)}",
    )
