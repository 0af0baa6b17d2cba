"""Configuration: a TOML file for settings, the environment for secrets and endpoints.

Every problem is raised as one `ConfigError` whose message names the offending key, so
the daemon can print a single line and exit with status 2 instead of a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from incident.vocabulary import SEVERITIES
from settings import values
from settings.errors import ConfigError, config_error
from settings.escalation import EscalationLevel, page_targets, parse_escalation
from settings.paging import DEFAULT_OPSGENIE_API_URL, DEFAULT_PAGERDUTY_EVENTS_URL, load_paging
from settings.retention import Retention, parse_retention
from settings.roles import parse_roles
from settings.sources import (
    DEFAULT_DATABASE_URL,
    config_path,
    database_url,
    log_level,
    read_document,
    rotating_secret,
    secret,
)
from settings.status_page import StatusPage
from settings.status_page import parse as parse_status_page
from settings.types import IncidentType, parse_incident_roles, parse_types

DEFAULT_API_URL = "https://slack.com/api/"
UPDATE_EVERY = {
    "SEV1": timedelta(minutes=15),
    "SEV2": timedelta(minutes=30),
    "SEV3": timedelta(hours=1),
    "SEV4": timedelta(hours=4),
}
ALERT_SEVERITIES = {"critical": "SEV1", "error": "SEV2", "warning": "SEV3", "info": "SEV4"}


@dataclass(frozen=True)
class Config:
    bot_token: str
    app_token: str
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    incidents_channel: str = "incidents"
    channel_prefix: str = "inc"
    # How long one Web API request may take before it counts as failed (and is retried).
    slack_timeout: timedelta = timedelta(seconds=15)
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ack_role: str = "ops_admin"
    ack_rate_limit: int = 10
    ack_rate_window: timedelta = timedelta(minutes=1)
    update_every: Mapping[str, timedelta] = field(default_factory=lambda: dict(UPDATE_EVERY))
    lead_missing_after: timedelta = timedelta(minutes=10)
    followup_after: timedelta = timedelta(hours=24)
    # [lifecycle]: archive a resolved incident's channel this long after resolution once
    # its follow-ups are done (None: never), and at the latest after archive_after_max.
    archive_after: timedelta | None = None
    archive_after_max: timedelta = timedelta(days=30)
    escalation: Mapping[str, tuple[EscalationLevel, ...]] = field(default_factory=dict)
    scheduler_tick: timedelta = timedelta(seconds=30)
    scheduler_retry: timedelta = timedelta(seconds=30)
    http_bind: str = "127.0.0.1"
    http_port: int = 8080
    workers: int = 8
    # The machines' API (/ops/…): secrets from the environment, settings from [ops_api].
    ops_jwt_secret: str = ""
    ops_hmac_secrets: tuple[str, ...] = ()
    ops_alert_token: str = ""
    jwt_audience: str = "klaxon"
    jwt_issuer: str = ""
    jwks_url: str = ""
    # Also accept the older signature over "<X-Timestamp>.<body>" alone (weaker: it does not
    # bind the method and path). Off unless [ops_api].legacy_body_signature = true.
    ops_legacy_body_signature: bool = False
    # Failed authentications one client address may make per window before it gets 429s.
    ops_auth_failure_limit: int = 20
    ops_auth_failure_window: timedelta = timedelta(minutes=1)
    alert_key_template: str = "{route}::{alertname}"
    alert_severity_label: str = "severity"
    alert_severity_map: Mapping[str, str] = field(default_factory=lambda: dict(ALERT_SEVERITIES))
    alert_default_severity: str = "SEV3"
    alert_auto_resolve: bool = False
    # [status_page]: None when the section is absent (no public page is served).
    status_page: StatusPage | None = None
    retention: Retention = field(default_factory=Retention)
    # The secrets accepted during a rotation (OPS_JWT_SECRET_PREVIOUS,
    # OPS_ALERT_TOKEN_PREVIOUS), beside the current ones above.
    ops_jwt_secret_previous: str = ""
    ops_alert_token_previous: str = ""

    @property
    def ops_jwt_secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ops_jwt_secret, self.ops_jwt_secret_previous) if s)

    @property
    def ops_alert_tokens(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ops_alert_token, self.ops_alert_token_previous) if s)

    # Paging outside Slack (PRODUCT §14): keys and URLs from the environment, see
    # settings/paging.py; [paging] for the rest.
    pagerduty_routing_keys: Mapping[str, str] = field(default_factory=dict)
    pagerduty_events_url: str = DEFAULT_PAGERDUTY_EVENTS_URL
    pagerduty_webhook_secrets: tuple[str, ...] = ()
    opsgenie_api_key: str = ""
    opsgenie_api_url: str = DEFAULT_OPSGENIE_API_URL
    opsgenie_webhook_tokens: tuple[str, ...] = ()
    paging_resolve_from_pager: bool = False
    paging_timeout: timedelta = timedelta(seconds=10)
    # Incident types ([types.<name>]), roles beside the lead ([incident_roles]), and whether
    # the incidents channel hears that a private incident was declared.
    types: Mapping[str, IncidentType] = field(default_factory=dict)
    incident_roles: Mapping[str, str] = field(default_factory=dict)
    announce_private: bool = True


def _severity(value: Any) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"expected one of {', '.join(SEVERITIES)}, got {value!r}")
    return value


def _severity_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ValueError('expected a table such as { critical = "SEV1" }')
    return {str(label): _severity(severity) for label, severity in value.items()}


_SECTIONS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "slack": {
        "incidents_channel": (
            "incidents_channel",
            values.string(
                r"#?[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{2,}", "expected a channel name or id"
            ),
        ),
        "channel_prefix": (
            "channel_prefix",
            values.string(
                r"[a-z0-9][a-z0-9_-]{0,19}", "expected lowercase letters, digits, - or _"
            ),
        ),
        "request_timeout": ("slack_timeout", values.positive_duration),
        "announce_private": ("announce_private", values.boolean),
    },
    "ack": {
        "role": ("ack_role", values.string(r"[A-Za-z0-9_.-]+", "expected a role name")),
        "rate_limit": ("ack_rate_limit", values.integer(1, 10_000)),
        "rate_window": ("ack_rate_window", values.positive_duration),
    },
    "nudges": {
        "lead_missing_after": ("lead_missing_after", values.positive_duration),
        "followup_after": ("followup_after", values.positive_duration),
    },
    "lifecycle": {
        "archive_after": ("archive_after", values.off_or_duration),
        "archive_after_max": ("archive_after_max", values.positive_duration),
    },
    "scheduler": {
        "tick": ("scheduler_tick", values.positive_duration),
        "retry": ("scheduler_retry", values.positive_duration),
    },
    "http": {
        "port": ("http_port", values.integer(0, 65535)),
        "bind": ("http_bind", values.string()),
    },
    "daemon": {"workers": ("workers", values.integer(1, 64))},
    "ops_api": {
        "jwt_audience": ("jwt_audience", values.string()),
        "jwt_issuer": ("jwt_issuer", values.optional_string),
        "jwks_url": ("jwks_url", values.optional_url),
        "legacy_body_signature": ("ops_legacy_body_signature", values.boolean),
        "auth_failure_limit": ("ops_auth_failure_limit", values.integer(1, 100_000)),
        "auth_failure_window": ("ops_auth_failure_window", values.positive_duration),
    },
    "alerts": {
        "key_template": ("alert_key_template", values.template),
        "severity_label": (
            "alert_severity_label",
            values.string(r"[A-Za-z_][A-Za-z0-9_]*", "expected a label name"),
        ),
        "severity_map": ("alert_severity_map", _severity_map),
        "default_severity": ("alert_default_severity", _severity),
        "auto_resolve": ("alert_auto_resolve", values.boolean),
    },
    "paging": {
        "resolve_from_pager": ("paging_resolve_from_pager", values.boolean),
        "request_timeout": ("paging_timeout", values.positive_duration),
    },
}


def _parse_update_every(table: Any, defaults: Mapping[str, timedelta]) -> dict[str, timedelta]:
    if not isinstance(table, dict):
        raise config_error("[nudges].update_every", 'expected a table such as { SEV1 = "15m" }')
    result = dict(defaults)
    for severity, value in table.items():
        key = f"[nudges].update_every.{severity}"
        if severity not in SEVERITIES:
            raise config_error(key, f"unknown severity; expected one of {', '.join(SEVERITIES)}")
        try:
            result[severity] = values.positive_duration(value)
        except ValueError as error:
            raise config_error(key, str(error)) from None
    return result


# Sections parsed whole by their own module, each into the Config attribute of its name.
_WHOLE_SECTIONS: dict[str, Callable[[Any, Mapping[str, str]], Any]] = {
    "roles": lambda table, env: parse_roles(table),
    "escalation": lambda table, env: parse_escalation(table),
    "status_page": parse_status_page,
    "retention": lambda table, env: parse_retention(table, config_error),
    "incident_roles": lambda table, env: parse_incident_roles(table),
}
# Parsed once the loop is done: the types name [escalation]'s policies.
_AFTER_THE_REST = {"types"}


def parse_settings(
    document: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Turn a parsed TOML document into keyword arguments for `Config`."""
    settings: dict[str, Any] = {}
    for section, table in document.items():
        if not (section in _SECTIONS or section in _WHOLE_SECTIONS or section in _AFTER_THE_REST):
            raise config_error(f"[{section}]", "unknown section")
        if section in _AFTER_THE_REST:
            continue
        if section in _WHOLE_SECTIONS:
            settings[section] = _WHOLE_SECTIONS[section](table, os.environ if env is None else env)
            continue
        if not isinstance(table, dict):
            raise config_error(f"[{section}]", "expected a table")
        known = _SECTIONS.get(section, {})
        for key, value in table.items():
            if (section, key) == ("nudges", "update_every"):
                settings["update_every"] = _parse_update_every(value, UPDATE_EVERY)
                continue
            if key not in known:
                raise config_error(f"[{section}].{key}", "unknown key")
            attribute, parse = known[key]
            try:
                settings[attribute] = parse(value)
            except ValueError as error:
                raise config_error(f"[{section}].{key}", str(error)) from None
    if "types" in document:
        settings["types"] = parse_types(document["types"], settings.get("escalation", {}))
    if "incidents_channel" in settings:
        settings["incidents_channel"] = settings["incidents_channel"].lstrip("#")
    return settings


