"""Every response of the page, prepared once per published state.

A `Snapshot` holds the bodies of one state of the page (what was published, as of one
day: the uptime bars move at midnight UTC) with their ETags. The server answers from the
current snapshot; `Site.refresh` builds a new one when the store's version changes, so a
publish invalidates the cache and a refresh storm never reaches the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from web.status_page import api_v2, feeds
from web.status_page.http import Request, Response
from web.status_page.render import Renderer
from web.status_page.state import Page

HTML = "text/html; charset=utf-8"
JSON = "application/json"
ALLOWED = ("GET", "HEAD")
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"),
    ("Referrer-Policy", "no-referrer"),
)


@dataclass(frozen=True)
class Prepared:
    content_type: str
    body: bytes
    etag: str


def _prepared(content_type: str, body: bytes) -> Prepared:
    return Prepared(content_type, body, '"' + hashlib.sha256(body).hexdigest()[:24] + '"')


def _json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class Snapshot:
    def __init__(self, page: Page, base_url: str, renderer: Renderer, max_age: int) -> None:
        self.page = page
        self._cache_control = f"public, max-age={max_age}"
        documents: dict[str, Prepared] = {
            "/": _prepared(HTML, renderer.index(page)),
            "/history": _prepared(HTML, renderer.history(page)),
            "/feed.atom": _prepared(
                "application/atom+xml; charset=utf-8", feeds.atom(page, base_url)
            ),
            "/feed.rss": _prepared("application/rss+xml; charset=utf-8", feeds.rss(page, base_url)),
        }
        for path, build in api_v2.DOCUMENTS.items():
            documents[path] = _prepared(JSON, _json(build(page)))
        for incident in (*page.active, *page.past):
            documents[f"/incidents/{incident.public_id}"] = _prepared(
                HTML, renderer.incident(page, incident)
            )
        self._documents = documents
        self._not_found = renderer.not_found(page)
        self._not_allowed = renderer.not_allowed(page)

    def respond(self, request: Request) -> Response:
        if request.method not in ALLOWED:
            return Response(
                405,
                (("Content-Type", HTML), ("Allow", "GET, HEAD"), *SECURITY_HEADERS),
                self._not_allowed,
                close=True,
            )
        path = request.path.rstrip("/") or "/"
        prepared = self._documents.get(path)
        if prepared is None:
            return Response(
                404,
                (("Content-Type", HTML), ("Cache-Control", self._cache_control), *SECURITY_HEADERS),
                self._not_found,
            )
        headers = (
            ("Content-Type", prepared.content_type),
            ("ETag", prepared.etag),
            ("Cache-Control", self._cache_control),
            *SECURITY_HEADERS,
        )
        if _matches(request.headers.get("if-none-match", ""), prepared.etag):
            return Response(304, headers)
        return Response(200, headers, prepared.body)


def _matches(header: str, etag: str) -> bool:
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


class Site:
    """The current snapshot, rebuilt by `refresh` when what was published has changed."""

    def __init__(
        self,
        version: Callable[[datetime], tuple],
        load: Callable[[datetime], Page],
        base_url: str,
        max_age: int,
    ) -> None:
        self._version = version
        self._load = load
        self._base_url = base_url
        self._max_age = max_age
        self._renderer = Renderer()
        self._key: tuple | None = None
        self.snapshot: Snapshot | None = None

    def refresh(self, now: datetime) -> bool:
        """Build a new snapshot if the published state or the day changed; True if so."""
        key = self._version(now)
        if key == self._key and self.snapshot is not None:
            return False
        page = self._load(now)
        self.snapshot = Snapshot(page, self._base_url, self._renderer, self._max_age)
        self._key = key
        return True

    def respond(self, request: Request) -> Response:
        snapshot = self.snapshot
        if snapshot is None:
            return Response(
                503, (("Content-Type", "text/plain"), ("Retry-After", "1")), b"Starting\n"
            )
        return snapshot.respond(request)
