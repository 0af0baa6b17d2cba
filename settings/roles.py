"""[roles]: who holds which role, as Slack user ids, @usergroups or emails. `klaxon roles`
checks a holder against the same pattern before storing a grant."""

from __future__ import annotations

import re
from typing import Any

from settings.errors import config_error

HOLDER = re.compile(r"@[A-Za-z0-9._-]{1,80}|[UW][A-Z0-9]{2,}|[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_roles(table: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise config_error("[roles]", "expected a table of role = [holders]")
    roles = {}
    for role, holders in table.items():
        key = f"[roles].{role}"
        if not isinstance(holders, list):
            raise config_error(key, f"expected a list of user ids and @usergroups, got {holders!r}")
        for holder in holders:
            if not isinstance(holder, str) or not HOLDER.fullmatch(holder):
                raise config_error(
                    key, f"expected a user id (U…), @usergroup or email, got {holder!r}"
                )
        roles[role] = tuple(holders)
    return roles
