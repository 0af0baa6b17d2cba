"""Paging settings: which escalation targets page (`pagerduty:<name>`, `opsgenie:<team>`),
and the keys, endpoints and webhook secrets they need, all from the environment.

A target whose key is missing, or an unknown provider prefix, stops the start with one
line naming the level and the variable to set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from settings.errors import ConfigError
from settings.sources import optional_secret, rotating_secret

PAGERDUTY = "pagerduty"
OPSGENIE = "opsgenie"
PROVIDERS = (PAGERDUTY, OPSGENIE)
PROVIDER_LABELS = {PAGERDUTY: "PagerDuty", OPSGENIE: "Opsgenie"}
DEFAULT_PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
DEFAULT_OPSGENIE_API_URL = "https://api.opsgenie.com"
ENQUEUE_PATH = "/v2/enqueue"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def is_page_target(target: str) -> bool:
    """Whether an escalation target pages outside Slack (it names a provider)."""
    return ":" in target


def split_target(target: str) -> tuple[str, str]:
    """("pagerduty", "payments") for "pagerduty:payments"; ValueError for anything else."""
    provider, _, name = target.partition(":")
    if provider not in PROVIDERS:
        raise ValueError(
            f"unknown paging provider {provider!r} in {target!r}; expected pagerduty:<name> "
            "or opsgenie:<team>"
        )
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"expected {provider}:<name> with letters, digits, - or _ after the colon, "
            f"got {target!r}"
        )
    return provider, name


def routing_key_variable(name: str) -> str:
    return "PAGERDUTY_ROUTING_KEY_" + name.upper().replace("-", "_")


def _url(env: Mapping[str, str], variable: str, default: str) -> str:
    value = env.get(variable, "").strip() or default
    if not re.match(r"https?://", value):
        raise ConfigError(f"config error: {variable}: expected an http(s) URL, got {value!r}")
    return value.rstrip("/")


def load_paging(env: Mapping[str, str], targets: Iterable[tuple[str, str]]) -> dict:
    """Keyword arguments for `Config` from the environment; `targets` are the escalation
    levels' targets as (config key, target). Raises ConfigError for a missing key."""
    routing_keys: dict[str, str] = {}
    opsgenie_key = optional_secret(env, "OPSGENIE_API_KEY")
    default_routing_key = optional_secret(env, "PAGERDUTY_ROUTING_KEY")
    for key, target in targets:
        provider, name = split_target(target)
        if provider == PAGERDUTY:
            variable = routing_key_variable(name)
            routing_key = optional_secret(env, variable) or default_routing_key
            if not routing_key:
                raise ConfigError(
                    f"config error: {key}: {target} needs {variable} (or PAGERDUTY_ROUTING_KEY)"
                    " in the environment"
                )
            routing_keys[name] = routing_key
        elif not opsgenie_key:
            raise ConfigError(
                f"config error: {key}: {target} needs OPSGENIE_API_KEY in the environment"
            )
    events_url = _url(env, "PAGERDUTY_EVENTS_URL", DEFAULT_PAGERDUTY_EVENTS_URL)
    if not events_url.startswith("https://"):
        # PagerDuty's client refuses anything else (a test's emulator serves TLS too, with
        # its certificate in SSL_CERT_FILE).
        raise ConfigError(
            f"config error: PAGERDUTY_EVENTS_URL: expected an https:// URL, got {events_url!r}"
        )
    if not events_url.endswith(ENQUEUE_PATH):
        raise ConfigError(
            f"config error: PAGERDUTY_EVENTS_URL: expected the full enqueue URL ending in "
            f"{ENQUEUE_PATH}, got {events_url!r}"
        )
    return {
        "pagerduty_routing_keys": routing_keys,
        "pagerduty_events_url": events_url,
        "pagerduty_webhook_secrets": rotating_secret(env, "PAGERDUTY_WEBHOOK_SECRET"),
        "opsgenie_api_key": opsgenie_key,
        "opsgenie_api_url": _url(env, "OPSGENIE_API_URL", DEFAULT_OPSGENIE_API_URL),
        "opsgenie_webhook_tokens": rotating_secret(env, "OPSGENIE_WEBHOOK_TOKEN"),
    }
