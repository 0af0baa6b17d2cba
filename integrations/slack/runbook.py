"""The Slack side of PRODUCT.md §15: who a type invites (users and @usergroups), the
checklist message in the incident channel, the summary's runbook part, and the start-up
check that every @usergroup a type names exists."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident import types
from incident.privacy import is_private
from incident.services import Services
from incident.vocabulary import Actor, is_slack_user
from integrations.slack import posted_before, runbook_messages
from integrations.slack.client import SlackCode, error_code
from integrations.slack.people import People
from settings.config import Config
from settings.types import IncidentType
from store import checklists, incident_roles, incidents
from store.models import Incident

log = structlog.get_logger("klaxon.runbook")
# What the reporter reads when a private incident's channel cannot be created.
PRIVATE_CHANNEL_FAILED = (
    "the private incident channel could not be created (it needs the groups:write scope, "
    "see slack-manifest.yml); Klaxon never falls back to a public channel"
)


def runbook_of(services: Services, incident: Incident) -> runbook_messages.Runbook:
    kind = types.of(services.config, incident)
    held = incident_roles.of(incident) if services.config.incident_roles else {}
    return runbook_messages.Runbook(
        type_label=kind.label if kind else None,
        private=is_private(incident),
        roles=tuple(
            (name, label, held.get(name)) for name, label in services.config.incident_roles.items()
        ),
        # Only a typed incident has a checklist (from its type): others skip the query.
        checklist=checklists.progress(checklists.of(incident) if incident.incident_type else []),
    )


def invitees(services: Services, kind: IncidentType | None) -> list[str]:
    """The type's users, and the members of its @usergroups (as Slack lists them now)."""
    if kind is None:
        return []
    people: list[str] = []
    if any(invitee.startswith("@") for invitee in kind.invite):
        services.people.refresh_groups()
    for invitee in kind.invite:
        if invitee.startswith("@"):
            people.extend(sorted(services.people.group_members(invitee)))
        else:
            people.append(invitee)
    return [p for p in dict.fromkeys(people) if is_slack_user(p)]


def invite(services: Services, channel_id: str, people: list[str]) -> None:
    """Invite people to the channel; those already in it are no error."""
    people = [p for p in dict.fromkeys(people) if is_slack_user(p)]
    if not people:
        return
    try:
        services.slack.conversations_invite(channel=channel_id, users=",".join(people))
    except SlackApiError as error:
        if error_code(error) != SlackCode.ALREADY_IN_CHANNEL:
            raise


def invite_quietly(services: Services, incident: Incident, people: list[str]) -> None:
    """`invite` for people added after the declaration: a refusal is logged, not raised."""
    if not incident.channel_id:
        return
    try:
        invite(services, incident.channel_id, people)
    except SlackApiError as error:
        log.info("not_invited", error=error_code(error), incident_ref=incident.display_ref)


def slack_user(services: Services, actor: Actor) -> str | None:
    """The actor's Slack user: their id, or the user with their email (an ops API identity);
    None when Slack knows no such person."""
    if actor.user_id or not actor.email:
        return actor.user_id
    try:
        return services.slack.users_lookupByEmail(email=actor.email)["user"]["id"]
    except SlackApiError as error:
        log.info("user_not_found_by_email", error=error_code(error))
        return None


def post_checklist(services: Services, incident: Incident, *, resuming: bool) -> None:
    """Post the checklist message once (found again by its metadata when resuming)."""
    items = checklists.of(incident)
    if not items or incident.checklist_ts or not incident.channel_id:
        return
    kind = posted_before.CHECKLIST
    if resuming:
        found = posted_before.message(services, incident.channel_id, kind, incident)
        if found:
            incidents.update_fields(incident, checklist_ts=found["ts"])
            return
    response = services.slack.chat_postMessage(
        channel=incident.channel_id,
        text=runbook_messages.checklist_text(incident, items),
        blocks=runbook_messages.checklist_blocks(incident, items),
        metadata=posted_before.marker(kind, incident),
    )
    incidents.update_fields(incident, checklist_ts=response["ts"])


def update_checklist(services: Services, incident: Incident) -> None:
    items = checklists.of(incident)
    if not (items and incident.channel_id and incident.checklist_ts):
        return
    try:
        services.slack.chat_update(
            channel=incident.channel_id,
            ts=incident.checklist_ts,
            text=runbook_messages.checklist_text(incident, items),
            blocks=runbook_messages.checklist_blocks(incident, items),
        )
    except SlackApiError as error:
        log.warning("checklist_update_failed", error=error_code(error))


def missing_groups(config: Config, people: People) -> list[str]:
    """One line per @usergroup a type invites that Slack does not know."""
    handles = {
        (name, invitee)
        for name, kind in config.types.items()
        for invitee in kind.invite
        if invitee.startswith("@")
    }
    if not handles:
        return []
    people.refresh_groups()
    return [
        f"config error: [types.{name}].invite: user group {handle} does not exist in Slack"
        for name, handle in sorted(handles)
        if people.group_id(handle) is None
    ]
