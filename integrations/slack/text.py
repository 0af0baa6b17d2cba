"""Text rules for Slack: escaping user text, reading command text, channel names."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

# The one rule for cleaning and trimming text, for Slack text too.
from incident.vocabulary import clean as clean
from incident.vocabulary import trim as trim

CHANNEL_NAME_MAX = 80
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences in message text.

    After this, `<!channel>`, `<!here>` or `<@U123>` typed by a person is shown as text
    and pings nobody.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slugify(text: str) -> str:
    """Lowercase ASCII letters and digits joined by hyphens; accents are folded, emoji dropped."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_JUNK.sub("-", ascii_text.lower()).strip("-")


def channel_name(prefix: str, declared_at: datetime, title: str, ref: str, attempt: int = 1) -> str:
    """`<prefix>-<yyyymmdd>-<slug>` within Slack's rules; `-2`, `-3`… for later attempts.

    A title with no usable letters falls back to the ref, so the name still says which
    incident it is.
    """
    suffix = "" if attempt == 1 else f"-{attempt}"
    head = f"{prefix}-{declared_at:%Y%m%d}-"
    room = CHANNEL_NAME_MAX - len(head) - len(suffix)
    slug = slugify(title)
    if not _has_letters(slug):
        slug = slugify(ref)
    slug = slug[:room].rstrip("-")
    return f"{head}{slug}{suffix}"


def named_by_title(title: str) -> bool:
    """Whether `channel_name` makes the name of the title (it has letters), not the ref."""
    return _has_letters(slugify(title))


def _has_letters(slug: str) -> bool:
    return re.search(r"[a-z]", slug) is not None


_SLACK_MARKUP = re.compile(r"<([@#!]?)([^|>]*)(?:\|([^>]*))?>")


def readable(text: str) -> str:
    """Slack's escaped command text as a person wrote it.

    With should_escape on, Slack sends "@bob" as "<@U123|bob>", "#ops" as "<#C1|ops>",
    links as "<https://…|label>" and &, <, > as entities. Used to prefill forms.
    """

    def plain(match: re.Match) -> str:
        sigil, target, label = match.groups()
        if sigil == "!":  # <!here>, <!subteam^S1|@oncall>
            return "@" + (label or target.split("^")[0]).lstrip("@")
        return sigil + (label or target)

    unmarked = _SLACK_MARKUP.sub(plain, text)
    return unmarked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
