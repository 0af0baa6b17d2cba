"""Parsers for single TOML values: each takes the raw value and returns the typed one or
raises ValueError with what was expected (the caller adds the key's name)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from settings.durations import parse_duration


def string(pattern: str | None = None, hint: str = "") -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"expected a non-empty string, got {value!r}")
        if pattern and not re.fullmatch(pattern, value):
            raise ValueError(f"{hint}, got {value!r}")
        return value.strip()

    return parse


def integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {value!r}")
        return value

    return parse


def positive_duration(value: Any) -> timedelta:
    duration = parse_duration(value)
    if duration <= timedelta(0):
        raise ValueError(f"expected a duration above zero, got {value!r}")
    return duration


def off_or_duration(value: Any) -> timedelta | None:
    """A duration such as "7d", or "0" (or 0) for never: the feature is off."""
    if value in ("0", 0):
        return None
    try:
        return positive_duration(value)
    except ValueError:
        raise ValueError(
            f'expected a duration such as "7d", or "0" for never, got {value!r}'
        ) from None


def optional_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value.strip()


def optional_url(value: Any) -> str:
    value = optional_string(value)
    if value and not re.match(r"https?://", value):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def template(value: Any) -> str:
    """A str.format template over alert labels; any label name is accepted."""
    text = string()(value)
    try:
        text.format_map(_AnyLabels())
    except (ValueError, IndexError) as error:
        raise ValueError(f"not a valid {{label}} template: {error}") from None
    return text


class _AnyLabels(dict):
    def __missing__(self, key):
        return ""
