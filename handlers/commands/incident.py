"""/incident [title | subcommand]: declare, or run the incident from its channel.

Plain text is a title: the declare modal opens right away (no database query before
views.open); the incidents declared lately are added to it afterwards with views.update,
from the background pool. A subcommand runs on the background pool in the incident of the
channel it was typed in; each declares the permission it needs below. Text that starts
with a subcommand word but cannot be one ("status page down") is a title outside an
incident channel and a mistake inside one: only then is the database read (one indexed
lookup) before it is known what to open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from slack_sdk.errors import SlackApiError

from handlers.interaction import Interaction, of_command
from handlers.status_page_form import open_form as open_status_page_form
from incident import (
    archiving,
    declare,
    followups,
    incident_roles,
    lifecycle,
    report,
    status_page,
    timeline_edits,
    types,
)
from incident.access import Caller
from incident.services import Services
from incident.vocabulary import Changes, Permission
from integrations.slack import (
    archive,
    declare_modal,
    replies,
    runbook_replies,
    status_page_command,
    status_page_replies,
    subcommands,
    timeline_modal,
    timeline_replies,
)
from integrations.slack.client import error_code
from integrations.slack.text import readable

log = structlog.get_logger("klaxon.commands")


@dataclass(frozen=True)
class Run:
    permission: Permission
    # (services, caller, incident id, value) -> the reply
    run: Callable[[Services, Caller, str, str], replies.Reply | str]


SUBCOMMANDS: dict[str, Run] = {}


def subcommand(name: str, permission: Permission):
    """Register what `/incident <name> …` does, and the permission it needs."""

    def register(run):
        SUBCOMMANDS[name] = Run(permission, run)
        return run

    return register


def _changing(field: str):
    def change(services: Services, caller: Caller, incident_id: str, value: str) -> str:
        return _change(services, caller, incident_id, Changes(**{field: value}))

    return change


def _change(services: Services, caller: Caller, incident_id: str, changes: Changes) -> str:
    return replies.change_text(lifecycle.update(services, caller, incident_id, changes))


for _name, _field, _permission in (
    ("status", "status", Permission.STEER),
    ("severity", "severity", Permission.STEER),
    ("lead", "lead_id", Permission.STEER),
    ("title", "title", Permission.EDIT),
    ("description", "description", Permission.EDIT),
    ("impact", "impact", Permission.EDIT),
    ("note", "note", Permission.EDIT),
    ("rootcause", "root_cause", Permission.EDIT),
):
    subcommand(_name, _permission)(_changing(_field))


@subcommand("resolve", Permission.STEER)
def _resolve(services: Services, caller: Caller, incident_id: str, value: str) -> str:
    said = _change(services, caller, incident_id, Changes(status="resolved", resolution=value))
    if status_page.still_public(incident_id):
        said += "\n" + status_page_replies.STILL_PUBLIC
    return said


@subcommand("followup", Permission.FOLLOW_UP)
def _follow_up(services: Services, caller: Caller, incident_id: str, value: str):
    return replies.follow_up_added_reply(followups.add(services, caller, incident_id, text=value))


@subcommand("report", Permission.REPORT)
def _report(services: Services, caller: Caller, incident_id: str, value: str):
    return replies.report_reply(report.publish(services, caller, incident_id))


@subcommand("statuspage", Permission.PUBLISH)
def _status_page(services: Services, caller: Caller, incident_id: str, value: str):
    # What the person typed, not Slack's escaping of it (the page escapes it itself).
    asked = status_page_command.parse(readable(value))
    return status_page_replies.published_reply(
        status_page.publish(services, caller, incident_id, asked)
    )


@subcommand("type", Permission.CHANGE_TYPE)
def _type(services: Services, caller: Caller, incident_id: str, value: str) -> str:
    return runbook_replies.type_reply(types.change(services, caller, incident_id, value))


@subcommand("role", Permission.CLAIM_ROLE)  # assigning to others needs ASSIGN_ROLE as well
def _role(services: Services, caller: Caller, incident_id: str, value: str) -> str:
    role, holder = value.split(" ", 1)
    outcome = incident_roles.assign(services, caller, incident_id, role, holder)
    return runbook_replies.role_reply(outcome)


def _in_incident(
    services: Services, caller: Caller, channel_id: str, sub: subcommands.Subcommand, word: str
):
    incident = lifecycle.in_channel(channel_id)
    if incident is None:
        return (
            f"`/incident {word}` works inside an incident channel. Run it there, or "
            "`/incident-ack INC-42` from anywhere. `/incident help` lists everything."
        )
    if archiving.left_out(incident):  # Slack still delivers the command; the reply goes
        if not archive.is_member(services, incident):  # by response_url
            return archive.invite_back_text(incident)
        # Invited back while Klaxon was not listening: it is back now.
        archiving.invited_back(services, channel_id=channel_id, inviter_id=None)
    return SUBCOMMANDS[sub.name].run(services, caller, str(incident.id), sub.value)


def handle(ack, command: dict, context) -> None:
    interaction = of_command(ack, command, context)
    text = command.get("text") or ""
    channel_id = command.get("channel_id", "")
    try:
        sub, problem = subcommands.parse(text, user_id=interaction.user_id), None
    except subcommands.SubcommandError as error:
        sub, problem = None, str(error)
    if sub and sub.name == "help":
        interaction.say(subcommands.HELP)
    elif sub and sub.name == "statuspage" and not sub.value:
        interaction.right_away(
            "open_status_page_form", _status_page_form, channel_id, command["trigger_id"]
        )
    elif sub and sub.name == "timeline":
        interaction.right_away(
            "open_timeline_form", _timeline_form, channel_id, command["trigger_id"]
        )
    elif sub:
        interaction.run(
            "incident_subcommand",
            SUBCOMMANDS[sub.name].permission,
            _in_incident,
            channel_id,
            sub,
            text.split()[0].lower(),
            reply_with=lambda answer: answer,
        )
    elif problem:
        interaction.right_away(
            "declare_form", _problem_or_title, channel_id, problem, command["trigger_id"], text
        )
    else:
        interaction.right_away("declare_form", _open_declare_modal, command["trigger_id"], text)


def _status_page_form(interaction: Interaction, channel_id: str, trigger_id: str) -> None:
    """`/incident statuspage` alone: the publish form, for the incident of this channel."""
    incident = lifecycle.in_channel(channel_id)
    if incident is None:
        interaction.answer("`/incident statuspage` works inside an incident channel.")
        return
    open_status_page_form(interaction, str(incident.id), trigger_id)


def _timeline_form(interaction: Interaction, channel_id: str, trigger_id: str) -> None:
    """`/incident timeline`: the form to add or remove an entry, for those who may edit the
    timeline (one indexed lookup and the permission check before views.open)."""
    found = interaction.call(Permission.EDIT_TIMELINE, timeline_edits.editable, channel_id)
    if isinstance(found, timeline_edits.NotAnIncidentChannel):
        interaction.answer(timeline_replies.TIMELINE_FORM_ELSEWHERE)
        return
    if not isinstance(found, timeline_edits.Editable):
        interaction.answer(replies.refusal_text(found))
        return
    view = timeline_modal.modal(found.incident, found.removable)
    try:
        interaction.services.slack.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("modal_not_opened", kind="timeline", error=error_code(error))
        interaction.answer(replies.form_not_opened(error))


def _problem_or_title(
    interaction: Interaction, channel_id: str, problem: str, trigger_id: str, text: str
) -> None:
    if lifecycle.in_channel(channel_id) is not None:
        interaction.answer(problem)
    else:
        _open_declare_modal(interaction, trigger_id, text)


def _open_declare_modal(interaction: Interaction, trigger_id: str, text: str) -> None:
    """Open the modal now (Slack gives 3 seconds from the command), then list what was
    declared lately in it."""
    response_url = interaction.response_url
    metadata = {"response_url": response_url} if response_url else {}
    title = readable(text)
    opened_at = datetime.now(UTC)
    try:
        opened = interaction.services.slack.views_open(
            trigger_id=trigger_id,
            view=declare_modal.modal(title, metadata, types=interaction.services.config.types),
        )
    except SlackApiError as error:
        log.warning("declare_form_not_opened", error=error_code(error))
        interaction.answer(replies.form_not_opened(error, declare=True))
        return
    view = opened["view"]
    interaction.run(
        "declare_form_recent",
        Permission.DECLARE,
        _add_recent,
        view["id"],
        view.get("hash"),
        title,
        metadata,
        opened_at,
        reply_with=lambda _: None,
    )


def _add_recent(services: Services, caller: Caller, view_id, view_hash, title, metadata, opened_at):
    recent = declare.recent(before=opened_at)
    if not recent:
        return
    try:
        services.slack.views_update(
            view_id=view_id,
            hash=view_hash,
            view=declare_modal.modal(title, metadata, recent, services.config.types),
        )
    except SlackApiError as error:  # submitted or closed meanwhile: the list is a courtesy
        log.info("declare_form_not_updated", error=error_code(error))


def register(app) -> None:
    app.command("/incident")(handle)
