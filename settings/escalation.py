"""[escalation]: who is told, and when, while an incident waits for its acknowledgement.

A policy per severity (or `default`, or a name a type refers to) is a list of levels, each
notifying Slack targets or pagers after a delay; only the last level may repeat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from incident.vocabulary import SEVERITIES
from settings import values
from settings.durations import parse_duration
from settings.errors import config_error
from settings.paging import is_page_target, split_target

_TARGET = re.compile(r"#[a-z0-9][a-z0-9_-]{0,79}|@[A-Za-z0-9._-]{1,80}|[UW][A-Z0-9]{2,}")
# A named escalation policy (for [types.<name>].escalation), besides default and SEV1…SEV4.
_POLICY_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,29}")


@dataclass(frozen=True)
class EscalationLevel:
    after: timedelta
    notify: tuple[str, ...]
    repeat: timedelta | None = None


def parse_escalation(table: Any) -> dict[str, tuple[EscalationLevel, ...]]:
    if not isinstance(table, dict):
        raise config_error("[escalation]", "expected a table of severity = [levels]")
    policies = {}
    for name, levels in table.items():
        base = f"[escalation].{name}"
        if name not in (*SEVERITIES, "default") and not _POLICY_NAME.fullmatch(name):
            raise config_error(
                base,
                f"unknown policy; expected default, one of {', '.join(SEVERITIES)}, "
                "or a lowercase policy name for [types]",
            )
        if not isinstance(levels, list) or not levels:
            raise config_error(
                base, "expected a non-empty list of { after, notify, repeat } levels"
            )
        parsed = []
        for index, level in enumerate(levels, start=1):
            key = f"{base}[{index}]"
            if not isinstance(level, dict):
                raise config_error(key, 'expected { after = "5m", notify = [...] }')
            unknown = set(level) - {"after", "notify", "repeat"}
            if unknown:
                raise config_error(f"{key}.{sorted(unknown)[0]}", "unknown key")
            try:
                after = parse_duration(level.get("after", "0m"))
            except ValueError as error:
                raise config_error(f"{key}.after", str(error)) from None
            notify = level.get("notify")
            if not isinstance(notify, list) or not notify:
                raise config_error(f"{key}.notify", "expected a non-empty list of targets")
            for target in notify:
                if isinstance(target, str) and is_page_target(target):
                    try:
                        split_target(target)
                    except ValueError as error:
                        raise config_error(f"{key}.notify", str(error)) from None
                    continue
                if not isinstance(target, str) or not _TARGET.fullmatch(target):
                    raise config_error(
                        f"{key}.notify",
                        "expected #channel, @usergroup, a user id, pagerduty:<name> or "
                        f"opsgenie:<team>, got {target!r}",
                    )
            repeat = None
            if "repeat" in level:
                if index != len(levels):
                    raise config_error(f"{key}.repeat", "only the last level may repeat")
                try:
                    repeat = values.positive_duration(level["repeat"])
                except ValueError as error:
                    raise config_error(f"{key}.repeat", str(error)) from None
            if parsed and after < parsed[-1].after:
                raise config_error(f"{key}.after", "levels must be in order of their delay")
            parsed.append(EscalationLevel(after=after, notify=tuple(notify), repeat=repeat))
        policies[name] = tuple(parsed)
    return policies


def page_targets(escalation: Mapping[str, tuple[EscalationLevel, ...]]):
    """(config key, target) of every level's target that pages outside Slack."""
    for name, levels in escalation.items():
        for index, level in enumerate(levels, start=1):
            for target in level.notify:
                if is_page_target(target):
                    yield f"[escalation].{name}[{index}].notify", target
