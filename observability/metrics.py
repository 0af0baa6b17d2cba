"""Prometheus metrics. Counters and histograms are updated where things happen; the open
incidents gauge is read from the database at scrape time, so every replica reports the
same truth."""

from __future__ import annotations

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

DURATION_BUCKETS = (60, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200)
FAST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

time_to_acknowledge = Histogram(
    "klaxon_time_to_acknowledge_seconds",
    "From declaration to acknowledgement.",
    buckets=DURATION_BUCKETS,
)
time_to_resolve = Histogram(
    "klaxon_time_to_resolve_seconds", "From declaration to resolution.", buckets=DURATION_BUCKETS
)
slack_calls = Counter("klaxon_slack_api_calls_total", "Slack Web API calls.", ["method"])
slack_errors = Counter(
    "klaxon_slack_api_errors_total", "Slack Web API calls that failed.", ["method", "error"]
)
slack_retries = Counter(
    "klaxon_slack_api_retries_total",
    "Slack Web API calls retried (429, 5xx, connection errors).",
    ["method"],
)
interactions = Histogram(
    "klaxon_interaction_seconds",
    "Time from a Slack interaction's arrival to its acknowledgement.",
    ["kind"],
    buckets=FAST_BUCKETS,
)
nudges = Counter("klaxon_nudges_total", "Nudges sent.", ["kind"])
escalations = Counter("klaxon_escalations_total", "Escalation levels notified.", ["level"])
scheduler_tick = Histogram(
    "klaxon_scheduler_tick_seconds", "Duration of a scheduler tick.", buckets=FAST_BUCKETS
)
rate_limited = Counter(
    "klaxon_ack_rate_limited_total", "Acknowledgements refused by the rate limit."
)
access_denied = Counter(
    "klaxon_access_denied_total", "Attempts refused for a missing role.", ["action"]
)

# Why an ops API request failed authentication: a fixed set, never a caller's text.
AUTH_FAILURE_REASONS = (
    "token_missing",
    "token_invalid",
    "token_no_identity",
    "signature_missing",
    "signature_malformed",
    "signature_expired",
    "signature_mismatch",
    "signature_replayed",
    "alert_token_invalid",
    "role_missing",
    "throttled",
    "pagerduty_signature_invalid",
    "opsgenie_token_invalid",
)
ops_auth_failures = Counter(
    "klaxon_ops_auth_failures_total",
    "Ops API requests refused with 401 or 403, and those throttled (429) after too many.",
    ["reason"],
)
for _reason in AUTH_FAILURE_REASONS:
    ops_auth_failures.labels(_reason)
pages = Counter(
    "klaxon_pages_total",
    "Calls to paging providers: outcome paged, acknowledged, resolved, or failed.",
    ["provider", "outcome"],
)


class OpenIncidents(Collector):
    """klaxon_incidents_open{severity,status}, counted in the database when scraped."""

    def __init__(self, database, count_open) -> None:
        self._database = database
        self._count_open = count_open

    def collect(self):
        family = GaugeMetricFamily(
            "klaxon_incidents_open", "Unresolved incidents.", labels=["severity", "status"]
        )
        with self._database.connection_context():
            for (severity, status), count in sorted(self._count_open().items()):
                family.add_metric([severity, status], count)
        yield family


def watch_open_incidents(database, count_open) -> OpenIncidents:
    collector = OpenIncidents(database, count_open)
    REGISTRY.register(collector)
    return collector
