"""The paging providers the configuration names, for `Services.pagers`."""

from __future__ import annotations

from incident.ports import Pager
from integrations.opsgenie.pager import OpsgeniePager
from integrations.pagerduty.pager import PagerDutyPager
from settings.config import Config
from settings.paging import OPSGENIE, PAGERDUTY


def paging_secrets(config: Config) -> tuple[str, ...]:
    """Every paging key and webhook secret, for the log redaction."""
    return (
        *config.pagerduty_routing_keys.values(),
        config.opsgenie_api_key,
        *config.pagerduty_webhook_secrets,
        *config.opsgenie_webhook_tokens,
    )


def build_pagers(config: Config) -> dict[str, Pager]:
    timeout = config.paging_timeout.total_seconds()
    pagers: dict[str, Pager] = {}
    if config.pagerduty_routing_keys:
        pagers[PAGERDUTY] = PagerDutyPager(
            config.pagerduty_routing_keys, config.pagerduty_events_url, timeout
        )
    if config.opsgenie_api_key:
        pagers[OPSGENIE] = OpsgeniePager(config.opsgenie_api_key, config.opsgenie_api_url, timeout)
    return pagers
