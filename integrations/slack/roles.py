"""Who holds which role: [roles] in the config (user ids, @usergroups, emails) plus grants
stored with `klaxon roles grant`. Emails are compared in their canonical form (stripped,
case-folded: `store.roles.canonical_holder`) wherever they come from."""

from __future__ import annotations

from collections.abc import Mapping

from integrations.slack.people import People
from store import roles as stored_roles

# A denied user may have just been added to a user group: look again if our copy of the
# groups is older than this.
GROUPS_RECHECK_AFTER = 60.0


class RoleDirectory:
    def __init__(self, configured: Mapping[str, tuple[str, ...]], people: People) -> None:
        self._configured = {
            role: tuple(stored_roles.canonical_holder(h) for h in holders)
            for role, holders in configured.items()
        }
        self._people = people
        self.uses_groups = any(h.startswith("@") for hs in self._configured.values() for h in hs)

    def _configured_roles(self, user_id: str, email: str | None) -> set[str]:
        email = stored_roles.canonical_holder(email) if email else None
        held = set()
        for role, holders in self._configured.items():
            for holder in holders:
                if (
                    holder == user_id
                    or (email and holder == email)
                    or (holder.startswith("@") and user_id in self._people.group_members(holder))
                ):
                    held.add(role)
                    break
        return held

    def roles_of(self, user_id: str, email: str | None = None) -> set[str]:
        """Every role the user holds. One indexed query; Slack only when it must."""
        held = stored_roles.roles_of(user_id, email) | self._configured_roles(user_id, email)
        return held

    def holds(self, user_id: str, role: str) -> tuple[bool, set[str]]:
        """Whether the user holds `role`, and every role they hold (for the audit trail)."""
        held = self.roles_of(user_id)
        if role in held:
            return True, held
        if self.uses_groups and self._people.groups_older_than(GROUPS_RECHECK_AFTER):
            self._people.refresh_groups()
            held = self.roles_of(user_id)
        if role not in held and self._may_hold_by_email(role):
            held = self.roles_of(user_id, self._people.email(user_id))
        return role in held, held

    def holds_email(self, email: str, role: str) -> tuple[bool, set[str]]:
        """The same question for an identity known only by email (the ops API)."""
        held = stored_roles.roles_of(email) | self._configured_roles("", email)
        return role in held, held

    def _may_hold_by_email(self, role: str) -> bool:
        configured = any("@" in h[1:] for h in self._configured.get(role, ()))
        return configured or any("@" in g.holder for g in stored_roles.grants(role))
