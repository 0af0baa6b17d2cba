"""/incident: declare, or, inside an incident channel, run the incident from the keyboard."""

from __future__ import annotations

import structlog

from incident import declare, followups, lifecycle, report
from incident.services import Services
from integrations.slack import subcommands
from integrations.slack.reply import reply
from integrations.slack.surface import post_in_channel
from integrations.slack.text import escape, readable, trim
from store import followups as stored_followups
from store import incidents
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.commands")
REPORT_MAX = 38_000


def dispatch(
    services: Services,
    *,
    user_id: str,
    channel_id: str,
    text: str,
    trigger_id: str,
    response_url: str | None,
    request_id: str | None = None,
) -> None:
    def answer(message: str) -> None:
        reply(services.slack, user_id=user_id, response_url=response_url, text=message)

    try:
        sub, problem = subcommands.parse(text, user_id=user_id), None
    except subcommands.SubcommandError as error:
        sub, problem = None, str(error)
    if sub and sub.name == "help":
        answer(subcommands.HELP)
        return
    incident = incidents.by_channel(channel_id) if (sub or problem) else None
    if incident is None and sub is not None:
        word = text.split()[0].lower()
        answer(
            f"`/incident {word}` works inside an incident channel. Run it there, or "
            "`/incident-ack INC-42` from anywhere. `/incident help` lists everything."
        )
        return
    if incident is not None and problem:
        answer(problem)
        return
    if sub is None:
        declare.open_form(
            services,
            trigger_id=trigger_id,
            user_id=user_id,
            title=readable(text),
            response_url=response_url,
        )
        return
    try:
        answer(run(services, incident, sub, user_id=user_id, request_id=request_id))
    except lifecycle.Refused as refusal:
        answer(str(refusal))


def run(
    services: Services,
    incident: Incident,
    sub: subcommands.Subcommand,
    *,
    user_id: str,
    request_id: str | None,
) -> str:
    """Carry out one subcommand; returns the confirmation for the person who typed it."""
    ref = incident.display_ref
    if sub.name == "report":
        post_report(services, incident)
        return f"The report for {ref} is posted in the channel."
    if sub.name == "followup":
        followups.add(
            services,
            incident,
            text=sub.value,
            owner_id=None,
            actor_id=user_id,
            request_id=request_id,
        )
        return f"Follow-up added to {ref}."
    field = {"lead": "lead_id"}.get(sub.name, sub.name)
    if sub.name == "resolve":
        changes = lifecycle.Changes(status="resolved", resolution=sub.value)
    elif field in ("status", "severity", "lead_id", "title", "description", "impact", "note"):
        changes = lifecycle.Changes(**{field: sub.value})
    else:  # pragma: no cover - parse() returns only the names above
        raise ValueError(sub.name)
    said = lifecycle.update(
        services, incident, actor_id=user_id, changes=changes, request_id=request_id
    )
    if not said:
        return f"Nothing to change: {ref} already has that."
    return f"{ref}: {', '.join(said)}."


def report_markdown(incident: Incident) -> str:
    return report.markdown(
        incident, incidents.timeline(incident), stored_followups.of(incident), now=utcnow()
    )


def post_report(services: Services, incident: Incident) -> None:
    text = trim(report_markdown(incident), REPORT_MAX)
    post_in_channel(
        services,
        incident,
        f"*Post-incident report for {incident.display_ref}* (Markdown, copy it "
        f"into your docs):\n```\n{escape(text)}\n```",
    )
