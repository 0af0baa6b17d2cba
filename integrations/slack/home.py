"""Klaxon's Home tab (PRODUCT.md §16): built from `incident.home.home_for` and published
with views.publish, when a person opens it and after they act from it. A private incident
is listed only to the members of its channel (asked of Slack, conversations.members)."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident.access import Caller
from incident.home import Home, home_for
from incident.services import Services
from incident.vocabulary import Actor, Permission
from integrations.slack.blocks import STATUS_LABEL
from integrations.slack.client import error_code
from integrations.slack.home_reports import ReportLink, report_links
from integrations.slack.text import escape, trim
from settings.durations import humanize
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.home")

DECLARE_ACTION = "home_declare"
# In the declare modal's metadata when it was opened from the Home tab.
FROM_HOME = {"from": "home"}
ACK_ACTION = "home_acknowledge"
OPEN_CHANNEL_ACTION = "home_open_channel"
FOLLOWUP_DONE_ACTION = "home_followup_done"
REPORT_LINK_ACTION = "home_open_report"
# Per list, so the tab stays within Slack's 100 blocks: 3 headers and the Declare button,
# 2 blocks per open incident, 1 per follow-up and resolved incident, a "more" line each.
SHOWN = 15


def channel_members(services: Services, user_id: str):
    """`is_member(incident)`: whether the user is in the incident's channel (Slack's
    conversations.members, paginated); False when Slack will not say."""

    def is_member(incident: Incident) -> bool:
        if not incident.channel_id:
            return False
        cursor = None
        try:
            while True:
                page = services.slack.conversations_members(
                    channel=incident.channel_id, cursor=cursor, limit=200
                )
                if user_id in page.get("members", []):
                    return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return False
        except SlackApiError as error:
            log.warning("members_lookup_failed", error=error_code(error))
            return False

    return is_member


def _button(text: str, action_id: str, value: str, **extra) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
        **extra,
    }


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": trim(text, 3000)}}


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _more(count: int) -> list[dict]:
    if count <= SHOWN:
        return []
    text = f"and {count - SHOWN} more not shown"
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]


def _open_incident(incident: Incident, home: Home) -> list[dict]:
    age = humanize(home.now - incident.declared_at)
    line = (
        f"*{incident.display_ref}* {escape(incident.title)}\n"
        f"{incident.severity} · {STATUS_LABEL.get(incident.status, incident.status)} · "
        f"open for {age}"
    )
    buttons = []
    if incident.channel_id:
        buttons.append(
            _button(
                "Open channel",
                OPEN_CHANNEL_ACTION,
                str(incident.id),
                url=f"https://slack.com/app_redirect?channel={incident.channel_id}",
            )
        )
    if incident.acknowledged_at is None:
        buttons.append(_button("Acknowledge", ACK_ACTION, str(incident.id), style="primary"))
    blocks = [_section(line)]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


def _resolved_incident(incident: Incident, home: Home, link: ReportLink | None) -> dict:
    line = (
        f"*{incident.display_ref}* {escape(incident.title)} · {incident.severity} · "
        f"resolved {humanize(home.now - incident.resolved_at)} ago"
    )
    if link is None or link.url is None:
        return _section(line + (f"\n{link.why_not}" if link else ""))
    block = _section(line)
    block["accessory"] = _button(
        "Open the report", REPORT_LINK_ACTION, str(incident.id), url=link.url
    )
    return block


def view(home: Home, links: dict | None = None) -> dict:
    """The Home tab; `links`: a ReportLink per resolved incident, by incident id."""
    links = links or {}
    blocks: list[dict] = [
        _header("Klaxon"),
        {
            "type": "actions",
            "elements": [_button("Declare incident", DECLARE_ACTION, "home", style="danger")],
        },
        _header("Open incidents"),
    ]
    listed = home.mine + home.others
    if not listed:
        blocks.append(_section("_No open incidents._"))
    for incident in listed[:SHOWN]:
        blocks += _open_incident(incident, home)
    blocks += _more(len(listed))
    blocks.append(_header("Your follow-ups"))
    if not home.follow_ups:
        blocks.append(_section("_Nothing open for you._"))
    for item in home.follow_ups[:SHOWN]:
        block = _section(f"{escape(item.text)} · {item.incident.display_ref}")
        block["accessory"] = _button("Mark done", FOLLOWUP_DONE_ACTION, str(item.id))
        blocks.append(block)
    blocks += _more(len(home.follow_ups))
    blocks.append(_header("Resolved in the last 14 days"))
    if not home.resolved:
        blocks.append(_section("_None._"))
    for incident in home.resolved[:SHOWN]:
        blocks.append(_resolved_incident(incident, home, links.get(incident.id)))
    blocks += _more(len(home.resolved))
    return {"type": "home", "blocks": blocks}


def from_home(metadata: dict) -> bool:
    """Whether the declare modal with this metadata was opened from the Home tab."""
    return metadata.get("from") == FROM_HOME["from"]


def republishing(services: Services, user_ids, request_id: str | None, reply):
    """`reply_with(outcome)` for an interaction started from the Home tab: publish these
    people's Home tabs again (once each), then answer with `reply(outcome)`."""

    def reply_with(outcome):
        for user_id in dict.fromkeys(u for u in user_ids if u):
            publish(services, user_id, request_id)
        return reply(outcome)

    return reply_with


def publish(services: Services, user_id: str, request_id: str | None = None) -> None:
    """Build the user's Home tab now and publish it."""
    caller = Caller(Actor(user_id=user_id), Permission.VIEW_HOME, request_id)
    home = home_for(services, caller, utcnow(), channel_members(services, user_id))
    links = report_links(services, home.resolved[:SHOWN])
    try:
        services.slack.views_publish(user_id=user_id, view=view(home, links))
    except SlackApiError as error:
        log.warning("home_not_published", error=error_code(error))
