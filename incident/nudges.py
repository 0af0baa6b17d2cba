"""The buttons on nudges: snooze the next update nudge, take or choose the lead."""

from __future__ import annotations

from incident import due_times, lifecycle
from incident.services import Services
from integrations.slack.reply import reply
from store import incidents
from store.fields import utcnow

SNOOZE_MINUTES = (30, 120)


def snooze(services: Services, *, value: str, user_id: str, response_url: str | None) -> None:
    def answer(text: str) -> None:
        reply(services.slack, user_id=user_id, response_url=response_url, text=text)

    incident_id, _, minutes = value.partition("|")
    incident = incidents.get(incident_id)
    if incident is None or not minutes.isdigit() or int(minutes) not in SNOOZE_MINUTES:
        answer("That nudge no longer applies.")
        return
    if incident.status == "resolved":
        answer(f"{incident.display_ref} is resolved; there is nothing to snooze.")
        return
    now = utcnow()
    incidents.update_fields(incident, **due_times.snoozed(now, int(minutes)))
    incidents.add_event(
        incident,
        "nudge_snoozed",
        f"Update nudges snoozed for {minutes} min",
        actor_id=user_id,
        now=now,
    )
    answer(f":zzz: {incident.display_ref}: the next update nudge comes in {minutes} min.")


def set_lead(
    services: Services,
    *,
    incident_id: str,
    lead_id: str | None,
    user_id: str,
    response_url: str | None,
    request_id: str | None = None,
) -> None:
    incident = incidents.get(incident_id)
    if incident is None or not lead_id:
        return
    try:
        said = lifecycle.update(
            services,
            incident,
            actor_id=user_id,
            changes=lifecycle.Changes(lead_id=lead_id),
            request_id=request_id,
        )
        text = (
            f"{incident.display_ref}: {', '.join(said)}."
            if said
            else (f"<@{lead_id}> already leads {incident.display_ref}.")
        )
    except lifecycle.Refused as refusal:
        text = str(refusal)
    reply(services.slack, user_id=user_id, response_url=response_url, text=text)
