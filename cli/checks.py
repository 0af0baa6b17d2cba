"""`klaxon check`: can this configuration run? One line per check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import websocket
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from integrations.opsgenie.pager import OpsgeniePager
from integrations.slack.client import error_code, find_channel, retry_handlers, web_client
from settings.config import Config
from settings.paging import routing_key_variable
from store import db, migrate


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def _bot_token(slack: WebClient) -> Check:
    try:
        who = slack.auth_test()
        return Check("bot token", True, f"auth.test: @{who['user']} in {who['team']}")
    except (SlackApiError, OSError) as error:
        return Check("bot token", False, f"auth.test failed: {error_code(error)}")


def _socket_mode(config: Config) -> Check:
    app_client = WebClient(
        token=config.app_token, base_url=config.api_url, retry_handlers=retry_handlers()
    )
    try:
        url = app_client.apps_connections_open(app_token=config.app_token)["url"]
    except (SlackApiError, OSError) as error:
        return Check("app token", False, f"apps.connections.open failed: {error_code(error)}")
    try:
        connection = websocket.create_connection(url, timeout=10)
        try:
            hello = json.loads(connection.recv())
        finally:
            connection.close()
    except (OSError, websocket.WebSocketException, ValueError) as error:
        return Check("app token", False, f"Socket Mode handshake failed: {error}")
    if hello.get("type") != "hello":
        return Check("app token", False, f"expected hello, got {hello.get('type')!r}")
    return Check("app token", True, "Socket Mode handshake: hello received")


def _database(config: Config) -> Check:
    where = db.safe_url(config.database_url)
    try:
        database = db.open_database(config.database_url)
        pending = migrate.pending(database)
        db.close(database)
    except Exception as error:
        return Check("database", False, f"{where}: {type(error).__name__}: {error}".strip())
    if pending:
        return Check(
            "database",
            False,
            f"{where}: pending migrations {', '.join(pending)}; run `klaxon migrate`",
        )
    return Check("database", True, f"{where}: reachable, migrations current")


def _incidents_channel(config: Config, slack: WebClient) -> Check:
    name = f"incidents channel #{config.incidents_channel}"
    try:
        channel = find_channel(slack, config.incidents_channel, "public_channel,private_channel")
    except (SlackApiError, OSError) as error:
        return Check(name, False, f"lookup failed: {error_code(error)}")
    if channel is None:
        # Slack lists a private channel only to its members, so "private, Klaxon not
        # invited" looks exactly like "no such channel".
        return Check(
            name,
            False,
            "not found; create it or fix [slack].incidents_channel "
            "(a private channel: /invite @Klaxon in it first)",
        )
    if not channel.get("is_member"):  # public: joined on the first announcement
        return Check(
            name, True, "the bot is not a member (Klaxon joins it on the first announcement)"
        )
    return Check(name, True, f"exists ({channel['id']}), the bot is a member")


def _user_groups(config: Config, slack: WebClient) -> Iterator[Check]:
    named = [h for holders in config.roles.values() for h in holders]
    named += [h for kind in config.types.values() for h in kind.invite]  # [types] invitees
    handles = sorted({h[1:] for h in named if h.startswith("@")})
    if not handles:
        return
    try:
        groups = {g["handle"]: g for g in slack.usergroups_list(include_users=True)["usergroups"]}
    except (SlackApiError, OSError) as error:
        yield Check("user groups", False, f"usergroups.list failed: {error_code(error)}")
        return
    for handle in handles:
        group = groups.get(handle)
        if group is None:
            yield Check(f"user group @{handle}", False, "not found in Slack")
        else:
            yield Check(f"user group @{handle}", True, f"{len(group.get('users') or [])} members")


# PagerDuty's integration (routing) keys are 32 characters.
ROUTING_KEY_LENGTH = 32


def _paging(config: Config) -> Iterator[Check]:
    """The keys the escalation's pages need are set (the start refuses otherwise) and
    look right; Opsgenie is asked whether it takes its key."""
    for name, key in sorted(config.pagerduty_routing_keys.items()):
        source = f"{routing_key_variable(name)} or PAGERDUTY_ROUTING_KEY"
        if len(key) != ROUTING_KEY_LENGTH:
            yield Check(
                f"pagerduty:{name}",
                False,
                f"the routing key from {source} is {len(key)} characters, not 32",
            )
        else:
            yield Check(f"pagerduty:{name}", True, f"routing key set ({source})")
    if config.opsgenie_api_key:
        pager = OpsgeniePager(
            config.opsgenie_api_key,
            config.opsgenie_api_url,
            config.paging_timeout.total_seconds(),
        )
        ok, detail = pager.check()
        yield Check(f"Opsgenie at {config.opsgenie_api_url}", ok, detail)


def run_checks(config: Config) -> list[Check]:
    slack = web_client(config)
    checks = [_bot_token(slack), _socket_mode(config), _database(config)]
    if checks[0].ok:
        checks.append(_incidents_channel(config, slack))
        checks.extend(_user_groups(config, slack))
    checks.extend(_paging(config))
    return checks
