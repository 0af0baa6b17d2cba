"""[types.<name>] (incident types with their runbook) and [incident_roles] (roles beside the
lead). Every problem is one ConfigError naming the key, like the rest of the config."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from incident.vocabulary import SEVERITIES
from settings.durations import parse_duration
from settings.errors import config_error

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,29}")
INVITEE = re.compile(r"@[A-Za-z0-9._-]{1,80}|[UW][A-Z0-9]{2,}")
# Slack shows at most this many characters of a checkbox's label; longer items are refused
# here rather than cut off in the channel.
CHECKLIST_ITEM_MAX = 75
CHECKLIST_MAX = 30
LABEL_MAX = 40
# The summary shows each role as a field, beside the type and the checklist (ten at most).
ROLES_MAX = 8


@dataclass(frozen=True)
class ChecklistEntry:
    item: str
    within: timedelta | None = None


@dataclass(frozen=True)
class IncidentType:
    name: str
    label: str
    severity: str | None = None
    private: bool = False
    invite: tuple[str, ...] = ()
    escalation: str | None = None
    checklist: tuple[ChecklistEntry, ...] = ()


def _text(value: Any, key: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise config_error(key, "expected some text")
    if len(value.strip()) > limit:
        raise config_error(key, f"at most {limit} characters")
    return value.strip()


def _checklist(entries: Any, base: str) -> tuple[ChecklistEntry, ...]:
    if not isinstance(entries, list) or len(entries) > CHECKLIST_MAX:
        raise config_error(base, f'expected a list (at most {CHECKLIST_MAX}) of {{ item = "…" }}')
    parsed = []
    for index, entry in enumerate(entries, start=1):
        key = f"{base}[{index}]"
        if not isinstance(entry, dict):
            raise config_error(key, 'expected { item = "…", within = "15m" }')
        unknown = set(entry) - {"item", "within"}
        if unknown:
            raise config_error(f"{key}.{sorted(unknown)[0]}", "unknown key")
        item = _text(entry.get("item"), f"{key}.item", CHECKLIST_ITEM_MAX)
        within = None
        if "within" in entry:
            try:
                within = parse_duration(entry["within"])
            except ValueError as error:
                raise config_error(f"{key}.within", str(error)) from None
        parsed.append(ChecklistEntry(item, within))
    return tuple(parsed)


def _one_type(name: str, table: Any) -> IncidentType:
    base = f"[types.{name}]"
    if not NAME.fullmatch(name):
        raise config_error(base, "a type name is lowercase letters, digits, - or _ (up to 30)")
    if not isinstance(table, dict):
        raise config_error(base, "expected a table")
    unknown = set(table) - {"label", "severity", "private", "invite", "escalation", "checklist"}
    if unknown:
        raise config_error(f"{base}.{sorted(unknown)[0]}", "unknown key")
    label = _text(table.get("label", name.title()), f"{base}.label", LABEL_MAX)
    severity = table.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise config_error(f"{base}.severity", f"expected one of {', '.join(SEVERITIES)}")
    private = table.get("private", False)
    if not isinstance(private, bool):
        raise config_error(f"{base}.private", "expected true or false")
    invite = table.get("invite", [])
    if not isinstance(invite, list) or not all(
        isinstance(i, str) and INVITEE.fullmatch(i) for i in invite
    ):
        raise config_error(f"{base}.invite", "expected a list of user ids (U…) and @usergroups")
    escalation = table.get("escalation")
    if escalation is not None and not isinstance(escalation, str):
        raise config_error(f"{base}.escalation", "expected the name of a policy under [escalation]")
    return IncidentType(
        name=name,
        label=label,
        severity=severity,
        private=private,
        invite=tuple(invite),
        escalation=escalation,
        checklist=_checklist(table.get("checklist", []), f"{base}.checklist"),
    )


def parse_types(table: Any, policies: Mapping[str, Any]) -> dict[str, IncidentType]:
    """The [types] tables; each `escalation` must name a policy of [escalation]."""
    if not isinstance(table, dict):
        raise config_error("[types]", "expected tables such as [types.security]")
    types = {name: _one_type(name, body) for name, body in table.items()}
    for kind in types.values():
        if kind.escalation is not None and kind.escalation not in policies:
            known = ", ".join(sorted(policies)) or "none defined"
            raise config_error(
                f"[types.{kind.name}].escalation",
                f"unknown escalation policy {kind.escalation!r}; [escalation] has: {known}",
            )
    return types


def parse_incident_roles(table: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        raise config_error(
            "[incident_roles]", 'expected a table such as comms = "Communications lead"'
        )
    if len(table) > ROLES_MAX:
        raise config_error("[incident_roles]", f"at most {ROLES_MAX} roles")
    roles = {}
    for name, label in table.items():
        key = f"[incident_roles].{name}"
        if not NAME.fullmatch(name) or name == "lead":
            raise config_error(key, "a role name is lowercase letters, digits, - or _ (not 'lead')")
        roles[name] = _text(label, key, LABEL_MAX)
    return roles
