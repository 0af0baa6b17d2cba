"""The declaration's Slack steps: channel, invitations, pinned summary, announcement.

What the steps made is recorded on the incident row as their branches end (branches.py),
and a step whose answer may have been lost (a timeout, a crash) is looked up in Slack before
it is done again, so a retry never makes anything twice.
"""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from incident import types
from incident.privacy import is_private
from incident.services import Services
from integrations.slack import branches, messages, posted_before, runbook, status_page_summary
from integrations.slack.client import SlackCode, error_code, find_channel
from integrations.slack.text import channel_name, named_by_title
from integrations.slack.timed_posts import post_joining
from store import due, incidents
from store.fields import utcnow
from store.models import Incident

log = structlog.get_logger("klaxon.declare")
MAX_NAME_ATTEMPTS = 25


def complete_setup(
    services: Services, incident: Incident, hold: due.Hold, *, resuming: bool
) -> list[str]:
    """Create whatever of channel, invites, pinned summary and announcement is missing.

    `resuming` is set when an earlier try may have reached Slack without saving what it
    did: posts are then looked up first, and invitations sent again (they are idempotent).
    Any exception in a step counts as that step failing. Returns the steps that failed, in
    words a reporter understands; raises due.HoldLost if the lease was lost meanwhile.
    """
    failures: list[str] = []
    records = branches.Records(incident)

    def step(name: str, words: str, action) -> bool:
        if not hold.keep(utcnow()):
            raise due.HoldLost(incident.display_ref)
        try:
            action()
        except Exception as error:
            code = error_code(error)
            log.warning(
                "declare_step_failed", step=name, error=code, incident_ref=incident.display_ref
            )
            failures.append(f"{words} (Slack said: {code})")
            return False
        return True

    def record(*, summary: bool = False) -> None:
        made = records.to_write(summary=summary)
        if made:
            step(
                "record",
                "what was made in Slack could not be recorded",
                lambda: incidents.update_fields(incident, **made),
            )

    def invite() -> None:
        step(
            "invite",
            "people could not be invited to the incident channel",
            lambda: _invite(services, incident),
        )

    def summary() -> None:
        if incident.summary_ts is None:
            step(
                "summary_post",
                "the summary message was not posted",
                lambda: _post_summary(services, incident, resuming),
            )
        if incident.summary_ts and not incident.summary_pinned:
            step(
                "summary_pin",
                "the summary message was not pinned",
                lambda: _pin_summary(services, incident),
            )
        record(summary=True)

    def checklist() -> None:
        step(
            "checklist_post",
            "the checklist was not posted",
            lambda: runbook.post_checklist(services, incident, resuming=resuming),
        )

    def announce() -> None:
        step(
            "announce",
            f"the announcement in #{services.config.incidents_channel} was not posted",
            lambda: _announce(services, incident, resuming),
        )
        record()

    created_now = False
    if incident.channel_id is None:
        created_now = step(
            "channel_create",
            runbook.PRIVATE_CHANNEL_FAILED
            if is_private(incident)
            else "the incident channel could not be created",
            lambda: _create_channel(services, incident),
        )

    # Once the channel exists, the rest does not depend on each other (only the pin waits
    # for its summary): the branches run at once, the longest (post, then pin) first, in
    # this thread, which is already running.
    at_once = []
    if incident.channel_id:
        records.summary_starts()
        at_once.append(summary)
    if incident.announcement_ts is None and _announces(services, incident):
        at_once.append(announce)
    if incident.channel_id:
        if incident.checklist_ts is None and (resuming or _has_checklist(services, incident)):
            at_once.append(checklist)
        if created_now or resuming:
            at_once.append(invite)
    branches.together(services.database, at_once)
    record()  # what no branch wrote: a channel with nothing after it
    return failures


def _has_checklist(services: Services, incident: Incident) -> bool:
    """Whether the incident was declared with checklist items: its type has a checklist
    (asked of the configuration, not the database, on the first try)."""
    kind = types.of(services.config, incident)
    return bool(kind and kind.checklist)


def _announces(services: Services, incident: Incident) -> bool:
    """Whether the incidents channel hears of the incident ([slack] announce_private)."""
    return services.config.announce_private or not is_private(incident)


def _title(incident: Incident) -> str:
    """What the channel's name is made of: a private incident's channel is named for its
    ref, since a channel's name shows in places its members do not control (invitations,
    links), and its title must not."""
    return "" if is_private(incident) else incident.title


