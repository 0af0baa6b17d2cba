"""Who people are: Slack profiles (for emails) and user-group members, cached in memory;
display names (for reports), cached in the store."""

from __future__ import annotations

import threading
import time

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from integrations.slack.client import error_code
from store import person_names
from store.fields import utcnow

log = structlog.get_logger("klaxon.people")
PROFILE_TTL = 600.0


class People:
    def __init__(self, slack: WebClient) -> None:
        self._slack = slack
        self._lock = threading.Lock()
        self._emails: dict[str, tuple[float, str | None]] = {}
        self._groups: dict[str, frozenset[str]] = {}
        self._group_ids: dict[str, str] = {}
        self.groups_loaded_at: float | None = None

    def email(self, user_id: str) -> str | None:
        """The user's profile email (users:read.email), or None when Slack won't say."""
        now = time.monotonic()
        cached = self._emails.get(user_id)
        if cached and now - cached[0] < PROFILE_TTL:
            return cached[1]
        try:
            profile = self._slack.users_info(user=user_id)["user"].get("profile", {})
            email = profile.get("email")
        except SlackApiError as error:
            log.warning("profile_lookup_failed", user_id=user_id, error=error_code(error))
            return cached[1] if cached else None
        with self._lock:
            self._emails[user_id] = (now, email)
        return email

    def refresh_names(self, user_ids) -> None:
        """Ask Slack (users.info) for the display names of these people that the store has
        not cached, or cached more than a day ago, and cache them. A lookup that fails keeps
        the name cached before, if any."""
        now = utcnow()
        fetched = {}
        for user_id in sorted(person_names.stale(user_ids, now=now)):
            try:
                user = self._slack.users_info(user=user_id)["user"]
            except SlackApiError as error:
                log.warning("name_lookup_failed", user_id=user_id, error=error_code(error))
                continue
            name = display_name(user)
            if name:
                fetched[user_id] = name
        person_names.remember(fetched, now=now)

    def group_members(self, handle: str) -> frozenset[str]:
        return self._groups.get(handle.lstrip("@"), frozenset())

    def group_id(self, handle: str) -> str | None:
        """The id of a user group (for a <!subteam^ID> mention), loading groups if needed."""
        handle = handle.lstrip("@")
        if handle not in self._group_ids:
            self.refresh_groups()
        return self._group_ids.get(handle)

    def refresh_groups(self) -> None:
        """Reload every user group and its members in one call."""
        try:
            response = self._slack.usergroups_list(include_users=True)
        except SlackApiError as error:
            log.warning("usergroups_refresh_failed", error=error_code(error))
            return
        listed = response.get("usergroups", [])
        groups = {group["handle"]: frozenset(group.get("users") or ()) for group in listed}
        with self._lock:
            self._groups = groups
            self._group_ids = {group["handle"]: group["id"] for group in listed}
            self.groups_loaded_at = time.monotonic()
        log.info("usergroups_refreshed", groups=len(groups))

    def groups_older_than(self, seconds: float) -> bool:
        loaded = self.groups_loaded_at
        return loaded is None or time.monotonic() - loaded > seconds


def display_name(user: dict) -> str | None:
    """What Slack shows for a person: the display name they chose, else their full name."""
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("name")):
        if name and name.strip():
            return name.strip()
    return None
