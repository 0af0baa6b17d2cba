"""What the person who asked is told: every reply's wording, made from a use case's
outcome, and how it reaches them (ephemerally where they asked, else by direct message).

Each `*_reply` function takes an outcome and returns the `Reply` (or None: nothing to
say). Handlers choose the function; they never word a reply themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from slack_sdk.errors import SlackApiError

from incident.access import Denied
from incident.acknowledge import (
    Acknowledged,
    AlreadyAcknowledged,
    AlreadyResolved,
    Malformed,
    RateLimited,
    Waiting,
)
from incident.declare import Declared
from incident.followups import Added, AlreadyDone, MarkedDone
from incident.lifecycle import Blocked, Unchanged, Updated
from incident.nudges import Snoozed
from incident.outcomes import Done, NotFound
from incident.vocabulary import LIMITS, Permission, Reason, Refused
from integrations.slack import messages
from integrations.slack.blocks import date_token, user
from integrations.slack.client import error_code
from integrations.slack.text import escape

log = structlog.get_logger("klaxon.reply")

TRY_AGAIN = (
    ":warning: Klaxon cannot reach its database right now, so nothing was changed. "
    "Try again in a minute."
)
NOT_DECLARED = "Klaxon cannot reach its database right now, so nothing was declared. Try again."
FORM_DATABASE_DOWN = "Klaxon cannot reach its database right now. Try again soon."
NO_INCIDENT = "That incident no longer exists."
FAILED = (
    ":warning: Something went wrong in Klaxon while handling that (logged as request "
    "`{request_id}`). Try again, or tell whoever runs Klaxon."
)


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list | None = None


# ----- refusals, shared by every change -----


def refusal_text(outcome: Refused | Denied) -> str:
    if isinstance(outcome, Denied):
        if outcome.permission == Permission.ACKNOWLEDGE:
            return f"Access denied. Required role: {outcome.required_role}"
        if outcome.permission == Permission.EDIT_TIMELINE:
            return (
                "Only the lead, the reporter or a holder of the "
                f"{outcome.required_role} role can edit the timeline."
            )
        return (
            "Only the lead, the reporter or a holder of the "
            f"{outcome.required_role} role can change status, severity or lead, or resolve."
        )
    if outcome.reason == Reason.BACK_TO_OPEN:
        return "An incident cannot go back to open."
    if outcome.reason == Reason.BAD_TRANSITION:
        current, target = outcome.detail
        return f"Cannot move from {current} to {target}."
    if outcome.reason == Reason.BAD_SEVERITY:
        return "Severity is SEV1 (worst) to SEV4."
    if outcome.reason == Reason.TOO_LONG:
        return too_long(outcome.field)
    if outcome.reason == Reason.OUT_OF_RANGE:
        return out_of_range(*outcome.detail)
    raise ValueError(outcome.reason)


def out_of_range(earliest, latest) -> str:
    """The accepted range of a timeline time, in UTC (a form's error shows no date tokens)."""
    return (
        f"Choose a time between {earliest:%Y-%m-%d %H:%M} and {latest:%Y-%m-%d %H:%M} UTC: "
        "not in the future, and at most a week before the incident was declared."
    )


def too_long(name: str) -> str:
    return f"Keep the {name.replace('_', '-')} under {LIMITS[name]} characters."


def form_errors(outcome: Refused | Denied | NotFound) -> dict[str, str]:
    """A refusal as the inline errors of a submitted form ({input: message})."""
    if isinstance(outcome, NotFound):
        return {"status": "This incident no longer exists."}
    return {outcome.field: refusal_text(outcome)}


# ----- acknowledge -----


def ack_reply(outcome) -> Reply:
    if isinstance(outcome, Waiting):
        count = len(outcome.incidents)
        return Reply(
            f"{count} incident(s) waiting for acknowledgement",
            messages.awaiting_ack_blocks(outcome.incidents),
        )
    if isinstance(outcome, Malformed):
        return Reply(outcome.problem)
    return Reply(_ack_text(outcome))


def _ack_text(outcome) -> str:
    if isinstance(outcome, Acknowledged):
        return f":white_check_mark: You acknowledged {outcome.incident.display_ref}."
    if isinstance(outcome, AlreadyAcknowledged):
        incident = outcome.incident
        who = user(incident.acknowledged_by_id or incident.acknowledged_by_email)
        return f"Already acknowledged by {who} at {date_token(incident.acknowledged_at)}."
    if isinstance(outcome, AlreadyResolved):
        return f"{outcome.incident.display_ref} is resolved; there is nothing to acknowledge."
    if isinstance(outcome, RateLimited):
        return f"Rate limit exceeded, try again in {outcome.retry_after} s"
    if isinstance(outcome, NotFound):
        return f"There is no incident {outcome.target}."
    return refusal_text(outcome)


# ----- changes -----


def change_text(outcome) -> str:
    """For /incident subcommands: what changed, or why nothing did."""
    if isinstance(outcome, Updated):
        return f"{outcome.incident.display_ref}: {', '.join(_said(outcome))}."
    if isinstance(outcome, Unchanged):
        return f"Nothing to change: {outcome.incident.display_ref} already has that."
    if isinstance(outcome, Blocked):
        return _ack_text(outcome.why)
    return _ack_text(outcome)


def _said(outcome: Updated) -> list[str]:
    said = []
    for name, value in outcome.change.after.items():
        if name in ("status", "severity"):
            said.append(f"{name} is now *{value}*")
        elif name == "lead_id":
            said.append(f"<@{value}> is now the lead")
        elif name == "impact_started_at":
            said.append("impact start recorded")
        else:
            said.append(f"{name.replace('_', ' ')} updated")
    if outcome.change.note:
        said.append("update posted")
    return said


def lead_reply(lead_id: str):
    """For the lead nudge's buttons."""

    def reply_for(outcome) -> Reply | None:
        if isinstance(outcome, NotFound):
            return None  # the incident is gone: the nudge no longer means anything
        if isinstance(outcome, Unchanged):
            return Reply(f"<@{lead_id}> already leads {outcome.incident.display_ref}.")
        return Reply(change_text(outcome))

    return reply_for


def submitted_change_reply(outcome) -> Reply | None:
    """For a submitted Update or Resolve form: the form said everything, unless the
    incident changed between the form's check and now."""
    if isinstance(outcome, Blocked):
        return Reply(f"{outcome.incident.display_ref}: {change_text(outcome)}")
    return None


# ----- follow-ups, report, nudges, declaration -----


def follow_up_added_reply(outcome) -> Reply:
    if isinstance(outcome, Added):
        return Reply(f"Follow-up added to {outcome.incident.display_ref}.")
    return Reply(NO_INCIDENT)


def follow_up_done_reply(outcome) -> Reply:
    if isinstance(outcome, MarkedDone):
        return Reply(f":white_check_mark: Done: {escape(outcome.item.text)}")
    if isinstance(outcome, AlreadyDone):
        return Reply("That follow-up is already done.")
    return Reply("That follow-up no longer exists.")


def report_reply(outcome: Done | NotFound) -> Reply:
    if isinstance(outcome, NotFound):
        return Reply(NO_INCIDENT)
    return Reply(f"The report for {outcome.incident.display_ref} is posted in the channel.")


def snooze_reply(outcome) -> Reply:
    if isinstance(outcome, Snoozed):
        ref = outcome.incident.display_ref
        return Reply(f":zzz: {ref}: the next update nudge comes in {outcome.minutes} min.")
    if isinstance(outcome, AlreadyResolved):
        return Reply(f"{outcome.incident.display_ref} is resolved; there is nothing to snooze.")
    return Reply("That nudge no longer applies.")


def declared_reply(outcome) -> Reply | None:
    if isinstance(outcome, Declared):
        return Reply(messages.confirmation_text(outcome.incident, outcome.failures))
    return None  # taken over: the replica that finishes it tells the reporter


def form_refused_reply(outcome: NotFound | Blocked) -> Reply:
    """Why an Update, Resolve or Add follow-up form did not open."""
    if isinstance(outcome, NotFound):
        return Reply(NO_INCIDENT)
    if isinstance(outcome.why, AlreadyResolved):
        return Reply(f"{outcome.incident.display_ref} is already resolved.")
    return Reply(change_text(outcome))


def form_not_opened(error: Exception, *, declare: bool = False) -> Reply:
    again = "Run /incident again." if declare else "Try the button again."
    what = "The incident form" if declare else "The form"
    return Reply(f":warning: {what} could not open (Slack said: {error_code(error)}). {again}")


# ----- delivery -----


def reply(
    slack, *, user_id: str, text: str, response_url: str | None = None, blocks: list | None = None
) -> None:
    """Post to the interaction's response_url (works in channels Klaxon is not in), and fall
    back to a direct message when there is none or it no longer works."""
    if response_url:
        try:
            response = slack.webhook(response_url).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            if response.status_code == 200:
                return
            log.warning("response_url_failed", status=response.status_code)
        except Exception as error:  # any failure here falls back to the DM below
            log.warning("response_url_failed", error=type(error).__name__)
    direct_message(slack, user_id, text, blocks)


def direct_message(slack, user_id: str, text: str, blocks: list | None = None) -> None:
    try:
        slack.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as error:
        log.error("reply_not_delivered", user_id=user_id, error=error_code(error))
