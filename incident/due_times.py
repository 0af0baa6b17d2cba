"""When timed work falls due: pure functions of an incident, the config and the time.

Workflows call these whenever something changes, and write the result with the change, so
the due times in the database are always the truth and a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from settings.config import Config
from settings.escalation import EscalationLevel

RECONCILE_MAX_RETRY = timedelta(minutes=10)
# After this many failed tries (about 1 h 20 min with the default retry), Slack's refusal
# is taken as final and the reporter is told what is still missing.
RECONCILE_ATTEMPTS = 12


def policy(config: Config, severity: str, kind: str | None = None) -> tuple[EscalationLevel, ...]:
    """The escalation levels for an incident: its type's named policy, if it has one, else
    the policy for its severity, else the default."""
    named = config.types[kind].escalation if kind in config.types else None
    if named:
        return config.escalation[named]
    return config.escalation.get(severity) or config.escalation.get("default") or ()


def on_declared(
    config: Config, severity: str, lead_id: str | None, now: datetime, *, kind: str | None = None
) -> dict:
    levels = policy(config, severity, kind)
    return {
        "next_update_nudge_at": now + config.update_every[severity],
        "next_lead_nudge_at": None if lead_id else now + config.lead_missing_after,
        "next_escalation_at": now + levels[0].after if levels else None,
    }


def on_changed(config: Config, incident, changes: dict, now: datetime) -> dict:
    """Due times after a person changed the incident (any change resets the update clock)."""
    status = changes.get("status", incident.status)
    severity = changes.get("severity", incident.severity)
    due: dict = {"last_update_at": now}
    if status == "resolved":
        due.update(
            next_update_nudge_at=None,
            next_lead_nudge_at=None,
            next_escalation_at=None,
            next_followup_at=now + config.followup_after,
            next_archive_at=now + config.archive_after if config.archive_after else None,
        )
        return due
    due["next_update_nudge_at"] = now + config.update_every[severity]
    if incident.status == "resolved":  # reopened: an open incident's channel stays
        due["next_followup_at"] = None
        due["next_archive_at"] = None
    if changes.get("lead_id"):
        due["next_lead_nudge_at"] = None
    return due


def archive_once_follow_ups_done(config: Config, incident, now: datetime) -> dict:
    """The last open follow-up of a resolved incident is done: its channel is archived
    `archive_after` after resolution (at once if that has passed). Nothing changes for an
    open incident, one already archived, or one whose archiving is over (refused)."""
    if incident.status != "resolved" or incident.next_archive_at is None:
        return {}
    return {"next_archive_at": max(now, incident.resolved_at + config.archive_after)}


def snoozed(now: datetime, minutes: int) -> dict:
    return {"next_update_nudge_at": now + timedelta(minutes=minutes)}


def after_update_nudge(config: Config, incident, now: datetime) -> dict:
    return {"next_update_nudge_at": now + config.update_every[incident.severity]}


@dataclass(frozen=True)
class EscalationStep:
    level: int  # 1-based level to notify now
    targets: tuple[str, ...]
    skipped: tuple[int, ...]  # levels that fell due while nobody was looking
    repeat: bool  # the last level again
    next_at: datetime | None


def escalation_step(config: Config, incident, now: datetime) -> EscalationStep | None:
    """What to notify now, coalescing everything missed into one step.

    After downtime the highest due level is notified once, naming the levels skipped; the
    last level repeats every `repeat` when it has one.
    """
    levels = policy(config, incident.severity, getattr(incident, "incident_type", None))
    if not levels:
        return None
    elapsed = now - incident.declared_at
    due = [index for index, level in enumerate(levels, start=1) if level.after <= elapsed]
    if not due:
        return None
    highest = due[-1]
    current = incident.escalation_level or 0
    last = levels[-1]
    if highest > current:
        skipped = tuple(range(current + 1, highest))
        repeat = False
    elif highest == len(levels) and last.repeat:
        skipped, repeat = (), True
    else:
        return None
    if highest < len(levels):
        next_at = incident.declared_at + levels[highest].after
    else:
        next_at = now + last.repeat if last.repeat else None
    return EscalationStep(highest, levels[highest - 1].notify, skipped, repeat, next_at)


def resume_escalation_at(config: Config, incident) -> datetime | None:
    """When the next level falls due, for an incident with nothing to notify right now."""
    levels = policy(config, incident.severity, getattr(incident, "incident_type", None))
    current = incident.escalation_level or 0
    if current < len(levels):
        return incident.declared_at + levels[current].after
    return None


def retry_at(config: Config, now: datetime) -> datetime:
    """When work whose Slack call failed is tried again."""
    return now + config.scheduler_retry


def next_reconcile(config: Config, attempts: int, now: datetime) -> datetime:
    """Back off from [scheduler].retry (30 s: 30 s, 1 min, 2 min …), at most 10 min apart."""
    delay = min(config.scheduler_retry * (2**attempts), RECONCILE_MAX_RETRY)
    return now + delay
