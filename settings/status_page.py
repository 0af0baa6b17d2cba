"""The `[status_page]` section (PRODUCT.md §13) and its `[status_page.atlassian]` table.

The status page is on when the section is present and its port is not 0. Component names
are what the public reads and what `/incident statuspage` accepts, so an empty or repeated
name stops the start (one line naming the key, exit 2) rather than showing a broken page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from settings import values
from settings.errors import ConfigError

DEFAULT_STATUSPAGE_API_URL = "https://api.statuspage.io/v1/"


@dataclass(frozen=True)
class AtlassianMirror:
    """Where published incidents are mirrored: a hosted Statuspage page."""

    page_id: str
    # Our component name -> the Statuspage component id it is mirrored to.
    components: Mapping[str, str]
    api_key: str
    api_url: str = DEFAULT_STATUSPAGE_API_URL


@dataclass(frozen=True)
class StatusPage:
    port: int = 8081
    bind: str = "127.0.0.1"
    title: str = "Status"
    url: str = ""
    components: tuple[str, ...] = ()
    history_days: int = 90
    atlassian: AtlassianMirror | None = None
    # How often the page's server process looks for newly published state (seconds).
    refresh: float = 0.5
    # Public responses may be cached this long by browsers and proxies (seconds).
    max_age: int = field(default=10)


def _fail(key: str, problem: str) -> ConfigError:
    return ConfigError(f"config error: [status_page].{key}: {problem}")


def _components(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail("components", 'expected a non-empty list of names, e.g. ["API", "Dashboard"]')
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _fail("components", f"empty component name in {value!r}")
        name = " ".join(item.split())
        if len(name) > 100:
            raise _fail("components", f"a name is at most 100 characters: {name[:20]!r}…")
        if name.casefold() in (n.casefold() for n in names):
            raise _fail("components", f"duplicate component name {name!r}")
        names.append(name)
    return tuple(names)


_SIMPLE = {
    "port": values.integer(0, 65535),
    "bind": values.string(),
    "title": values.string(),
    "url": values.optional_url,
    "history_days": values.integer(1, 366),
}


def _atlassian(table: Any, components: tuple[str, ...], env: Mapping[str, str]):
    if not isinstance(table, dict):
        raise _fail("atlassian", "expected a table")
    unknown = set(table) - {"page_id", "components"}
    if unknown:
        raise _fail(f"atlassian.{sorted(unknown)[0]}", "unknown key")
    try:
        page_id = values.string(r"[A-Za-z0-9]+", "expected a Statuspage page id")(
            table.get("page_id")
        )
    except ValueError as error:
        raise _fail("atlassian.page_id", str(error)) from None
    mapping = table.get("components", {})
    if not isinstance(mapping, dict):
        raise _fail("atlassian.components", 'expected a table such as { API = "b13yz5g2cw10" }')
    for name, component_id in mapping.items():
        if name not in components:
            raise _fail(f"atlassian.components.{name}", "not one of [status_page].components")
        if not isinstance(component_id, str) or not component_id.strip():
            raise _fail(f"atlassian.components.{name}", "expected a Statuspage component id")
    api_key = env.get("STATUSPAGE_API_KEY", "").strip()
    if not api_key:
        raise ConfigError(
            "config error: STATUSPAGE_API_KEY: required when [status_page.atlassian] is set"
        )
    api_url = env.get("STATUSPAGE_API_URL", "").strip() or DEFAULT_STATUSPAGE_API_URL
    try:
        api_url = values.optional_url(api_url)
    except ValueError as error:
        raise ConfigError(f"config error: STATUSPAGE_API_URL: {error}") from None
    return AtlassianMirror(
        page_id=page_id,
        components={name: component_id.strip() for name, component_id in mapping.items()},
        api_key=api_key,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
    )


def parse(table: Any, env: Mapping[str, str]) -> StatusPage:
    """The `[status_page]` table, with STATUSPAGE_API_KEY/URL from the environment."""
    if not isinstance(table, dict):
        raise _fail("", "expected a table")
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("components", "atlassian"):
            continue
        if key not in _SIMPLE:
            raise _fail(key, "unknown key")
        try:
            settings[key] = _SIMPLE[key](value)
        except ValueError as error:
            raise _fail(key, str(error)) from None
    if "components" not in table:
        raise _fail("components", "required: the names of what the page reports on")
    components = _components(table["components"])
    settings["url"] = settings.get("url", "").rstrip("/")
    atlassian = None
    if "atlassian" in table:
        atlassian = _atlassian(table["atlassian"], components, env)
    return StatusPage(components=components, atlassian=atlassian, **settings)