def load(env: Mapping[str, str] | None = None, *, require_tokens: bool = True) -> Config:
    """Build the configuration from the environment and the TOML file it points to."""
    env = os.environ if env is None else env
    settings = parse_settings(read_document(config_path(env)), env)
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if not re.match(r"https?://", api_url):
        raise ConfigError(f"config error: SLACK_API_URL: expected an http(s) URL, got {api_url!r}")
    if require_tokens:
        bot_token = secret(env, "SLACK_BOT_TOKEN", "xoxb-")
        app_token = secret(env, "SLACK_APP_TOKEN", "xapp-")
    else:
        bot_token = app_token = ""
    jwt_secret, jwt_previous = (*rotating_secret(env, "OPS_JWT_SECRET"), "", "")[:2]
    alert_token, alert_previous = (*rotating_secret(env, "OPS_ALERT_TOKEN"), "", "")[:2]
    paging = load_paging(env, page_targets(settings.get("escalation", {})))
    return Config(
        bot_token=bot_token,
        app_token=app_token,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        database_url=database_url(env),
        log_level=log_level(env),
        ops_jwt_secret=jwt_secret,
        ops_jwt_secret_previous=jwt_previous,
        ops_hmac_secrets=rotating_secret(env, "OPS_HMAC_SECRET"),
        ops_alert_token=alert_token,
        ops_alert_token_previous=alert_previous,
        **paging,
        **settings,
    )
