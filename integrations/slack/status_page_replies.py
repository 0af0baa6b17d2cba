"""What a person is told after publishing to the status page (or trying to)."""

from __future__ import annotations

from incident.access import Denied
from incident.outcomes import NotFound
from incident.status_page import Blocked, PublishOutcome
from incident.status_page_shown import line
from incident.vocabulary import LIMITS, PUBLIC_STATUSES, Reason, Refused
from integrations.slack.replies import NO_INCIDENT, Reply
from integrations.slack.text import escape

STILL_PUBLIC = (
    "It is still open on the status page: `/incident statuspage resolved <public message>` "
    "resolves it there (the Resolve button's form asks for that message)."
)
USAGE = (
    "`/incident statuspage` opens the form. `/incident statuspage [status] [Component=impact …] "
    "message` posts a further public update, e.g. "
    "`/incident statuspage monitoring API=degraded A fix is rolling out.`"
)


def refusal_text(why: Refused | Denied, ref: str = "This incident") -> str:
    if isinstance(why, Denied):
        return (
            "Only the lead, the reporter or a holder of the "
            f"{why.required_role} role can publish to the status page."
        )
    if why.reason == Reason.UNKNOWN_COMPONENT:
        asked, *known = why.detail
        return (
            f"The status page has no component “{escape(asked)}”. "
            f"Its components: {escape(', '.join(known))}."
        )
    if why.reason == Reason.BAD_IMPACT:
        asked, *known = why.detail
        return f"“{escape(asked)}” is not an impact. Use one of: {', '.join(known)}."
    if why.reason == Reason.BAD_TRANSITION:
        return f"The public status is one of: {', '.join(PUBLIC_STATUSES)}."
    if why.reason == Reason.MISSING:
        return "Write the public message. " + USAGE
    if why.reason == Reason.TOO_LONG:
        name = "public_message" if why.field == "message" else "public_title"
        return f"Keep the public {why.field} under {LIMITS[name]:,} characters."
    if why.reason == Reason.NOT_PUBLISHED:
        return (
            f"{ref} is not on the status page yet: `/incident statuspage` (or the "
            "“Publish to status page” button) opens the form to publish it."
        )
    if why.reason == Reason.NO_STATUS_PAGE:
        return "Klaxon has no status page here ([status_page] is not configured)."
    if why.reason == Reason.PRIVATE_INCIDENT:
        return f"{ref} is private: a private incident never goes on the public status page."
    raise ValueError(why.reason)


def published_reply(outcome: PublishOutcome) -> Reply:
    if isinstance(outcome, NotFound):
        return Reply(NO_INCIDENT)
    if isinstance(outcome, Blocked):
        return Reply(refusal_text(outcome.why))
    said = escape(line(outcome.public) or "")
    link = f"<{outcome.url}|the status page>" if outcome.url.startswith("http") else "the page"
    first = "Published to" if outcome.first else "Updated"
    return Reply(f":globe_with_meridians: {first} {link}: {said}.")


def form_errors(outcome) -> dict[str, str]:
    """A refusal as the modal's inline errors."""
    if isinstance(outcome, NotFound):
        return {"message": NO_INCIDENT}
    why = outcome.why
    field = "message"
    if isinstance(why, Refused) and why.field in ("title", "status"):
        field = why.field
    return {field: refusal_text(why)}