def _names(services: Services, incident: Incident):
    """The channel names the incident may have, in order: `-2`, `-3`… after the first."""
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        yield channel_name(
            services.config.channel_prefix,
            incident.declared_at,
            _title(incident),
            incident.display_ref,
            attempt,
        )


def first_name(services: Services, incident: Incident) -> str | None:
    """The name the channel is tried under first (the declaration reserves it with the row);
    None while the incident's ref is unknown, if the name is made of it."""
    if incident.ref is None and not named_by_title(_title(incident)):
        return None
    return next(_names(services, incident))


def _reserved(incident: Incident, name: str) -> bool:
    return incident.channel_name == name or incidents.reserve_channel_name(incident, name)


def reserve_name(services: Services, incident: Incident) -> None:
    """Reserve the first free name for the channel, in the caller's transaction: the
    declaration's, so the reservation costs no commit of its own before the channel (and
    no statement when the declaration's INSERT reserved `first_name` already).
    Declarations reserve one at a time: their transactions queue on the ref counter's row
    (on SQLite, on the database's write lock), so each sees the names taken before it."""
    for name in _names(services, incident):
        if _reserved(incident, name):
            return


def _create_channel(services: Services, incident: Incident) -> None:
    """Create the channel under the first free name; each name is reserved on the row
    before Slack is asked, so a channel whose creation answer was lost can be recognised
    (and adopted) on the next try instead of leaving an orphan and creating `-2`."""
    private = {"is_private": True} if is_private(incident) else {}
    for name in _names(services, incident):
        if not _reserved(incident, name):
            continue
        try:
            channel = services.slack.conversations_create(name=name, **private)["channel"]
        except SlackApiError as error:
            if error_code(error) != SlackCode.NAME_TAKEN:
                raise
            channel = posted_before.channel(services, incident, name)
            if channel is None:
                continue
            log.info("incident_channel_adopted", incident_ref=incident.display_ref, channel=name)
        incident.channel_id = channel["id"]  # recorded once the steps are over (complete_setup)
        log.info("incident_channel_created", incident_ref=incident.display_ref, channel=name)
        return
    raise SlackApiError("no free channel name", {"ok": False, "error": SlackCode.NAME_TAKEN})


def _invite(services: Services, incident: Incident) -> None:
    kind = types.of(services.config, incident)
    people = [incident.reporter_id, incident.lead_id, *runbook.invitees(services, kind)]
    runbook.invite(services, incident.channel_id, [p for p in people if p])


def _post_summary(services: Services, incident: Incident, resuming: bool) -> None:
    found = resuming and posted_before.message(
        services, incident.channel_id, posted_before.SUMMARY, incident
    )
    if found:
        incident.summary_ts = found["ts"]
        return
    response = services.slack.chat_postMessage(
        channel=incident.channel_id,
        text=messages.summary_text(incident),
        blocks=messages.summary_blocks(
            incident,
            on_page=status_page_summary.on_page(services, incident),
            runbook=runbook.runbook_of(services, incident),
        ),
        metadata=posted_before.marker(posted_before.SUMMARY, incident),
    )
    incident.summary_ts = response["ts"]


def _pin_summary(services: Services, incident: Incident) -> None:
    try:
        services.slack.pins_add(channel=incident.channel_id, timestamp=incident.summary_ts)
    except SlackApiError as error:
        if error_code(error) != SlackCode.ALREADY_PINNED:
            raise
    incident.summary_pinned = True


def _announce(services: Services, incident: Incident, resuming: bool) -> None:
    channel = services.config.incidents_channel
    if resuming:
        found_channel = find_channel(services.slack, channel, types=posted_before.ANY_CHANNEL)
        found = found_channel and posted_before.message(
            services, found_channel["id"], posted_before.ANNOUNCEMENT, incident
        )
        if found:
            incident.announcement_channel_id, incident.announcement_ts = (
                found_channel["id"],
                found["ts"],
            )
            return
    response = post_joining(
        services,
        channel,
        text=messages.announcement_text(incident),
        blocks=messages.announcement_blocks(incident),
        metadata=posted_before.marker(posted_before.ANNOUNCEMENT, incident),
    )
    incident.announcement_channel_id, incident.announcement_ts = response["channel"], response["ts"]
