"""Slack's Block Kit and mrkdwn as plain terminal text.

Only what Klaxon sends is drawn: header, section (text, fields, a button accessory),
context, actions (buttons), divider, and in modals input blocks with their elements.
Any other block is named rather than guessed at, so the demo never shows something
Slack would not. Emoji codes Klaxon uses become the emoji; others stay `:name:`.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable
from datetime import datetime

WIDTH = 78
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*\S)?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(\S(?:[^_\n]*\S)?)_(?![\w_])")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
EMOJI = {
    "white_check_mark": "✅",
    "warning": "⚠️",
    "rotating_light": "🚨",
    "zzz": "💤",
    "x": "❌",
    "pushpin": "📌",
    "memo": "📝",
    "clipboard": "📋",
    "bust_in_silhouette": "👤",
    "black_square_button": "🔲",
    "bell": "🔔",
    "arrows_counterclockwise": "🔄",
    "arrow_up": "⬆️",
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "white_circle": "⚪",
}
_DATE_PARTS = {
    "{date_num}": "%Y-%m-%d",
    "{date}": "%B %d, %Y",
    "{date_short}": "%b %d, %Y",
    "{date_long}": "%A, %B %d, %Y",
    "{date_pretty}": "%B %d, %Y",
    "{date_short_pretty}": "%b %d, %Y",
    "{date_long_pretty}": "%A, %B %d, %Y",
    "{time}": "%H:%M",
    "{time_secs}": "%H:%M:%S",
}


class Names:
    """Turns Slack ids into the names a reader sees (`@bob`, `#incidents`)."""

    def __init__(
        self, user_name: Callable[[str], str | None], channel_name: Callable[[str], str | None]
    ):
        self.user_name = user_name
        self.channel_name = channel_name

    def user(self, user_id: str) -> str:
        return "@" + (self.user_name(user_id) or user_id)

    def channel(self, channel_id: str) -> str:
        return "#" + (self.channel_name(channel_id) or channel_id)


def _date(token: str, fallback: str | None) -> str:
    """`<!date^1700000000^{date_short_pretty} at {time}|…>` in this machine's time zone."""
    parts = token.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1])).astimezone()
    except (IndexError, ValueError, OverflowError, OSError):
        return fallback or token
    shown = parts[2] if len(parts) > 2 else "{date_num} {time}"
    for placeholder, pattern in _DATE_PARTS.items():
        shown = shown.replace(placeholder, moment.strftime(pattern))
    return shown


def _styled(text: str) -> str:
    """Outside code: *bold* and _italic_ lose their markers, `>` quotes get a bar, emoji
    codes become emoji."""
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    text = _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return re.sub(r"(?m)^(?:&gt;|>)", "│ ", text)


def mrkdwn(text: str, names: Names) -> str:
    """Slack markup made readable: mentions by name, links, dates, styling, entities
    unescaped. Code blocks (```) are shown as they are."""

    def special(match: re.Match) -> str:
        sigil, body, label = match.groups()
        if sigil == "@":
            return names.user(body)
        if sigil == "#":
            return "#" + label if label else names.channel(body)
        if body.startswith("date^"):
            return _date(body, label)
        if body.startswith("subteam^"):
            return "@" + (label.lstrip("@") if label else body.split("^", 1)[1])
        return "@" + body  # <!here>, <!channel>, <!everyone>

    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    pieces = text.split("```")
    pieces[::2] = [_styled(piece) for piece in pieces[::2]]  # the odd pieces are code
    return html.unescape(_MENTION.sub(special, "```".join(pieces)))


def _text(obj: dict | None, names: Names) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""), names)
    return obj.get("text", "")


def _wrap(text: str, indent: str) -> list[str]:
    lines = []
    for line in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(line, WIDTH - len(indent), subsequent_indent="  ") or [""])
    return [indent + line if line else "" for line in lines]


def _element(element: dict, names: Names) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind == "plain_text_input":
        value = element.get("initial_value") or ""
        shape = "▭▭▭ (several lines)" if element.get("multiline") else "▭▭▭"
        return f"[{value}]" if value else shape
    if kind == "static_select":
        options = [_text(o.get("text"), names) for o in element.get("options", [])]
        chosen = _text((element.get("initial_option") or {}).get("text"), names)
        return f"▾ {chosen or 'choose'} ({' | '.join(options)})"
    if kind == "users_select":
        initial = element.get("initial_user")
        return f"▾ {names.user(initial) if initial else 'choose a person'}"
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, names)
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    return f"[{kind}]"


def block_lines(block: dict, names: Names, indent: str = "") -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"), names)
        return [indent + title, indent + "═" * min(len(title), WIDTH - len(indent))]
    if kind == "divider":
        return [indent + "─" * (WIDTH - len(indent))]
    if kind == "section":
        lines = _wrap(_text(block.get("text"), names), indent) if block.get("text") else []
        for field in block.get("fields", []):
            label, _, value = _text(field, names).partition("\n")
            lines.extend(_wrap(f"{label}: {value.replace(chr(10), ' / ')}", indent))
        if block.get("accessory"):
            lines.append(indent + "  " + _element(block["accessory"], names))
        return lines
    if kind == "context":
        shown = "  ·  ".join(_element(e, names) for e in block.get("elements", []))
        return _wrap(shown, indent)
    if kind == "actions":
        return [indent + "  ".join(_element(e, names) for e in block.get("elements", []))]
    if kind == "input":
        label = _text(block.get("label"), names)
        optional = " (optional)" if block.get("optional") else ""
        hint = _text(block.get("hint"), names)
        lines = _wrap(f"{label}{optional}: {_element(block.get('element', {}), names)}", indent)
        return lines + (_wrap(hint, indent + "    ") if hint else [])
    return [f"{indent}({kind} block)"]


def blocks(items: list[dict], names: Names, indent: str = "") -> list[str]:
    return [line for block in items for line in block_lines(block, names, indent)]


def message(text: str, items: list[dict] | None, names: Names, indent: str = "") -> list[str]:
    """A message as a reader sees it: its blocks, or its text when it has none."""
    if items:
        return blocks(items, names, indent)
    return _wrap(mrkdwn(text, names), indent)


def modal(view: dict, names: Names, indent: str = "") -> list[str]:
    """A modal: its title bar, its blocks, and its buttons."""
    title = _text(view.get("title"), names)
    buttons = [_text(view.get(key), names) for key in ("close", "submit") if view.get(key)]
    bar = "┌─ " + title + " " + "─" * max(2, WIDTH - len(indent) - len(title) - 4)
    lines = [indent + bar]
    lines += blocks(view.get("blocks", []), names, indent + "│ ")
    lines.append(indent + "└─ " + "  ".join(f"[{b}]" for b in buttons))
    return lines
