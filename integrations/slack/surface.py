"""SlackSurface: how Slack shows what happens to an incident (`incident.ports.IncidentSurface`).

It owns the wording of the lines in the incident channel and the incidents channel, keeps
the pinned summary and the announcement true (edited in place, never re-posted), and sends
what time brings (escalations, nudges, reminders: `timed_posts`). Blocks come from
`messages` and `nudge_messages`. A failed Slack call is logged, never raised: the incident
is already saved; methods that return a bool say whether the message went out.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from slack_sdk.errors import SlackApiError

from incident.due_times import RECONCILE_ATTEMPTS
from incident.ports import Archiving, Change
from incident.privacy import is_private
from incident.services import Services
from incident.timeline import durations
from incident.vocabulary import Actor, is_raised
from integrations.slack import (
    archive,
    declaration,
    messages,
    runbook,
    runbook_messages,
    status_page_summary,
)
from integrations.slack.blocks import channel_link
from integrations.slack.client import error_code
from integrations.slack.replies import direct_message
from integrations.slack.text import escape, trim
from integrations.slack.timed_posts import TimedPosts, post_joining
from observability import metrics
from settings.types import IncidentType
from store import followups, pages
from store.due import Hold
from store.models import ChecklistItem, FollowUp, Incident

log = structlog.get_logger("klaxon.surface")
REPORT_MAX = 38_000


def mention(actor: Actor) -> str:
    return f"<@{actor.user_id}>" if actor.user_id else escape(actor.email or "someone")


class SlackSurface(TimedPosts):
    def __init__(self, services: Services) -> None:
        self._services = services

    # ----- the declaration -----

    def place_name(self, incident: Incident) -> str | None:
        return declaration.first_name(self._services, incident)

    def name_place(self, incident: Incident) -> None:
        declaration.reserve_name(self._services, incident)

    def build_place(self, incident: Incident, hold: Hold, *, resuming: bool) -> list[str]:
        return declaration.complete_setup(self._services, incident, hold, resuming=resuming)

    def declaration_completed(self, incident: Incident) -> None:
        direct_message(
            self._services.slack,
            incident.reporter_id,
            f":white_check_mark: {incident.display_ref} is complete now: "
            f"{channel_link(incident.channel_id, incident.channel_name)} exists, "
            "its summary is pinned and the incident is announced.",
        )

    def declaration_abandoned(self, incident: Incident, failures: Sequence[str]) -> None:
        direct_message(
            self._services.slack,
            incident.reporter_id,
            f":x: Klaxon stopped retrying {incident.display_ref} after "
            f"{RECONCILE_ATTEMPTS} attempts; still missing: {'; '.join(failures)}. "
            "`klaxon check` shows what Slack refuses.",
        )

    # ----- what people did -----

    def acknowledged(self, incident: Incident, actor: Actor, reason: str) -> None:
        because = f": {escape(reason)}" if reason else ""
        via = "" if actor.user_id else f" ({actor.via or 'ops API'})"
        if is_private(incident):  # whoever acks a private incident joins it
            who = runbook.slack_user(self._services, actor)
            runbook.invite_quietly(self._services, incident, [who] if who else [])
        self._in_channel(
            incident,
            f":white_check_mark: {incident.display_ref} "
            f"acknowledged by {mention(actor)}{via}{because}",
        )
        self.refreshed(incident)

    def updated(self, incident: Incident, change: Change) -> None:
        ref, by = incident.display_ref, f"<@{change.actor_id}>"
        before, after = change.before, change.after
        if change.note:
            self._in_channel(incident, f":memo: *Update* from {by}:\n{escape(change.note)}")
        if change.changed("lead_id"):
            self._invite_lead(incident, after["lead_id"])
        steered = any(change.changed(name) for name in ("status", "severity", "lead_id"))
        if steered and after.get("status") != "resolved":
            self._in_channel(
                incident, f":arrows_counterclockwise: {ref}: {_steering(change)} (by {by})"
            )
        if change.changed("severity") and is_raised(before["severity"], after["severity"]):
            self._announce(
                incident,
                f":arrow_up: {ref} raised to *{after['severity']}* "
                f"(was {before['severity']}): {escape(incident.title)} · <#{incident.channel_id}>",
            )
        if after.get("status") == "resolved":
            self._resolved(incident, by)
        elif before.get("status") == "resolved":
            self._in_channel(incident, f":rotating_light: {ref} reopened by {by}")
            self._announce(
                incident,
                f":rotating_light: {ref} reopened ({incident.status}): {escape(incident.title)}"
                + (f" · <#{incident.channel_id}>" if incident.channel_id else ""),
            )
        self.refreshed(incident)

    def _resolved(self, incident: Incident, by: str) -> None:
        to_ack, to_resolve = durations(incident)
        metrics.time_to_resolve.observe(
            (incident.resolved_at - incident.declared_at).total_seconds()
        )
        resolution = f"\n>{escape(incident.resolution)}" if incident.resolution else ""
        self._in_channel(
            incident,
            f":white_check_mark: {incident.display_ref} resolved by {by}.{resolution}\n"
            f"Time to acknowledge: *{to_ack}* · time to resolve: *{to_resolve}*\n"
            "The post-incident report follows; `/incident report` posts it again once the "
            "root cause, timeline or follow-ups change (`/incident followup …` adds one).",
        )
        self._announce(
            incident,
            f":white_check_mark: {incident.display_ref} resolved after {to_resolve}:"
            f" {escape(incident.title)}",
        )

    def _invite_lead(self, incident: Incident, lead_id: str) -> None:
        if not incident.channel_id:
            return
        try:
            self._services.slack.conversations_invite(channel=incident.channel_id, users=lead_id)
        except Exception as error:  # already in the channel, or not invitable: not fatal
            log.info("lead_not_invited", error=str(error)[:200])

    def follow_up_added(self, incident: Incident, item: FollowUp, actor_id: str) -> None:
        owner = f" (owner <@{item.owner_id}>)" if item.owner_id else ""
        self._in_channel(
            incident,
            f":pushpin: Follow-up added by <@{actor_id}>: {escape(item.text)}{owner}",
        )
        self.refreshed(incident)

    def report_published(self, incident: Incident, markdown: str) -> str | None:
        return self._in_channel(
            incident,
            f"*Post-incident report for {incident.display_ref}* (Markdown, copy it "
            f"into your docs):\n```\n{escape(trim(markdown, REPORT_MAX))}\n```",
        )

    def refreshed(self, incident: Incident) -> None:
        items = followups.of(incident)
        on_page = status_page_summary.on_page(self._services, incident)
        paged = pages.of(incident)
        extra = runbook.runbook_of(self._services, incident)
        edits = (
            (
                incident.channel_id,
                incident.summary_ts,
                messages.summary_text,
                lambda i: messages.summary_blocks(
                    i, items, on_page=on_page, pages=paged, runbook=extra
                ),
            ),
            (
                incident.announcement_channel_id,
                incident.announcement_ts,
                messages.announcement_text,
                messages.announcement_blocks,
            ),
        )
        for channel, ts, text, blocks in edits:
            if not (channel and ts):
                continue
            try:
                self._services.slack.chat_update(
                    channel=channel, ts=ts, text=text(incident), blocks=blocks(incident)
                )
            except SlackApiError as error:
                log.warning(
                    "message_update_failed",
                    channel=channel,
                    error=error_code(error),
                    incident_ref=incident.display_ref,
                )

    # ----- types, roles, checklists -----

    def type_changed(
        self, incident: Incident, kind: IncidentType, actor_id: str, *, checklist_added: bool
    ) -> None:
        runbook.invite_quietly(self._services, incident, runbook.invitees(self._services, kind))
        self._in_channel(
            incident,
            f":label: {incident.display_ref} is now *{escape(kind.label)}* (by <@{actor_id}>)",
        )
        if checklist_added:
            try:
                runbook.post_checklist(self._services, incident, resuming=False)
            except SlackApiError as error:
                log.warning("checklist_post_failed", error=error_code(error))
        self.refreshed(incident)

    def role_changed(self, incident: Incident, label: str, holder_id: str, actor_id: str) -> None:
        runbook.invite_quietly(self._services, incident, [holder_id])
        self._in_channel(
            incident, f":bust_in_silhouette: {escape(label)}: <@{holder_id}> (by <@{actor_id}>)"
        )
        self.refreshed(incident)

    def checklist_changed(self, incident: Incident) -> None:
        runbook.update_checklist(self._services, incident)
        self.refreshed(incident)

    def nudge_checklist(self, incident: Incident, items: Sequence[ChecklistItem]) -> bool:
        return self._timed_post(
            incident.channel_id, runbook_messages.checklist_nudge_text(incident, list(items))
        )

    # ----- the incident's channel -----

    def archive_channel(self, incident: Incident, *, open_follow_ups: int) -> Archiving:
        return archive.archive(self._services, incident, open_follow_ups)

    def channel_unarchived(self, incident: Incident) -> bool:
        return archive.rejoin(self._services, incident)

    def invited_back(self, incident: Incident, inviter_id: str | None) -> None:
        archive.say_back(self._services, incident, inviter_id)

    def permalink(self, incident: Incident, message_ts: str) -> str | None:
        try:
            return self._services.slack.chat_getPermalink(
                channel=incident.channel_id, message_ts=message_ts
            )["permalink"]
        except SlackApiError as error:
            log.warning("permalink_failed", error=error_code(error))
            return None

    def _in_channel(self, incident: Incident, text: str) -> str | None:
        """A line in the incident channel (the timeline people read); its ts, or None if
        it could not be posted."""
        if not incident.channel_id:
            return None
        try:
            posted = self._services.slack.chat_postMessage(channel=incident.channel_id, text=text)
        except SlackApiError as error:
            log.warning(
                "channel_post_failed", error=error_code(error), incident_ref=incident.display_ref
            )
            return None
        return posted["ts"]

    def _announce(self, incident: Incident, text: str) -> None:
        """A line in the incidents channel (severity raised, resolved, reopened).

        It goes where the incident's announcement went, by channel id, so it lands beside
        it even if the incidents channel was renamed or the setting changed since. When the
        announcement was never posted (its step still failing), the configured channel is
        used, joining it first like the announcement would.
        """
        if is_private(incident):  # the incidents channel hears only that it was declared
            return
        channel = incident.announcement_channel_id or self._services.config.incidents_channel
        try:
            post_joining(self._services, channel, text=text)
        except SlackApiError as error:
            log.warning(
                "announcement_failed",
                channel=channel,
                error=error_code(error),
                incident_ref=incident.display_ref,
            )


def _steering(change: Change) -> str:
    before, after = change.before, change.after
    parts = []
    if change.changed("status"):
        parts.append(f"status *{before['status']}* → *{after['status']}*")
    if change.changed("severity"):
        parts.append(f"severity *{before['severity']}* → *{after['severity']}*")
    if change.changed("lead_id"):
        parts.append(f"lead <@{after['lead_id']}>")
    return ", ".join(parts)
