"""The summary's "Paging" lines: where each page of the incident stands
("paged PagerDuty payments 12:04", "paging PagerDuty payments failed, retrying: …")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from integrations.slack.blocks import SECTION_MAX
from integrations.slack.text import escape, trim
from settings.paging import PROVIDER_LABELS

_STATES = {"acknowledged": "acknowledged", "resolved": "resolved"}


def time_token(moment: datetime) -> str:
    """A Slack time token (the reader's own time zone), e.g. 12:04."""
    fallback = moment.strftime("%H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{time}}|{fallback}>"


def page_line(page) -> str:
    label = PROVIDER_LABELS.get(page.provider, page.provider)
    who = f"{label} {escape(page.target.partition(':')[2])}"
    if page.paged_at is None:
        if page.last_error and page.next_attempt_at is None:
            return f":x: paging {who} failed, gave up: {escape(page.last_error)}"
        if page.last_error:
            return f":warning: paging {who} failed, retrying: {escape(page.last_error)}"
        if page.sent:
            return f"not paged {who}: {page.sent} first"
        return f":hourglass: paging {who}"
    line = f":pager: paged {who} {time_token(page.paged_at)}"
    if page.sent in _STATES:
        line += f", {_STATES[page.sent]}"
    if page.last_error:
        retrying = "retrying" if page.next_attempt_at else "gave up"
        line += f" (telling it {page.wanted} failed, {retrying}: {escape(page.last_error)})"
    return line


def paging_blocks(pages: Sequence) -> list[dict]:
    if not pages:
        return []
    text = "*Paging*\n" + "\n".join(page_line(page) for page in pages)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": trim(text, SECTION_MAX)}}]
