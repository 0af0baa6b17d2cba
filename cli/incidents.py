"""`klaxon incidents list|show` and `klaxon report`: incidents read from the store."""

from __future__ import annotations

import json

from cli.shared import open_store
from settings.errors import ConfigError


def find_incident(ref: str, *, include_private: bool = False):
    """The incident `ref` names. A private incident is found only with --include-private
    (without it, it is reported as not found, so not even its existence is confirmed)."""
    from incident import refs
    from incident.privacy import is_private

    try:
        target = refs.parse(ref)
    except refs.MalformedRef as error:
        raise ConfigError(f"{error}") from None
    incident = refs.find(target)
    if incident is None or (is_private(incident) and not include_private):
        # The same words whether it is missing or private: existence is not confirmed.
        hint = "" if include_private else " (private incidents need --include-private)"
        raise LookupError(f"no incident {target}{hint}")
    return incident


def report(args) -> int:
    """The same Markdown report `/incident report` posts in the channel. People are named
    from the store's cache of display names; with SLACK_BOT_TOKEN set, the names missing
    or stale there are asked of Slack first."""
    from incident.report import for_incident

    database = open_store()
    try:
        found = find_incident(args.ref, include_private=args.include_private)
        print(for_incident(found, refresh_names=_name_lookup()), end="")
        return 0
    finally:
        database.close()


def _name_lookup():
    """Slack's names for people, when this command has the bot's token (else None)."""
    import dataclasses
    import os

    from integrations.slack.client import web_client
    from integrations.slack.people import People
    from settings.config import load
    from settings.sources import optional_secret, secret

    if not optional_secret(os.environ, "SLACK_BOT_TOKEN"):
        return None
    config = load(require_tokens=False)
    token = secret(os.environ, "SLACK_BOT_TOKEN", "xoxb-")
    return People(web_client(dataclasses.replace(config, bot_token=token))).refresh_names


def incident_json(incident) -> dict:
    from incident.report import iso

    return {
        "id": str(incident.id),
        "ref": incident.display_ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "lead": incident.lead_id,
        "reporter": incident.reporter_id,
        "channel": incident.channel_name,
        "incident_key": incident.incident_key,
        "escalation_level": incident.escalation_level,
        "declared_at": iso(incident.declared_at),
        "acknowledged_at": iso(incident.acknowledged_at) if incident.acknowledged_at else None,
        "acknowledged_by": incident.acknowledged_by_email or incident.acknowledged_by_id,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
        "private": incident.private,
        "type": incident.incident_type,
    }


def incidents(args) -> int:
    from store.models import Incident

    database = open_store()
    try:
        if args.action == "show":
            return _show(find_incident(args.ref, include_private=args.include_private))
        query = Incident.select().order_by(Incident.ref.desc())
        if not args.include_private:
            query = query.where(~Incident.private)
        if args.open:
            query = query.where(Incident.status != "resolved")
        rows = [incident_json(incident) for incident in query]
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        for row in rows:
            print(
                f"{row['ref']:<8} {row['severity']} {row['status']:<12} {row['declared_at']}  "
                f"#{row['channel'] or '-'}  {row['title']}"
            )
        if not rows:
            print("no incidents" + (" open" if args.open else ""))
        return 0
    finally:
        database.close()


def _show(incident) -> int:
    from incident.report import iso
    from store import incidents as stored

    for key, value in incident_json(incident).items():
        print(f"{key + ':':<18}{value if value is not None else '—'}")
    print("timeline:")
    for event in stored.timeline(incident):
        print(
            f"  {iso(event.occurred_at)}  {event.actor_id or 'klaxon':<10} {event.kind:<14} "
            f"{event.text}"
        )
    return 0
