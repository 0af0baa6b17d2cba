"""The page's HTML, rendered from the templates beside this module (Jinja2, autoescaped:
everything a person published is text, never markup)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from store.status_page import PageIncident
from web.status_page.api_v2 import iso
from web.status_page.state import WORDS, Page, impact_of

TEMPLATES = Path(__file__).parent / "templates"


def shown(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(iso=iso, shown=shown, words=WORDS, impact=impact_of)
    return env


class Renderer:
    def __init__(self) -> None:
        self._env = environment()

    def _render(self, name: str, **context) -> bytes:
        return self._env.get_template(name).render(**context).encode()

    def index(self, page: Page) -> bytes:
        return self._render("index.html", page=page)

    def history(self, page: Page) -> bytes:
        return self._render("history.html", page=page)

    def incident(self, page: Page, incident: PageIncident) -> bytes:
        return self._render("incident.html", page=page, incident=incident)

    def not_found(self, page: Page) -> bytes:
        return self._render("not_found.html", page=page)

    def not_allowed(self, page: Page) -> bytes:
        return self._render("not_allowed.html", page=page)
