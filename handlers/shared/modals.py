"""The Update, Resolve and Add follow-up modals: opening them from buttons and applying what
was submitted."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident import followups, lifecycle
from incident.services import Services
from integrations.slack import incident_modals
from integrations.slack.client import error_code
from integrations.slack.reply import reply
from store import incidents

log = structlog.get_logger("klaxon.forms")
OPENERS = {
    "update": incident_modals.update_modal,
    "resolve": incident_modals.resolve_modal,
    "followup": incident_modals.followup_modal,
}


def open_modal(
    services: Services,
    kind: str,
    *,
    incident_id: str,
    trigger_id: str,
    user_id: str,
    response_url: str | None,
    request_id: str | None = None,
) -> None:
    def answer(text: str) -> None:
        reply(services.slack, user_id=user_id, response_url=response_url, text=text)

    incident = incidents.get(incident_id)
    if incident is None:
        answer("That incident no longer exists.")
        return
    if kind == "resolve":
        if incident.status == "resolved":
            answer(f"{incident.display_ref} is already resolved.")
            return
        try:  # refuse before the form opens, with the same rule (and audit) as a submission
            lifecycle.check(
                services,
                incident,
                actor_id=user_id,
                request_id=request_id,
                changes=lifecycle.Changes(status="resolved"),
            )
        except lifecycle.Refused as refusal:
            answer(str(refusal))
            return
    try:
        services.slack.views_open(trigger_id=trigger_id, view=OPENERS[kind](incident))
    except SlackApiError as error:
        log.warning("modal_not_opened", kind=kind, error=error_code(error))
        answer(
            f":warning: The form could not open (Slack said: {error_code(error)}). "
            "Try the button again."
        )


def check_update(
    services: Services, *, incident_id: str, user_id: str, changes: lifecycle.Changes
) -> dict[str, str]:
    """Inline errors for a submitted Update or Resolve modal ({} when it may go ahead)."""
    incident = incidents.get(incident_id)
    if incident is None:
        return {"status": "This incident no longer exists."}
    try:
        lifecycle.check(services, incident, actor_id=user_id, changes=changes)
    except lifecycle.Refused as refusal:
        return {refusal.field or "status": str(refusal)}
    return {}


def apply_update(
    services: Services,
    *,
    incident_id: str,
    user_id: str,
    changes: lifecycle.Changes,
    request_id: str | None = None,
) -> None:
    incident = incidents.get(incident_id)
    if incident is None:
        return
    try:
        lifecycle.update(
            services, incident, actor_id=user_id, changes=changes, request_id=request_id
        )
    except lifecycle.Refused as refusal:  # it changed between the check and now
        reply(services.slack, user_id=user_id, text=f"{incident.display_ref}: {refusal}")


def apply_followup(
    services: Services,
    *,
    incident_id: str,
    user_id: str,
    text: str,
    owner_id: str | None,
    request_id: str | None = None,
) -> None:
    incident = incidents.get(incident_id)
    if incident is not None:
        followups.add(
            services,
            incident,
            text=text,
            owner_id=owner_id,
            actor_id=user_id,
            request_id=request_id,
        )


def mark_followup_done(
    services: Services, *, follow_up_id: str, user_id: str, response_url: str | None
) -> None:
    text = followups.mark_done(services, follow_up_id=follow_up_id, actor_id=user_id)
    reply(services.slack, user_id=user_id, response_url=response_url, text=text)
