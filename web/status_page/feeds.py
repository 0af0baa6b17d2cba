"""`/feed.atom` and `/feed.rss`: one entry per published update, newest first, written by
feedgen (which escapes and encodes; nothing here concatenates XML)."""

from __future__ import annotations

from feedgen.feed import FeedGenerator

from web.status_page.state import WORDS, Page

ENTRIES = 50


def _generator(page: Page, base_url: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(f"{base_url}/")
    feed.title(page.title)
    feed.subtitle(f"{page.title}: incidents and their updates")
    feed.link(href=f"{base_url}/", rel="alternate")
    feed.language("en")
    feed.updated(page.updated_at)
    updates = [
        (incident, update) for incident in (*page.active, *page.past) for update in incident.updates
    ]
    updates.sort(key=lambda pair: (pair[1].created_at, pair[1].id), reverse=True)
    # feedgen puts entries added later first; add the oldest first so the newest leads.
    for incident, update in reversed(updates[:ENTRIES]):
        link = f"{base_url}/incidents/{incident.public_id}"
        entry = feed.add_entry()
        entry.id(f"{link}#update-{update.id}")
        entry.title(f"{incident.title}: {WORDS.get(update.status, update.status)}")
        entry.link(href=link)
        entry.published(update.created_at)
        entry.updated(update.created_at)
        entry.description(update.body)
        entry.content(update.body, type="text")
    return feed


def atom(page: Page, base_url: str) -> bytes:
    return _generator(page, base_url).atom_str(pretty=True)


def rss(page: Page, base_url: str) -> bytes:
    feed = _generator(page, base_url)
    feed.link(href=f"{base_url}/feed.rss", rel="self")
    return feed.rss_str(pretty=True)
