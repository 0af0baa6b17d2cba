"""Alerts from Prometheus Alertmanager: one incident per open incident_key.

A firing alert whose key already has an open incident counts against it (a timeline line
and a counter on the summary); otherwise it declares one through the same use case as
/incident. A resolved alert is noted on the timeline and, with [alerts].auto_resolve,
resolves the incident.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from incident import declare, lifecycle
from incident.access import system_caller
from incident.declare import DeclareForm
from incident.services import Services
from incident.vocabulary import Changes, clean, fit
from store import alert_firings, incidents
from store.models import Incident

log = structlog.get_logger("klaxon.alerts")
ALERTMANAGER = "alertmanager"


@dataclass(frozen=True)
class Alert:
    status: str  # firing | resolved
    labels: dict
    annotations: dict
    starts_at: str = ""
    fingerprint: str = ""


class _Blank(dict):
    def __missing__(self, key):
        return ""


def incident_key(services: Services, alert: Alert) -> str:
    return services.config.alert_key_template.format_map(_Blank(alert.labels))[:255]


def severity(services: Services, alert: Alert) -> str:
    label = str(alert.labels.get(services.config.alert_severity_label, "")).lower()
    return services.config.alert_severity_map.get(label, services.config.alert_default_severity)


def _form(services: Services, alert: Alert, key: str) -> DeclareForm:
    name = alert.labels.get("alertname") or "Alert"
    summary = alert.annotations.get("summary") or alert.annotations.get("title")
    title = clean(summary or f"{name} on {alert.labels.get('route') or key}")
    impact = clean(alert.annotations.get("impact") or "")
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    description = clean(alert.annotations.get("description") or "")
    description = f"{description}\n\nAlert labels: {labels}".strip()
    return DeclareForm(
        title=fit(" ".join(title.split()), "title"),
        severity=severity(services, alert),
        impact=fit(impact, "impact"),
        description=fit(description, "description"),
        lead_id=None,
    )


def ingest(services: Services, alerts: list[Alert], *, request_id: str | None = None) -> list:
    """Handle a webhook's alerts in order; returns what happened to each.

    The work grows with the distinct keys, not with the alerts: a webhook of a thousand
    alerts of one key is one lookup, one transaction for the thousand counts and one edit
    of the messages, not thousands of queries and Slack calls that outlast the sender's
    timeout (and Slack's rate limit). Counts are written before anything else happens to
    an incident, so its timeline keeps the webhook's order.
    """
    results = []
    open_incidents: dict[str, Incident | None] = {}  # by key, as looked up in this webhook
    pending: dict = {}  # incident id -> (incident, texts of firings not yet written)
    counted: dict = {}  # incident id -> incident, for the edit after the loop

    def write_counts() -> None:
        for incident, texts in pending.values():
            alert_firings.count_alerts(incident, texts)
            counted[incident.id] = incident
            log.info("alerts_counted", incident_ref=incident.display_ref, alerts=len(texts))
        pending.clear()

    for alert in alerts:
        key = incident_key(services, alert)
        name = alert.labels.get("alertname") or key
        if key not in open_incidents:
            open_incidents[key] = alert_firings.open_by_key(key)
        existing = open_incidents[key]
        if alert.status == "firing" and existing is not None:
            pending.setdefault(existing.id, (existing, []))[1].append(f"Alert {name} fired again")
            results.append(
                {"incident_key": key, "action": "counted", "incident": existing.display_ref}
            )
            continue
        if alert.status == "resolved" and existing is None:
            results.append({"incident_key": key, "action": "ignored", "incident": None})
            continue
        write_counts()
        del open_incidents[key]  # a declaration or a resolution may change what is open
        if alert.status == "firing":
            incident = declare.declare(
                services,
                system_caller(ALERTMANAGER, request_id),
                _form(services, alert, key),
                declaration_key=f"alert:{key}:{alert.fingerprint}:{alert.starts_at}"[:255],
                incident_key=key,
                route=alert.labels.get("route", "")[:255] or None,
            )
            action = "declared"
        else:
            incident = existing
            incidents.add_event(incident, "alert", f"Alert {name} resolved")
            action = "noted"
            if services.config.alert_auto_resolve:
                lifecycle.update(
                    services,
                    system_caller(ALERTMANAGER, request_id),
                    incident,
                    Changes(status="resolved", resolution=f"Alert {name} resolved"),
                    system=True,
                )
                action = "resolved"
        log.info(
            "alert_ingested", incident_key=key, action=action, incident_ref=incident.display_ref
        )
        results.append({"incident_key": key, "action": action, "incident": incident.display_ref})
    write_counts()
    for incident_id in counted:
        services.surface.refreshed(incidents.get(incident_id))  # as it is now, all counted
    return results
