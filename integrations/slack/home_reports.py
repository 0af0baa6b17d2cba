"""The link from Klaxon's Home tab to a resolved incident's report (PRODUCT.md §16).

The report is a message in the incident's channel: posted when the incident is resolved,
and again by `/incident report` (the one posted last is recorded, `report_channel_id` and
`report_ts`). Its link is asked of Slack (chat.getPermalink) each time the Home tab is
built, so a report message deleted since, or a channel that is gone, is said plainly
instead of a link that leads nowhere. Slack allows this method hundreds of calls a minute;
a Home tab asks at most `home.SHOWN` of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from slack_sdk.errors import SlackApiError

from incident.services import Services
from integrations.slack.blocks import channel_link
from integrations.slack.client import SlackCode, error_code
from store.models import Incident

log = structlog.get_logger("klaxon.home")


@dataclass(frozen=True)
class ReportLink:
    """Where the report is (`url`), or, when there is no link, why, in plain words."""

    url: str | None = None
    why_not: str = ""


def _not_posted(incident: Incident) -> ReportLink:
    return ReportLink(
        why_not=f"No report posted yet: `/incident report` in "
        f"{channel_link(incident.channel_id, incident.channel_name)} posts it."
    )


def report_link(services: Services, incident: Incident) -> ReportLink:
    if not (incident.report_channel_id and incident.report_ts):
        return _not_posted(incident)
    try:
        answer = services.slack.chat_getPermalink(
            channel=incident.report_channel_id, message_ts=incident.report_ts
        )
    except SlackApiError as error:
        code = error_code(error)
        log.warning("report_link_failed", incident_ref=incident.display_ref, error=code)
        if code == SlackCode.MESSAGE_NOT_FOUND:
            return ReportLink(
                why_not="Its report message was deleted: `/incident report` in "
                f"{channel_link(incident.report_channel_id)} posts it again."
            )
        if code == SlackCode.CHANNEL_NOT_FOUND:
            return ReportLink(
                why_not="Its channel is gone, and the report with it: "
                f"`klaxon report {incident.display_ref}` prints it."
            )
        return ReportLink(why_not="Slack did not give the report's link just now.")
    return ReportLink(url=answer["permalink"])


def report_links(services: Services, incidents: list[Incident]) -> dict:
    """The link (or why none) of each incident's report, by incident id."""
    return {incident.id: report_link(services, incident) for incident in incidents}
