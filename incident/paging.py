"""Paging outside Slack (PRODUCT §14): escalation requests pages, the scheduler delivers
them through the `Pager` ports under the incident's lease, and acknowledging or resolving
the incident tells every provider that was paged.

Nothing here runs while Slack waits: a page is a row first (store/pages.py), delivered by
timed work (`deliver_due`, from incident/due_work.py) or right after an ack or a resolve on
the background pool. A failed call is retried with back-off, shows on the timeline and the
summary, and a page that went through is never sent twice (one row per target; the
providers deduplicate on the incident's id as well).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog

from incident.ports import Delivery, PageContent
from incident.privacy import is_private
from incident.services import Services
from observability import metrics
from settings.paging import PROVIDER_LABELS, is_page_target, split_target
from store import due, incidents, pages
from store.fields import utcnow
from store.models import Incident, Page

log = structlog.get_logger("klaxon.paging")

PAGE_MAX_RETRY = timedelta(minutes=10)
# After this many failed calls in a row (about 3 h with the default retry) Klaxon stops
# trying that page and says so on the timeline.
PAGE_ATTEMPTS = 24
ERROR_MAX = 200
_OUTCOMES = {
    pages.TRIGGERED: "paged",
    pages.ACKNOWLEDGED: "acknowledged",
    pages.RESOLVED: "resolved",
}
_DONE = {
    pages.TRIGGERED: "Paged {label} {name}",
    pages.ACKNOWLEDGED: "Acknowledged the page in {label} {name}",
    pages.RESOLVED: "Resolved the page in {label} {name}",
}
_DOING = {
    pages.TRIGGERED: "Paging {label} {name}",
    pages.ACKNOWLEDGED: "Acknowledging the page in {label} {name}",
    pages.RESOLVED: "Resolving the page in {label} {name}",
}


def split(targets: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """An escalation level's targets: those Slack notifies, and (provider, target) pages."""
    slack, paged = [], []
    for target in targets:
        if is_page_target(target):
            paged.append((split_target(target)[0], target))
        else:
            slack.append(target)
    return slack, paged


def page_content(services: Services, incident: Incident) -> PageContent:
    """What a page tells the provider: the one place that decides what leaves Klaxon."""
    severity = incident.severity
    link = (
        services.surface.permalink(incident, incident.summary_ts)
        if incident.channel_id and incident.summary_ts
        else None
    )
    details = {"ref": incident.display_ref, "status": incident.status}
    # A private incident's title, impact and lead never leave its channel (PRODUCT §15).
    if is_private(incident):
        return PageContent(
            f"[{severity}] {incident.display_ref} (private incident)", severity, link, details
        )
    details.update(lead=incident.lead_id or "", impact=incident.impact)
    summary = f"[{severity}] {incident.display_ref} {incident.title}"
    return PageContent(summary, severity, link, details)


def request(incident: Incident, targets: list[tuple[str, str]], now: datetime) -> list[str]:
    """Escalation reached these pages: the new ones are due now; returns them."""
    return pages.request(incident, targets, now) if targets else []


def incident_acknowledged(services: Services, incident: Incident) -> None:
    _moved_on(services, incident, pages.ACKNOWLEDGED)


def incident_resolved(services: Services, incident: Incident) -> None:
    _moved_on(services, incident, pages.RESOLVED)


def _moved_on(services: Services, incident: Incident, state: str) -> None:
    if pages.want(incident.id, state, utcnow()):
        services.background.submit("page_now", page_now, services, incident.id)


def page_now(services: Services, incident_id) -> None:
    """Tell the providers at once, if no replica is working on the incident (then its
    next tick does, as the incident's next_page_at is due)."""
    owner = services.replica
    now = utcnow()
    incident = pages.claim(incident_id, now, owner=owner, lease=due.LEASE)
    if incident is None:
        return
    changes = deliver_due(services, incident, now)
    if not due.release(incident, owner=owner, **changes):
        log.warning("lease_lost", incident_ref=incident.display_ref)


def deliver_due(services: Services, incident: Incident, now: datetime) -> dict:
    """Every page of the incident that is due; returns the incident's next_page_at."""
    changed = False
    for page in pages.pending(incident, now):
        changed = _deliver(services, incident, page, now) or changed
    if changed:
        services.surface.refreshed(incident)
    return {"next_page_at": pages.next_attempt(incident.id)}


def _deliver(services: Services, incident: Incident, page: Page, now: datetime) -> bool:
    """One page's due call; returns whether what the summary shows of it changed."""
    name = page.target.partition(":")[2]
    label = PROVIDER_LABELS.get(page.provider, page.provider)
    if page.sent is None and page.wanted != pages.TRIGGERED:
        pages.skipped(page, now)
        text = f"No page sent to {label} {name}: {page.wanted} first"
        incidents.add_event(incident, "page_skipped", text, now=now)
        return True
    action = pages.TRIGGERED if page.sent is None else page.wanted
    if pages.RANK[action] <= pages.RANK[page.sent]:
        pages.skipped(page, now)
        return False
    result = _call(services, incident, page.provider, action, name)
    words = {"label": label, "name": name}
    if result.ok:
        pages.delivered(page, action, now)
        metrics.pages.labels(page.provider, _OUTCOMES[action]).inc()
        text = _DONE[action].format(**words)
        incidents.add_event(incident, f"page_{_OUTCOMES[action]}", text, now=now)
        log.info(
            "page_delivered",
            incident_ref=incident.display_ref,
            provider=page.provider,
            target=page.target,
            action=action,
        )
        return True
    metrics.pages.labels(page.provider, "failed").inc()
    error = " ".join(result.error.split())[:ERROR_MAX] or "failed"
    attempts = page.attempts + 1
    log.warning(
        "page_failed",
        incident_ref=incident.display_ref,
        provider=page.provider,
        target=page.target,
        action=action,
        attempts=attempts,
        error=error,
    )
    if attempts >= PAGE_ATTEMPTS:
        pages.failed(page, error, None)
        text = f"{_DOING[action].format(**words)} failed {attempts} times; gave up: {error}"
        incidents.add_event(incident, "page_failed", text, now=now)
        return True
    pages.failed(page, error, _retry_at(services, attempts, result, now))
    if error == page.last_error:
        return False  # the timeline and the summary already say so
    text = f"{_DOING[action].format(**words)} failed, retrying: {error}"
    incidents.add_event(incident, "page_failed", text, now=now)
    return True


def _call(
    services: Services, incident: Incident, provider: str, action: str, name: str
) -> Delivery:
    pager = services.pagers.get(provider)
    if pager is None:  # a page requested under a configuration that has since changed
        return Delivery(False, f"{PROVIDER_LABELS.get(provider, provider)} is not configured")
    key = str(incident.id)
    if action == pages.TRIGGERED:
        return pager.page(key, name, page_content(services, incident))
    if action == pages.ACKNOWLEDGED:
        return pager.acknowledge(key, name)
    return pager.resolve(key, name)


def _retry_at(services: Services, attempts: int, result: Delivery, now: datetime) -> datetime:
    """Back off from [scheduler].retry (30 s, 1 min, 2 min …, at most 10 min apart), never
    sooner than the provider's Retry-After."""
    delay = min(services.config.scheduler_retry * (2 ** (attempts - 1)), PAGE_MAX_RETRY)
    if result.retry_after:
        delay = max(delay, timedelta(seconds=min(result.retry_after, 3600)))
    return now + delay
